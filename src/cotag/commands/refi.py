"""REFI-QDA on the command line: `cotag export qdpx|qdc FILE` and `cotag import qdpx|qdc FILE`.

The export commands join the `cotag export` group; the imports are reached through
`cotag import`, which hands a first argument of ``qdpx`` or ``qdc`` to :func:`run_import`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cotag.commands.common import JsonOption, emit_json, fail, open_project, split_names

IMPORT_KINDS = ("qdpx", "qdc")


def export_qdpx_command(file: Path = typer.Argument(..., help="The .qdpx file to write."),
                        coders: Optional[str] = typer.Option(
                            None, "--coders", help="Only these coders' codings and memos (comma-separated; "
                                                   "default: every coder, the consensus as its own user)."),
                        pseudonymise: bool = typer.Option(False, "--pseudonymise",
                                                          help="Texts, attributes and memos through the pseudonym "
                                                               "table (docs/privacy.md)."),
                        one_code_per_selection: bool = typer.Option(
                            False, "--one-code-per-selection",
                            help="A selection per code, the span repeated (as NVivo writes), for readers that keep "
                                 "only the first coding of a selection."),
                        as_json: bool = JsonOption) -> None:
    """REFI-QDA project for ATLAS.ti, MAXQDA, NVivo, QualCoder: documents, codebook, coders, codings, memos."""
    from cotag.services.refi import export_qdpx

    report = export_qdpx(open_project(), file, coders=split_names(coders), pseudonymise=pseudonymise,
                         one_code_per_selection=one_code_per_selection)
    if as_json:
        emit_json(report.as_dict())
        return
    typer.echo(f"wrote {file}: {report.documents} documents, {report.codes} codes, {report.users} users, "
               f"{report.selections} selections with {report.codings} codings, {report.notes} notes, "
               f"{report.cases} cases, {report.sets} document groups (schema and references checked)")
    for line in report.warnings:
        typer.echo(f"warning: {line}", err=True)


def export_qdc_command(file: Path = typer.Argument(..., help="The .qdc file to write."),
                       codebook: Optional[Path] = typer.Option(
                           None, "--codebook", help="Convert this YAML codebook instead of the project's codes "
                                                    "(no project needed)."),
                       as_json: bool = JsonOption) -> None:
    """REFI-QDA codebook: codes with hierarchy, colours, and description, rules and examples packed in."""
    import uuid

    from cotag.refi import project_namespace
    from cotag.refi.qdc import codebook_to_fields, export_qdc
    from cotag.services.codebook import code_fields

    if codebook is not None:
        from cotag.codebook import load_codebook

        loaded = load_codebook(codebook)
        summary = export_qdc(file, codes=codebook_to_fields(loaded), title=loaded.title, version=loaded.version,
                             namespace=uuid.uuid5(uuid.NAMESPACE_URL, f"https://cotag.invalid/codebook/{loaded.title}"))
    else:
        project = open_project()
        title, version = project.name, 0
        if project.codebook_path is not None and project.codebook_path.exists():
            from cotag.codebook import load_codebook

            loaded = load_codebook(project.codebook_path)
            title, version = loaded.title or title, loaded.version
        fields = code_fields(project)
        summary = export_qdc(file, codes=fields, title=title, version=version,
                             namespace=project_namespace(project.name))
    if as_json:
        emit_json(summary)
        return
    typer.echo(f"wrote {file}: {summary['codes']} codes (codebook {summary['title']!r}, version {summary['version']})")


def export_codebook_csv_command(file: Path = typer.Argument(..., help="The .csv file to write."),
                               codebook: Optional[Path] = typer.Option(
                                   None, "--codebook", help="Convert this YAML codebook instead of the project's "
                                                            "codes (no project needed)."),
                               as_json: bool = JsonOption) -> None:
    """The codebook as the CSV Taguette imports (tag, description; sub-tags as parent.child)."""
    from cotag.refi.taguette import write_taguette_codebook

    if codebook is not None:
        from cotag.codebook import load_codebook

        tags = write_taguette_codebook(load_codebook(codebook), file)
    else:
        from cotag.services.codebook import code_fields

        tags = write_taguette_codebook(code_fields(open_project()), file)
    if as_json:
        emit_json({"file": str(file), "tags": tags, "format": "taguette-csv"})
        return
    typer.echo(f"wrote {file}: {tags} tags for Taguette (Import codebook)")


def _print_list(title: str, lines: list[str]) -> None:
    if lines:
        typer.echo(title)
        for line in lines:
            typer.echo(f"  - {line}")


def parse_user_map(pairs: list[str]) -> dict[str, str]:
    """``--as FILE_USER=CODER`` options as a mapping; a malformed or repeated one is an error."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            fail(f"--as {pair!r}: write FILE_USER=CODER (the user's name in the file, then a coder of this project)")
        if old in mapping and mapping[old] != new:
            fail(f"--as: user {old!r} is mapped twice ({mapping[old]!r} and {new!r})")
        mapping[old] = new
    return mapping


def run_import(kind: str, files: list[Path], *, into: Optional[Path], offsets: Optional[str],
               as_json: bool, sources: Optional[Path] = None, user_map: Optional[list[str]] = None,
               lead: Optional[str] = None) -> None:
    """`cotag import qdpx FILE [--into DIR] [--offsets R] [--sources DIR] [--as U=C ...] [--lead NAME]`
    and `cotag import qdc FILE [--into FILE.yaml]`."""
    if len(files) != 1:
        fail(f"`cotag import {kind}` takes exactly one file (got {len(files)})")
    file = files[0]
    if kind == "qdc":
        if offsets is not None:
            fail("--offsets is for `cotag import qdpx`")
        if sources is not None or user_map:
            fail("--sources and --as are for `cotag import qdpx`")
        from cotag.refi.qdc import import_qdc

        codebook_report = import_qdc(file, project=None if into is not None else open_project(), into=into)
        if as_json:
            emit_json(codebook_report.as_dict())
            return
        where = codebook_report.codebook_file or ""
        if into is not None:
            typer.echo(f"imported codebook {codebook_report.title!r} ({codebook_report.codes} codes, origin {codebook_report.origin or '?'}) "
                       f"into {where}")
        else:
            typer.echo(f"imported codebook {codebook_report.title!r} ({codebook_report.codes} codes, origin {codebook_report.origin or '?'}): "
                       f"{len(codebook_report.added)} added, {len(codebook_report.updated)} updated, {len(codebook_report.matched)} "
                       f"unchanged; {where}")
        _print_list("not carried over:", codebook_report.not_carried)
        _print_list("warnings:", codebook_report.warnings)
        return

    import gc

    # The collector stays off from here (loading SQLAlchemy, lxml and spaCy included) to the end of the import:
    # what is loaded and built holds no cycles worth finding, yet full passes walked it (0.1 s of the demo
    # project's import, issue #14). What survives is frozen, so the passes after the import skip it too.
    enabled = gc.isenabled()
    gc.disable()
    try:
        from cotag.refi.qdpx_import import import_qdpx

        report = import_qdpx(file, project=None if into is not None else open_project(), into=into,
                             offsets=offsets, sources=sources, user_map=parse_user_map(user_map or []), lead=lead)
    finally:
        if enabled:
            gc.freeze()
            gc.enable()
    if as_json:
        emit_json(report.as_dict())
        return
    n = report.imported
    typer.echo(f"imported {file} (origin {report.origin or '?'}) into {report.project}")
    typer.echo(f"  documents {n.get('documents_added', 0)} added, {n.get('documents_reused', 0)} already there; "
               f"codes {n.get('codes_added', 0)} added, {n.get('codes_matched', 0)} matched; "
               f"coders {n.get('coders', 0)}; codings {n.get('codings', 0)}"
               + (f" ({n['codings_already_present']} already there)" if n.get("codings_already_present") else "")
               + f"; memos {n.get('memos', 0)}"
               + (f" ({n['memos_already_present']} already there)" if n.get("memos_already_present") else ""))
    found = report.found
    typer.echo(f"  the file holds {found.get('text_sources', 0)} text sources, {found.get('selections', 0)} "
               f"selections, {found.get('codings', 0)} codings, {found.get('codes', 0)} codes, "
               f"{found.get('users', 0)} users")
    typer.echo(f"  offsets read as {report.offsets['reading']}: {report.offsets['meaning']} "
               f"({report.offsets['reason']})")
    if report.codebook_file:
        typer.echo(f"  {report.codebook_file}")
    _print_list("not carried over:", report.not_carried)
    _print_list("warnings:", report.warnings)


def register(app: typer.Typer) -> None:
    """Nothing to add at the top level: `cotag export qdpx|qdc|codebook-csv` are registered by the export group
    (commands/export.py), and `cotag import qdpx|qdc` is reached through `cotag import`."""
