"""The lead's commands: `cotag reconcile`, codebook evolution (`cotag codebook rename|move|...`) and `cotag log`."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer

from cotag.commands.common import emit_json, fail, open_project, split_names

reconcile_app = typer.Typer(no_args_is_help=False, invoke_without_command=True,
                            help="Turn two coders' readings into one consensus coding (lead only).")

LeadOption = typer.Option(..., "--lead", "-l", envvar="COTAG_LEAD", metavar="NAME",
                          help="The lead making the change (env COTAG_LEAD).")
CodersOption = typer.Option(None, "--coders", metavar="A,B",
                            help="The two coders to compare (default: the only two with codings).")
DocumentOption = typer.Option(None, "--document", "-d", metavar="ID", help="Only these documents (comma-separated).")
JsonOption = typer.Option(False, "--json", help="Print JSON.")


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
    from cotag import reconcile

    project = open_project()
    if agreed:
        with project.session() as session:
            rows = reconcile.agreed_table(session, coders=_pair(coders), documents=split_names(document))
        if as_json:
            emit_json(rows)
            return
        for row in rows:
            mark = "in consensus" if row["in_consensus"] else "pending"
            typer.echo(f"{row['document']}  {row['code']:<22} {row['start']}:{row['end']}  {mark}")
        typer.echo(f"{len(rows)} agreed span(s)")
        return
    rows = reconcile.list_disagreements(project, coders=_pair(coders), documents=split_names(document),
                                        status=reconcile.OPEN if only_open else None)
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
    from cotag import reconcile

    ruling = keep.strip().lower()
    result = reconcile.rule(open_project(), disagreement_id=disagreement, ruling=ruling, lead=lead, note=note,
                            coders=_pair(coders), documents=split_names(document),
                            span=reconcile.parse_span(span) if span else None, code=code)
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
    from cotag import reconcile

    with open_project().session() as session:
        added = reconcile.write_agreed(session, lead=lead, coders=_pair(coders), documents=split_names(document))
    typer.echo(f"added {added} agreed span(s) to the consensus")


@reconcile_app.command("progress")
def reconcile_progress(coders: Optional[str] = CodersOption, document: Optional[str] = DocumentOption,
                       as_json: bool = JsonOption) -> None:
    """Disagreements ruled on, per document and overall."""
    from cotag import reconcile

    with open_project().session() as session:
        data = reconcile.compare(session, coders=_pair(coders), documents=split_names(document),
                                 agreed=False).progress()
    if as_json:
        emit_json(data)
        return
    for row in data["documents"]:
        typer.echo(f"{row['document']:<8} {row['decided']:>4}/{row['disagreements']:<4}")
    typer.echo(f"overall  {data['decided']}/{data['disagreements']} ruled, {data['open']} open")


# ---------------------------------------------------------------- codebook evolution

def _codebook_op(operation: str, as_json: bool, **kwargs) -> dict:
    from cotag import codebook_ops

    result = codebook_ops.run(open_project(), operation, **kwargs)
    if as_json:
        emit_json(result)
    return result


def codebook_rename(key: str = typer.Argument(..., help="The code's key."),
                    name: Optional[str] = typer.Argument(None, help="Its new name."),
                    new_key: Optional[str] = typer.Option(None, "--key", help="A new key (must be unused)."),
                    lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Rename a code (its name, and/or its key with --key); codings stay with it."""
    result = _codebook_op("rename", as_json, key=key, name=name, new_key=new_key, lead=lead)
    if not as_json:
        typer.echo(f"renamed {key}" + (f" to key {result['new_key']}" if "new_key" in result else "")
                   + (f", name {result['name']!r}" if "name" in result else ""))


def codebook_move(key: str = typer.Argument(...),
                  parent: Optional[str] = typer.Option(None, "--parent", help="The new parent's key."),
                  top: bool = typer.Option(False, "--top", help="Make it a top-level code."),
                  lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Move a code under another parent (--parent KEY) or to the top level (--top)."""
    if (parent is None) == (not top):
        fail("give exactly one of --parent KEY or --top")
    _codebook_op("move", as_json, key=key, parent=parent, lead=lead)
    if not as_json:
        typer.echo(f"moved {key} " + (f"under {parent}" if parent else "to the top level"))


def codebook_merge(source: str = typer.Argument(..., metavar="X"), target: str = typer.Argument(..., metavar="Y"),
                   lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Merge code X into Y: every coder's codings of X become Y's; X is kept, marked merged."""
    result = _codebook_op("merge", as_json, source=source, target=target, lead=lead)
    if not as_json:
        typer.echo(f"merged {source} into {target}: {result['codings']} coding(s) moved"
                   + (f", {result['duplicates_removed']} duplicate(s) removed" if result["duplicates_removed"] else ""))


def codebook_split(source: str = typer.Argument(...),
                   codings: str = typer.Option(..., "--codings", metavar="ID,ID,...",
                                               help="Ids of the codings to move (`cotag codings list --json`)."),
                   into: Optional[str] = typer.Option(None, "--into", help="An existing code to move them to."),
                   new_key: Optional[str] = typer.Option(None, "--new-key", help="Key of a new code to create."),
                   name: Optional[str] = typer.Option(None, "--name", help="Name of the new code."),
                   lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Split a code: move chosen codings to another code, or to a new one named here."""
    try:
        ids = [int(part) for part in split_names(codings) or []]
    except ValueError:
        fail(f"--codings takes coding ids separated by commas (got {codings!r})")
    result = _codebook_op("split", as_json, source=source, codings=ids, target=into, new_key=new_key,
                          new_name=name, lead=lead)
    if not as_json:
        typer.echo(f"moved {result['moved']} coding(s) from {source} to {result['into']}"
                   + (" (new code)" if result["created"] else ""))


def codebook_recode(coding: int = typer.Argument(..., metavar="CODING_ID"), code: str = typer.Argument(..., metavar="KEY"),
                    lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Give one coding another code (span, coder and memo kept)."""
    result = _codebook_op("recode", as_json, coding=coding, code=code, lead=lead)
    if not as_json:
        typer.echo(f"coding {coding}: {result['code']} -> {code}")


def codebook_retire(key: str = typer.Argument(...), lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Retire a code: no longer offered for coding; its codings are kept."""
    result = _codebook_op("retire", as_json, key=key, lead=lead)
    if not as_json:
        typer.echo(f"retired {key} ({result['codings_kept']} coding(s) kept)")


def codebook_save(file: Optional[Path] = typer.Argument(None, help="YAML file (default: the project's codebook)."),
                  lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Write the project's codebook back to YAML: comments and order kept, version + 1."""
    project = open_project()
    path = file or project.codebook_path
    if path is None:
        fail("no file given and cotag.toml names no codebook ([codebook] path)")
    from cotag import codebook_ops

    result = codebook_ops.run(project, "save", path=path, lead=lead)
    if as_json:
        emit_json(result)
    else:
        typer.echo(f"saved {result['codes']} codes to {result['path']} (version {result['version']})")


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
    from cotag.store.events import event_table

    with open_project().session() as session:
        rows = event_table(session, since=_parse_since(since) if since else None, actor=coder, kind=kind,
                           limit=limit)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['at']}  {row['actor'] or '-':<12} {row['kind']:<20} {row['summary']}")
    typer.echo(f"{len(rows)} event(s)")


def register(app: typer.Typer) -> None:
    from cotag.cli import codebook_app

    app.add_typer(reconcile_app, name="reconcile")
    for name, command in (("rename", codebook_rename), ("move", codebook_move), ("merge", codebook_merge),
                          ("split", codebook_split), ("recode", codebook_recode), ("retire", codebook_retire),
                          ("save", codebook_save)):
        codebook_app.command(name)(command)
    app.command("log")(log)

