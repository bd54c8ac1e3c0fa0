"""The demo project: the study's codebook and the synthetic corpus, set up in one step."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

from cotag.errors import CotagError
from cotag.project import CONFIG_NAME, Project, init_project, open_project


def corpus_root() -> Path:
    """The folder holding codebooks/ and transcripts/: the source checkout, else the working directory."""
    candidates = [Path(__file__).resolve().parents[3], Path.cwd()]
    for root in candidates:
        if (root / "codebooks" / "migration.yaml").is_file() and (root / "transcripts").is_dir():
            return root
    raise CotagError("cannot find the demo corpus (codebooks/migration.yaml and transcripts/): "
                     "run this from a cotag source checkout")


def ensure_demo_project(directory: Path | str, *, echo: Callable[[str], None] = print) -> tuple[Project, bool]:
    """Open the demo project in directory, creating and filling it on first use."""
    from cotag import services

    directory = Path(directory).resolve()
    if (directory / CONFIG_NAME).is_file():
        return open_project(directory), False
    source = corpus_root()
    # The demo gets its own copy of the codebook: renames, merges, `codebook save` and REFI-QDA
    # imports write to the project's codebook file, and must never edit the repository's.
    directory.mkdir(parents=True, exist_ok=True)
    codebook = "codebook.yaml"
    shutil.copyfile(source / "codebooks" / "migration.yaml", directory / codebook)
    folders = [os.path.relpath(source / "transcripts" / g, directory) for g in ("experts", "graduates")]
    project = init_project(directory, codebook=codebook, folders=folders, name="demo")
    echo(f"created demo project in {directory}")
    report = services.load_codebook_file(project, path=project.codebook_path)
    echo(f"loaded codebook: {report['codes']} codes")
    imported = services.import_transcripts(project, paths=project.transcript_folders)
    echo(f"imported {len(imported.added)} transcripts: {imported.units} units, {imported.words} words")
    if not imported.ok:
        raise CotagError("the demo corpus did not import cleanly:\n" + "\n".join(imported.errors + imported.refused))
    # Two simulated coders on the same documents, so agreement and reconcile have content on first run.
    from cotag.demo import simulate

    with project.session() as session:
        sim = simulate.simulate_coders(session, simulate.DEMO_CODERS, noise=simulate.DEFAULT_NOISE,
                                       documents=simulate.DEMO_DOCUMENTS, seed=simulate.DEFAULT_SEED)
    echo(f"simulated coders {', '.join(sim.coders)} on {len(sim.documents)} documents "
         f"(noise {sim.noise}): try `cotag agreement`")
    return project, True
