"""The codebook screen: a lead renames, moves, merges, splits, recodes and retires codes, and saves the file.

Every operation is cotag.codebook_ops, the same core `cotag codebook ...` calls:
the screen only gathers the lead's choices and hands the operation to the app's
writer (one transaction each, in the order asked); the result, or the core's
error (a refused operation changes nothing), comes back as a message.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from cotag import codebook_ops
from cotag.services import codebook as codebook_service
from cotag.errors import CotagError
from cotag.keys import CODEBOOK
from cotag.tui.bindings import bindings_for
from cotag.tui.lead_edits import LeadEdits
from cotag.tui.codebook import Codebook, CodeEntry
from cotag.tui.modals.code_picker import CodePicker
from cotag.tui.modals.confirm import Confirm
from cotag.tui.text import clip_words
from cotag.tui.widgets.codebook_panel import code_definition, code_label
from cotag.tui.widgets.ticks import TickList
from cotag.tui.base import CotagScreen

SHOWN_CODINGS = 1000  # a code with more codings lists the first ones; the count says how many there are


def parse_split_target(text: str, known: set[str]) -> dict[str, str]:
    """'jobs' (an existing code) or 'low-pay Low pay' (a new key and its name) -> split()'s keyword arguments."""
    words = text.split()
    if not words:
        raise CotagError("give an existing code's key, or a new key followed by the new code's name")
    if len(words) == 1:
        if words[0] not in known:
            raise CotagError(f"no code {words[0]!r}: to create it, give its name after the key "
                             f"(e.g. '{words[0]} New name')")
        return {"target": words[0]}
    if words[0] in known:
        raise CotagError(f"a code with key {words[0]!r} already exists: give just its key to split into it")
    return {"new_key": words[0], "new_name": " ".join(words[1:])}


class CodebookScreen(LeadEdits, CotagScreen[None]):
    """Codes on the left; the highlighted code's definition and its codings (tick some to split) on the right."""

    STATUS_ID = "cbe-status"  # where a refusal is said (LeadEdits)
    BINDINGS = bindings_for(CODEBOOK)
    KEY_CONTEXTS = (CODEBOOK,)  # what help (?) lists first and the palette offers

    class Loaded(Message):
        """The codebook as the database has it, with live codings per code; after an operation, what it did."""

        def __init__(self, codebook: Codebook, counts: dict[int, int], focus_key: str | None, done: str = "") -> None:
            super().__init__()
            self.codebook, self.counts, self.focus_key, self.done = codebook, counts, focus_key, done

    class CodingsLoaded(Message):
        def __init__(self, key: str, lines: list[codebook_ops.CodingLine], total: int) -> None:
            super().__init__()
            self.key, self.lines, self.total = key, lines, total

    def __init__(self, *, save_path: Path | None = None) -> None:
        super().__init__()
        self.save_path = save_path
        self.codebook = Codebook()
        self.counts: dict[int, int] = {}
        self.shown: list[CodeEntry] = []
        self.codings: list[codebook_ops.CodingLine] = []
        self.codings_total = 0
        self.message = ""

    @property
    def lead(self) -> str:
        return self.app.coding_session.actor

    def compose(self) -> ComposeResult:
        yield Static("Codebook · loading…", id="cbe-header", classes="screen-header")
        with Horizontal(id="cbe-body"):
            yield OptionList(id="cbe-codes")
            with Vertical(id="cbe-side"):
                yield Static("", id="cbe-detail")
                yield TickList[int](id="cbe-codings")
        yield Static("", id="cbe-status", classes="screen-status")
        # Compact, without the palette hint: the footer's keys fit 80 columns (ctrl+p still opens the palette).
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#cbe-codings").border_title = "Codings (space ticks codings to split)"
        self._load()

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="codebook-load", exit_on_error=False)
    def _load(self) -> None:
        codes, counts = codebook_service.overview(self.app.project)
        self.post_message(self.Loaded(Codebook.from_codes(codes), counts, None))

    def on_codebook_screen_loaded(self, message: Loaded) -> None:
        previous = self.current
        self.codebook, self.counts = message.codebook, message.counts
        # Merged codes stay in the list, marked, so the lead sees where their codings went.
        self.shown = list(message.codebook.entries)
        options = self.query_one("#cbe-codes", OptionList)
        options.clear_options()
        room = options.size.width - 4 if options.size.width else 40  # less the border and padding
        options.add_options([Option(self._label(e, room), id=e.key) for e in self.shown])
        key = message.focus_key or (previous.key if previous is not None else None)
        index = next((i for i, e in enumerate(self.shown) if e.key == key), 0)
        active = sum(e.active for e in self.shown)
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append(f"Codebook · {self.lead} (lead) · {active} active, {len(self.shown) - active} retired or merged")
        self.query_one("#cbe-header", Static).update(header)
        if self.shown:
            options.highlighted = index
            self._show(self.shown[index])
        options.focus()
        if message.done:
            self.message = message.done
            self.notify(escape(message.done), timeout=4)
            self.app.codebook_edited()
        self._status()

    def _label(self, entry: CodeEntry, room: int) -> Text:
        """'■ Wages  wages · 3': name, key and live codings; the key left out where the list is too narrow."""
        label = Text("  " * entry.depth)
        label.append_text(code_label(entry, with_shortcut=False))
        count = f" · {self.counts.get(entry.id, 0)}"
        if label.cell_len + len(entry.key) + len(count) + 2 <= room:
            label.append(f"  {entry.key}{count}", style="dim")
        else:
            label.append(count, style="dim")
        return label

    @property
    def current(self) -> CodeEntry | None:
        if not self.shown or not self.is_mounted:
            return None
        index = self.query_one("#cbe-codes", OptionList).highlighted
        if index is None or not (0 <= index < len(self.shown)):
            return None
        return self.shown[index]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "cbe-codes" and event.option_index < len(self.shown):
            self._show(self.shown[event.option_index])

    def _show(self, entry: CodeEntry) -> None:
        layer = self.app.pseudonymiser
        if layer is not None:
            # The pseudonymised view (ctrl+x): a definition's examples are often a transcript's words.
            entry = replace(entry, description=layer(entry.description), include=layer(entry.include),
                            exclude=layer(entry.exclude), examples=layer(entry.examples))
        detail = code_definition(self.codebook, entry)
        detail.append(f"\n{self.counts.get(entry.id, 0)} live coding(s), all coders", style="dim")
        self.query_one("#cbe-detail", Static).update(detail)
        self.query_one("#cbe-codings", TickList).clear_options()
        self.codings, self.codings_total = [], 0
        self._load_codings(entry.key)

    @work(thread=True, exclusive=True, group="codebook-codings", exit_on_error=False)
    def _load_codings(self, key: str) -> None:
        lines, total = codebook_service.codings_of(self.app.project, key=key, limit=SHOWN_CODINGS)
        layer = self.app.pseudonymiser
        if layer is not None:  # the excerpts and memos as the pseudonymised view shows them; ids stay
            lines = [replace(line, excerpt=layer(line.excerpt), memo=layer(line.memo)) for line in lines]
        self.post_message(self.CodingsLoaded(key, lines, total))

    def show_pseudonyms(self, pseudonyms) -> None:
        """The app's pseudonymised view went on or off: the code on show is shown again, its codings re-read."""
        current = self.current
        if current is not None:
            self._show(current)

    def on_codebook_screen_codings_loaded(self, message: CodingsLoaded) -> None:
        current = self.current
        if current is None or current.key != message.key:
            return  # the lead moved on while this was loading
        self.codings, self.codings_total = message.lines, message.total
        widget = self.query_one("#cbe-codings", TickList)
        widget.clear_options()
        # The list's width less its border, padding and tick box: each excerpt ends between words.
        room = max(widget.size.width - 10, 30)
        widget.add_options([(self._coding_prompt(line, room), line.id) for line in message.lines])
        more = f" (first {len(message.lines)} of {message.total})" if message.total > len(message.lines) else ""
        widget.border_title = f"{message.total} coding(s){more} · space ticks codings to split"

    @staticmethod
    def _coding_prompt(line: codebook_ops.CodingLine, room: int) -> Text:
        where = f"#{line.id} {line.document} {line.coder} {line.start}:{line.end}  "
        excerpt = clip_words(line.excerpt, max(room - len(where) - (16 if line.memo else 0), 12))
        text = Text(no_wrap=True)
        text.append(where, style="dim")
        text.append(excerpt)
        left = room - len(where) - len(excerpt) - len("  memo: ")
        if line.memo and left >= 4:  # the memo, if a few words of it fit; the rest is in the transcript
            text.append(f"  memo: {clip_words(line.memo, left)}", style="italic")
        return text

    def _status(self) -> None:
        self.query_one("#cbe-status", Static).update(Text(self.message, no_wrap=True, overflow="ellipsis"))

    # ------------------------------------------------------------ running an operation

    def _run(self, operation: str, *, focus_key: str | None, done: Callable[[dict[str, Any]], str],
             **kwargs: Any) -> None:
        """Queue one codebook operation on the writer; the codebook comes back read afresh, or the refusal."""
        project, lead = self.app.project, self.lead

        def job() -> tuple[str, Codebook, dict[int, int]]:
            result = codebook_service.run_operation(project, operation, lead=lead, **kwargs)
            codes, counts = codebook_service.overview(project)
            return done(result), Codebook.from_codes(codes), counts

        self.app.writer.submit(job, target=self,
                               reply=lambda r: self.Loaded(r[1], r[2], focus_key, done=r[0]))

    def _pick(self, title: str, keys: list[str], then: Callable[[str], None]) -> None:
        def chosen(key: str | None) -> None:
            if key is not None:
                then(key)

        self.app.push_screen(CodePicker(self.codebook, title=title, keys=keys), chosen)

    def _confirm(self, question: str, then: Callable[[], None]) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(Confirm(question), answered)

    def _others(self, entry: CodeEntry) -> list[str]:
        return [e.key for e in self.codebook.active if e.key != entry.key]

    # ------------------------------------------------------------ actions (ids from cotag.keys.KEYMAP)

    def action_rename(self) -> None:
        entry = self.current
        if entry is None:
            return
        self._ask(f"New name for {entry.key}", "enter to rename, esc to cancel", entry.name,
                  lambda name: self._run("rename", key=entry.key, name=name, focus_key=entry.key,
                                         done=lambda r: f"renamed {entry.key}: {r['old_name']!r} → {r['name']!r}"))

    def action_rekey(self) -> None:
        entry = self.current
        if entry is None:
            return
        self._ask(f"New key for {entry.key} ({entry.name})",
                  "lower-case letters, digits, '-' or '_'; must be unused. enter to change, esc to cancel", entry.key,
                  lambda key: self._run("rename", key=entry.key, new_key=key.strip(), focus_key=key.strip(),
                                        done=lambda r: f"key {entry.key} → {r.get('new_key', entry.key)}"))

    def action_move(self) -> None:
        entry = self.current
        if entry is None:
            return
        self._pick(f"Move {entry.name} under…", self._others(entry),
                   lambda parent: self._run("move", key=entry.key, parent=parent, focus_key=entry.key,
                                            done=lambda r: f"moved {entry.key} under {parent}"))

    def action_move_top(self) -> None:
        entry = self.current
        if entry is None:
            return
        self._run("move", key=entry.key, parent=None, focus_key=entry.key,
                  done=lambda r: f"moved {entry.key} to the top level")

    def action_merge(self) -> None:
        entry = self.current
        if entry is None:
            return

        def into(target: str) -> None:
            self._confirm(f"Merge {entry.key} into {target}? Every coder's {entry.key} codings become {target}'s; "
                          f"{entry.key} stays, marked merged.",
                          lambda: self._run("merge", source=entry.key, target=target, focus_key=target,
                                            done=lambda r: f"merged {entry.key} into {target}: {r['codings']} "
                                                           f"coding(s) moved, {r['duplicates_removed']} duplicate(s)"))

        self._pick(f"Merge {entry.name} into…", self._others(entry), into)

    def action_split(self) -> None:
        entry = self.current
        if entry is None:
            return
        widget = self.query_one("#cbe-codings", TickList)
        ids = list(widget.selected)
        if not ids:
            self._failed("tick the codings to move first (space in the codings list), then press s")
            return
        known = set(self.codebook.by_key)

        def target(text: str) -> None:
            try:
                kwargs = parse_split_target(text, known)
            except CotagError as exc:
                self._failed(str(exc))
                return
            self._run("split", source=entry.key, codings=ids, focus_key=entry.key, **kwargs,
                      done=lambda r: f"moved {r['moved']} coding(s) from {entry.key} to {r['into']}"
                                     + (" (new code)" if r["created"] else ""))

        self._ask(f"Move {len(ids)} ticked coding(s) of {entry.key} to…",
                  "an existing code's key, or a new key and its name (e.g. 'low-pay Low pay'); esc to cancel", "",
                  target)

    def action_recode(self) -> None:
        entry = self.current
        widget = self.query_one("#cbe-codings", TickList)
        index = widget.highlighted
        if entry is None or index is None or not (0 <= index < len(self.codings)):
            self._failed("highlight one coding in the codings list (tab to it), then press c")
            return
        line = self.codings[index]
        self._pick(f"Recode #{line.id} ({line.coder}, {line.document}) to…", self._others(entry),
                   lambda code: self._run("recode", coding=line.id, code=code, focus_key=entry.key,
                                          done=lambda r: f"coding #{line.id}: {entry.key} → {code} (memo kept)"))

    def action_retire(self) -> None:
        entry = self.current
        if entry is None:
            return
        self._confirm(f"Retire {entry.key}? It is no longer offered for coding; its "
                      f"{self.counts.get(entry.id, 0)} coding(s) are kept.",
                      lambda: self._run("retire", key=entry.key, focus_key=entry.key,
                                        done=lambda r: f"retired {entry.key} ({r['codings_kept']} coding(s) kept)"))

    def action_save(self) -> None:
        default = self.save_path or self.app.project.codebook_path
        self._ask("Write the codebook to (YAML)", "comments and order are kept, the version goes up; esc to cancel",
                  str(default) if default else "",
                  lambda path: self._run("save", path=Path(path).expanduser(), focus_key=None,
                                         done=lambda r: f"saved {r['codes']} codes to {r['path']} "
                                                        f"(version {r['version']})"))

    def action_code_memo(self) -> None:
        """The lead's memo on the highlighted code: why it exists, how it drifted, what to ask the team."""
        from cotag.tui.memos import MemoTarget, open_memo

        entry = self.current
        if entry is not None:
            open_memo(self.app, MemoTarget(f"Memo on the code {entry.name} ({entry.key})", code_id=entry.id))

    def action_codebook_log(self) -> None:
        from cotag.tui.screens.log import LogScreen

        self.app.push_screen(LogScreen(kind="codebook"))

    def action_close(self) -> None:
        self.dismiss(None)

