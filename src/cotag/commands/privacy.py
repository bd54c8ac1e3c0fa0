"""`cotag pseudonyms ...` and `cotag disclosure`: the pseudonym table and the k-anonymity check of attributions."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from cotag.commands.common import JsonOption, OutputOption, emit_json, open_project, split_names

pseudonyms_app = typer.Typer(no_args_is_help=True,
                             help="The pseudonym table (pseudonyms.yaml beside cotag.toml): suggest, accept, apply.")


def _actor() -> str:
    """Who the audit log names for a decision (COTAG_CODER, as `cotag attributes import --actor` reads it)."""
    import os

    return os.environ.get("COTAG_CODER", "")


@pseudonyms_app.command("suggest")
def suggest(spacy_model: Optional[str] = typer.Option(None, "--spacy-model",
                                                      help="spaCy pipeline for entities (default: an installed "
                                                           "model, if any; none is required)."),
            no_spacy: bool = typer.Option(False, "--no-spacy", help="Do not look for a spaCy model."),
            as_json: bool = JsonOption) -> None:
    """Find names, places and organisations in the corpus and list them as proposals with ids."""
    from cotag.services import privacy as decisions
    from cotag.privacy.pseudonyms import load_pipeline

    project = open_project()
    nlp, how = (None, "spaCy not used (--no-spacy)") if no_spacy else load_pipeline(spacy_model)
    result = decisions.suggest(project, decisions.suggest_inputs(project), nlp=nlp, actor=_actor())
    added, open_, table = result.added, result.open, result.table
    if as_json:
        emit_json({"added": len(added), "open": [vars(p) for p in open_], "spacy": how, "file": str(table.path)})
        return
    typer.echo(f"{len(added)} new proposals, {len(open_)} open ({how}); saved in {table.path}")
    _print_proposals(open_)
    if open_:
        typer.echo("accept with `cotag pseudonyms accept ID...`, reject with `cotag pseudonyms reject ID...`")


def _print_proposals(proposals) -> None:
    for p in proposals:
        where = ", ".join(p.documents[:3]) + (f" +{len(p.documents) - 3}" if len(p.documents) > 3 else "")
        typer.echo(f"  {p.id:>5}  {p.kind:<12} {p.real!r} -> {p.pseudonym}  ({p.source}; {p.count}x in {where})")


@pseudonyms_app.command("list")
def list_(rejected: bool = typer.Option(False, "--rejected", help="Also list rejected proposals."),
          as_json: bool = JsonOption) -> None:
    """The pseudonyms in use and the open proposals."""
    from cotag.privacy.pseudonyms import load_table

    table = load_table(open_project())
    shown = [p for p in table.proposals if p.status == "open" or rejected]
    if as_json:
        emit_json({"entries": [vars(e) for e in table.entries], "proposals": [vars(p) for p in shown]})
        return
    typer.echo(f"{len(table.entries)} pseudonyms ({table.path})")
    for e in table.entries:
        typer.echo(f"  {e.kind:<12} {e.real!r} -> {e.pseudonym}")
    typer.echo(f"{len(shown)} proposals")
    _print_proposals(shown)


@pseudonyms_app.command("add")
def add(real: str = typer.Argument(..., help="The real string, as the transcripts write it."),
        pseudonym: str = typer.Argument(..., help="What exports print instead."),
        kind: str = typer.Option("other", "--kind", "-k", help="person, place, organisation or other."),
        replace: bool = typer.Option(False, "--replace", help="Change the pseudonym of a string already listed.")
        ) -> None:
    """Add a pseudonym by hand."""
    from cotag.services import privacy as decisions

    entry = decisions.add(open_project(), real, pseudonym, kind, replace=replace, actor=_actor())
    typer.echo(f"{entry.real!r} -> {entry.pseudonym} ({entry.kind})")


@pseudonyms_app.command("accept")
def accept(ids: List[str] = typer.Argument(..., help="Proposal ids (p1 p2 ...)."),
           pseudonym: Optional[str] = typer.Option(None, "--as", help="Use this pseudonym instead of the suggested.")
           ) -> None:
    """Accept proposals: each becomes a pseudonym."""
    from cotag.services import privacy as decisions

    entries = decisions.accept(open_project(), [i for item in ids for i in split_names(item) or []],
                               pseudonym=pseudonym, actor=_actor())
    for e in entries:
        typer.echo(f"accepted {e.real!r} -> {e.pseudonym} ({e.kind})")


@pseudonyms_app.command("reject")
def reject(ids: List[str] = typer.Argument(..., help="Proposal ids (p1 p2 ...).")) -> None:
    """Reject proposals: they stay listed as rejected and suggest does not offer them again."""
    from cotag.services import privacy as decisions

    rejected = decisions.reject(open_project(), [i for item in ids for i in split_names(item) or []],
                                actor=_actor())
    typer.echo(f"rejected {', '.join(repr(p.real) for p in rejected)}")


@pseudonyms_app.command("remove")
def remove(real: str = typer.Argument(..., help="The real string whose pseudonym goes.")) -> None:
    """Remove a pseudonym from the table."""
    from cotag.services import privacy as decisions

    entry = decisions.remove(open_project(), real, actor=_actor())
    typer.echo(f"removed {entry.real!r} -> {entry.pseudonym}")


@pseudonyms_app.command("apply")
def apply(document: str = typer.Argument(..., help="Document id."),
          output: Optional[Path] = OutputOption) -> None:
    """Print a document's text as exports show it, pseudonymised (the stored text is not changed)."""
    from cotag.privacy.pseudonyms import load_table
    from cotag.services.corpus import document_text

    project = open_project()
    layer = load_table(project).pseudonymiser()
    text = layer.apply(document_text(project, external_id=document)).text
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote the pseudonymised text of {document} to {output}")


def disclosure(attributes: Optional[str] = typer.Option(None, "--attributes",
                                                        help="Attributes a quote prints, comma-separated (default: "
                                                             "the project's attribution templates)."),
               k: int = typer.Option(3, "--k", help="Threshold: list respondents shared by fewer than k."),
               show_all: bool = typer.Option(False, "--all", help="List every respondent, not only those below k."),
               as_json: bool = JsonOption) -> None:
    """For every respondent, how many respondents share the attribution a quote would print (k)."""
    from cotag.services.corpus import disclosure as disclosure_report

    report = disclosure_report(open_project(), attributes=split_names(attributes), k=k)
    if not show_all:
        report.pop("all")
    if as_json:
        emit_json(report)
        return
    typer.echo(f"{len(report['below'])} of {report['respondents']} respondents have an attribution shared by fewer "
               f"than {k} respondents ({report['unique']} unique)")
    for row in (report["all"] if show_all else report["below"]):
        typer.echo(f"  k={row['k']:<3} {row['document']:<10} {row['attribution']}")
    if report["below"]:
        typer.echo("`cotag export quotes --min-k K` coarsens attributions until every quoted respondent has k >= K")


def register(app: typer.Typer) -> None:
    app.add_typer(pseudonyms_app, name="pseudonyms")
    app.command("disclosure")(disclosure)
