"""Where the demo project's codebook and synthetic corpus are (services.corpus.ensure_demo_project sets it up)."""

from __future__ import annotations

from pathlib import Path

from cotag.errors import CotagError


def corpus_root() -> Path:
    """The folder holding codebooks/ and transcripts/: the source checkout, else the working directory."""
    candidates = [Path(__file__).resolve().parents[3], Path.cwd()]
    for root in candidates:
        if (root / "codebooks" / "migration.yaml").is_file() and (root / "transcripts").is_dir():
            return root
    raise CotagError("cannot find the demo corpus (codebooks/migration.yaml and transcripts/): "
                     "run this from a cotag source checkout")
