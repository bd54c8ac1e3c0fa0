"""`cotag revise` (carry coded work onto a corrected transcript, or undo that) and `cotag revisions`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from cotag.commands.common import JsonOption, emit_json, fail, open_project


class _ShowByDefault(TyperGroup):
    """`cotag revisions [ID]` is `cotag revisions show [ID]`; `cotag revisions review ...` is the subcommand."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["show", *args]
        return super().parse_args(ctx, args)


revisions_app = typer.Typer(cls=_ShowByDefault, help="Revisions of coded documents: what moved, what is flagged, "
                                                     "and the lead's review of flagged items.")


def revise(paths: Optional[List[Path]] = typer.Argument(None, help="Corrected transcript files or folders; each is "
                                                        "matched to its document by id, as `cotag import` does."),
           dry_run: bool = typer.Option(False, "--dry-run", help="Print what would be carried and flagged; change "
                                                                 "nothing."),
           as_json: bool = JsonOption,
           lead: Optional[str] = typer.Option(None, "--lead", envvar="COTAG_LEAD", metavar="NAME",
                                              help="The lead making the revision (recorded as who revised)."),
           undo: Optional[int] = typer.Option(None, "--undo", metavar="ID",
                                              help="Undo revision ID: the old text, units, codings, memo spans and rulings."),
           ) -> None:
    """Replace coded documents' text with corrected files, carrying every coding, passage memo, ruling and unit
    across."""
    from cotag.services import revision as service

    project = open_project()
    if undo is not None:
        if paths or dry_run:
            fail("--undo ID takes no files and no --dry-run")
        result = service.undo(project, revision_id=undo, lead=lead)
        if as_json:
            emit_json(result)
        else:
            typer.echo(f"undid revision {result['revision']} of {result['document']}: "
                       f"{result['codings_restored']} coding(s) restored, {result['rulings_restored']} ruling(s) "
                       f"restored, {result['carried_back']} later coding(s) carried back, "
                       f"{result['memos_restored'] + result['memos_carried_back']} passage memo(s) put back")
        return
    if not paths:
        fail("name the corrected transcript files (or folders) to revise from")
    report = service.revise_paths(project, paths=list(paths), dry_run=dry_run, lead=lead)
    if as_json:
        emit_json(report)
        return
    for entry in report["revised"]:
        _print_entry(entry, dry_run=dry_run)
    verb = "would revise" if dry_run else "revised"
    typer.echo(f"{verb} {len(report['revised'])} document(s); {len(report['unchanged'])} unchanged"
               + (" (dry run: nothing was changed)" if dry_run else ""))


def _counts(counts: dict) -> str:
    return ", ".join(f"{n} {status}" for status, n in counts.items())


def _print_entry(entry: dict, *, dry_run: bool) -> None:
    head = entry["document"] if dry_run else f"{entry['document']} (revision {entry['revision']}, " \
                                             f"#{entry['number']} of this document)"
    typer.echo(f"{head}: +{entry['chars_inserted']} / -{entry['chars_deleted']} characters, units "
               f"{entry['units_before']} -> {entry['units_after']}")
    typer.echo(f"  codings: {_counts(entry['codings'])}")
    typer.echo(f"  passage memos: {_counts(entry['memos'])}; memos on the whole document: {entry['document_memos']} "
               "(unchanged)")
    typer.echo(f"  rulings: {_counts(entry['decisions'])}")
    for item in entry["flagged"]:
        typer.echo("  " + _flag_line(item))


def _flag_line(item: dict) -> str:
    number = f"[{item['item']}] " if "item" in item else ""
    if item["kind"] in ("coding", "memo"):
        where = f"{item['old'][0]}:{item['old'][1]}"
        new = "" if item["new"] is None else f" -> {item['new'][0]}:{item['new'][1]} {item['new_words']!r}"
        review = f" (reviewed: {item['review']})" if item.get("review") else ""
        what = f"coding of {item['code']}" if item["kind"] == "coding" else \
            f"passage memo {item.get('old_id', item.get('memo'))}"
        if item["kind"] == "memo" and item["new"] is None:
            new = " (kept as a memo on the document)"
        return f"{number}{item['status']} {what} by {item['coder']} at {where} {item['old_words']!r}{new}{review}"
    reason = item.get("reason", "")
    return f"{number}{item['status']} ruling on {item['code']} by {item['lead']}: {reason}"


@revisions_app.command("show")
def revisions_show(revision_id: Optional[int] = typer.Argument(None, metavar="[ID]", help="One revision (default: all)."),
                   as_json: bool = JsonOption,
                   ) -> None:
    """Revisions, newest first: who, when, the diff summary and the flagged items (with their numbers)."""
    from cotag.services import revision as service

    rows = service.list_revisions(open_project(), revision_id=revision_id)
    if as_json:
        emit_json(rows if revision_id is None else rows[0])
        return
    if not rows:
        typer.echo("no revisions")
        return
    for row in rows:
        s = row["summary"]
        undone = f"; undone {row['undone_at']} by {row['undone_by'] or 'the owner'}" if row["undone_at"] else ""
        typer.echo(f"revision {row['id']}: {row['document']} #{row['number']} by {row['actor'] or 'the owner'} at "
                   f"{row['at']}{undone}")
        typer.echo(f"  +{s['chars_inserted']} / -{s['chars_deleted']} characters, units {s['units_before']} -> "
                   f"{s['units_after']}; codings: {_counts(s['codings'])}; rulings: {_counts(s['decisions'])}; "
                   + (f"passage memos: {_counts(s['memos'])}; " if isinstance(s.get("memos"), dict) else "")
                   + f"{row['open']} flagged item(s) not reviewed")
        if revision_id is not None or len(rows) == 1:
            for item in row["flagged"]:
                typer.echo("  " + _flag_line(item))


@revisions_app.command("review")
def revisions_review(revision_id: int = typer.Argument(..., metavar="ID"),
                     item: int = typer.Argument(..., metavar="ITEM", help="The item's number in `cotag revisions ID`."),
                     accept: bool = typer.Option(False, "--accept", help="Keep it where the revision carried it "
                                                                        "(an orphan: accept that it is gone)."),
                     remove: bool = typer.Option(False, "--remove", help="Remove the carried coding (not a memo)."),
                     span: Optional[str] = typer.Option(None, "--span", metavar="START:END",
                                                        help="Put the coding or passage memo on this span of the new "
                                                             "text."),
                     lead: Optional[str] = typer.Option(None, "--lead", envvar="COTAG_LEAD", metavar="NAME",
                                                        help="The lead reviewing."),
                     as_json: bool = JsonOption,
                     ) -> None:
    """The lead's verdict on one flagged item of a revision (logged in the audit trail)."""
    from cotag.reconcile import parse_span
    from cotag.services import revision as service

    chosen = [name for name, on in (("accept", accept), ("remove", remove), ("span", span is not None)) if on]
    if len(chosen) != 1:
        fail("give exactly one of --accept, --remove, --span START:END")
    if not lead:
        fail("a lead reviews revisions: --lead NAME (or COTAG_LEAD)")
    result = service.review(open_project(), revision_id=revision_id, item_number=item, action=chosen[0], lead=lead,
                            span=parse_span(span) if span is not None else None)
    if as_json:
        emit_json(result)
        return
    typer.echo(f"item {item} of revision {revision_id}: {result['item_now']['review']}")


def register(app: typer.Typer) -> None:
    app.command("revise")(revise)
    app.add_typer(revisions_app, name="revisions")
