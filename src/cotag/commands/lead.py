"""The lead's commands: `cotag reconcile` and `cotag log` (codebook evolution is in commands/codebook.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

import typer

from cotag.commands.common import DocumentsOption, JsonOption, LeadOption, emit_json, fail, open_project, split_names

reconcile_app = typer.Typer(no_args_is_help=False, invoke_without_command=True,
                            help="Turn two coders' readings into one consensus coding (lead only).")

CodersOption = typer.Option(None, "--coders", metavar="A,B",
                            help="The two coders to compare (default: the only two with codings).")
DocumentOption = DocumentsOption


def _pair(value: Optional[str]) -> Optional[list[str]]:
    names = split_names(value)
    if names is not None and len(names) != 2:
        fail(f"--coders takes two names, A,B (got {value!r})")
    return names


# ---------------------------------------------------------------- reconcile

@reconcile_app.callback()
def reconcile_main(ctx: typer.Context,
                   lead: Optional[str] = typer.Option(None, "--lead", "-l", envvar="COTAG_LEAD", metavar="NAME",
                                                      help="The lead ruling (opens the reconcile screen)."),
                   coders: Optional[str] = CodersOption, document: Optional[str] = DocumentOption) -> None:
    """With no subcommand: open the reconcile screen for a lead."""
    if ctx.invoked_subcommand is not None:
        return
    if not lead:
        fail("open the reconcile screen with --lead NAME (or use `cotag reconcile list|decide|progress`)")
    from cotag.tui.app import Reconcile, make_app

    make_app(open_project(), coder=lead, lead=True,
             reconcile=Reconcile(coders=_pair(coders), documents=split_names(document))).run()


@reconcile_app.command("list")
def reconcile_list(coders: Optional[str] = CodersOption, document: Optional[str] = DocumentOption,
                   only_open: bool = typer.Option(False, "--open", help="Only disagreements not yet ruled on."),
                   agreed: bool = typer.Option(False, "--agreed", help="List the agreed spans (auto-consensus) "
                                                                       "instead of the disagreements."),
                   as_json: bool = JsonOption) -> None:
    """Every disagreement between two coders: id, document, code, both coders' spans, status."""
    from cotag.services import reconcile

    project = open_project()
    if agreed:
        # With the words both coders coded, as the disagreements below: the lead reviews what was said.
        rows = reconcile.agreed_review(project, coders=_pair(coders), documents=split_names(document))
        if as_json:
            emit_json(rows)
            return
        for row in rows:
            mark = "in consensus" if row["in_consensus"] else "pending"
            typer.echo(f"{row['document']}  {row['code']}  {mark}")
            typer.echo(f"    \u201c{_clip(row['text'])}\u201d")
        typer.echo(f"{len(rows)} agreed span(s)")
        return
    rows = reconcile.list_disagreements(project, coders=_pair(coders), documents=split_names(document),
                                        only_open=only_open)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        # The words each coder coded, not offsets: the lead rules on what was said.
        ruling = f"{row['status']} ({row['ruling']})" if row["ruling"] else row["status"]
        first, last = row["units"]
        units = f"unit {first}" if first == last else f"units {first}-{last}"
        typer.echo(f"{row['id']}  {row['document']}  {row['code']}  {units}  {ruling}")
        for side, coder in zip(("a", "b"), row["coders"]):
            said = "; ".join(f"\u201c{_clip(s['text'])}\u201d" for s in row[side]) or "(did not apply this code here)"
            typer.echo(f"    {coder}: {said}")
    typer.echo(f"{len(rows)} disagreement(s)")


def _clip(text: str, limit: int = 160) -> str:
    """A long reading cut at a word, so the list stays a list."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


@reconcile_app.command("decide")
def reconcile_decide(disagreement: str = typer.Argument(..., metavar="ID"),
                     keep: str = typer.Option(..., "--keep", metavar="a|b|both|none|edit",
                                              help="Whose reading stands: a, b, both, none, or edit."),
                     lead: str = LeadOption,
                     note: str = typer.Option("", "--note", help="Why (kept with the ruling)."),
                     span: Optional[str] = typer.Option(None, "--span", metavar="START:END",
                                                        help="For edit: the span that stands."),
                     code: Optional[str] = typer.Option(None, "--code", metavar="KEY",
                                                        help="For edit: the code that stands."),
                     coders: Optional[str] = CodersOption, document: Optional[str] = DocumentOption,
                     as_json: bool = JsonOption) -> None:
    """Rule on one disagreement; the consensus coding follows. Ruling again revisits (logged)."""
    from cotag.reconcile import parse_span
    from cotag.services import reconcile

    ruling = keep.strip().lower()
    result = reconcile.rule(open_project(), disagreement_id=disagreement, ruling=ruling, lead=lead, note=note,
                            coders=_pair(coders), documents=split_names(document),
                            span=parse_span(span) if span else None, code=code)
    if as_json:
        emit_json(result)
        return
    verb = "changed the ruling on" if result["revisited"] else "ruled on"
    spans = ", ".join(f"{c['start']}:{c['end']}" for c in result["consensus"]) or "nothing"
    whose = {"a": f" ({result['coders'][0]})", "b": f" ({result['coders'][1]})"}.get(ruling, "")
    typer.echo(f"{verb} {disagreement} ({result['document']}, {result['code']}): keep {ruling}{whose}; "
               f"consensus {spans}")


@reconcile_app.command("agreed")
def reconcile_agreed(lead: str = LeadOption, coders: Optional[str] = CodersOption,
                     document: Optional[str] = DocumentOption) -> None:
    """Write every agreed span into the consensus now (deciding also does this for its document)."""
    from cotag.services import reconcile

    added = reconcile.write_agreed(open_project(), lead=lead, coders=_pair(coders), documents=split_names(document))
    typer.echo(f"added {added} agreed span(s) to the consensus")


@reconcile_app.command("progress")
def reconcile_progress(coders: Optional[str] = CodersOption, document: Optional[str] = DocumentOption,
                       as_json: bool = JsonOption) -> None:
    """Disagreements ruled on, per document and overall."""
    from cotag.services import reconcile

    data = reconcile.progress(open_project(), coders=_pair(coders), documents=split_names(document))
    if as_json:
        emit_json(data)
        return
    for row in data["documents"]:
        typer.echo(f"{row['document']:<8} {row['decided']:>4}/{row['disagreements']:<4}")
    typer.echo(f"overall  {data['decided']}/{data['disagreements']} ruled, {data['open']} open")


# ---------------------------------------------------------------- audit trail

def _parse_since(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--since {text!r} is not an ISO date or time (e.g. 2026-03-01 or 2026-03-01T14:30)")
    if when.tzinfo is not None:
        # Events are stored naive in UTC.
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when


def log(since: Optional[str] = typer.Option(None, "--since", metavar="ISO-DATE", help="Only events from then on (UTC)."),
        coder: Optional[str] = typer.Option(None, "--coder", metavar="NAME", help="Only what this person did."),
        kind: Optional[str] = typer.Option(None, "--kind", metavar="PREFIX",
                                           help="Only events whose kind starts so (coding, reconcile, codebook, ...)."),
        limit: Optional[int] = typer.Option(None, "--limit", help="At most this many (oldest first)."),
        as_json: bool = JsonOption) -> None:
    """The audit trail: imports, codings applied and removed, memos, rulings, codebook changes; who and when."""
    from cotag.services.team import audit_trail

    rows = audit_trail(open_project(), since=_parse_since(since) if since else None, actor=coder, kind=kind,
                       limit=limit)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['at']}  {row['actor'] or '-':<12} {row['kind']:<20} {row['summary']}")
    typer.echo(f"{len(rows)} event(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(reconcile_app, name="reconcile")
    app.command("log")(log)

