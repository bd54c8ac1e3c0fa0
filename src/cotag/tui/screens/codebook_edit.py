"""The codebook screen: a lead renames, moves, merges, splits, recodes and retires codes, and saves the file.

Every operation is cotag.codebook_ops, the same core `cotag codebook ...` calls:
the screen only gathers the lead's choices, runs the operation in a worker and
shows the result, or the core's error (a refused operation changes nothing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from cotag import codebook_ops
from cotag.errors import CotagError
from cotag.tui.codebook import Codebook, CodeEntry
from cotag.tui.modals.code_picker import CodePicker
from cotag.tui.screens.reconcile import LogScreen, ReconcileInput
from cotag.tui.widgets.codebook_panel import code_definition, code_label

# Key -> (action, footer label, binding id). Ids make keys remappable and let the docs test find them.
CODEBOOK_KEYS = [
    ("r", "rename", "rename", "codebook.rename"),
    ("K", "rekey", "new key", "codebook.rekey"),
    ("m", "move", "move under", "codebook.move"),
    ("T", "move_top", "to top", "codebook.move_top"),
    ("M", "merge", "merge into", "codebook.merge"),
    ("s", "split", "split", "codebook.split"),
    ("c", "recode", "recode", "codebook.recode"),
    ("x", "retire", "retire", "codebook.retire"),
    ("w", "save", "save file", "codebook.save"),
    ("L", "log", "log", "codebook.log"),
    ("escape", "close", "back", "codebook.close"),
]

SHOWN_CODINGS = 1000  # a code with more codings lists the first ones; the count says how many there are

CSS = """
#cbe-header { height: 1; padding: 0 1; background: $boost; }
#cbe-body { height: 1fr; }
#cbe-codes { width: 46; height: 1fr; }
#cbe-side { width: 1fr; height: 1fr; }
#cbe-detail { height: auto; max-height: 12; padding: 0 1; border: round $secondary; }
#cbe-codings { height: 1fr; }
#cbe-status { height: 1; padding: 0 1; }
"""


class Confirm(ModalScreen[bool]):
    """Yes or no before an operation that cannot be undone from here (merge, retire)."""

    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical { width: 70; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    """
    BINDINGS = [Binding("y", "answer(True)", "yes", id="confirm.yes"),
                Binding("enter", "answer(True)", "yes", show=False, id="confirm.enter"),
                Binding("n", "answer(False)", "no", id="confirm.no"),
                Binding("escape", "answer(False)", "no", show=False, id="confirm.cancel")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Label("y / enter: yes · n / esc: no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


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


class CodebookScreen(Screen[None]):
    """Codes on the left; the highlighted code's definition and its codings (tick some to split) on the right."""

    DEFAULT_CSS = CSS
    BINDINGS = [Binding(key, action, label, id=binding_id) for key, action, label, binding_id in CODEBOOK_KEYS]

    def __init__(self, project, *, lead: str, on_change: Callable[[], None] | None = None,
                 save_path: Path | None = None) -> None:
        super().__init__()
        self.project = project
        self.lead = lead
        self.on_change = on_change
        self.save_path = save_path
        self.codebook = Codebook()
        self.counts: dict[int, int] = {}
        self.shown: list[CodeEntry] = []
        self.codings: list[codebook_ops.CodingLine] = []
        self.codings_total = 0
        self.busy = False
        self.message = ""

    def compose(self) -> ComposeResult:
        yield Static("Codebook · loading…", id="cbe-header")
        with Horizontal(id="cbe-body"):
            yield OptionList(id="cbe-codes")
            with Vertical(id="cbe-side"):
                yield Static("", id="cbe-detail")
                yield SelectionList[int](id="cbe-codings")
        yield Static("", id="cbe-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#cbe-codings").border_title = "Codings (space ticks codings to split)"
        self.run_worker(lambda: self._reload(None), thread=True, group="codebook", exit_on_error=False)

    # ------------------------------------------------------------ loading (workers never touch widgets)

    def _reload(self, focus_key: str | None) -> None:
        codes, counts = codebook_ops.overview(self.project)
        self.app.call_from_thread(self._loaded, Codebook.from_codes(codes), counts, focus_key)

    def _loaded(self, codebook: Codebook, counts: dict[int, int], focus_key: str | None) -> None:
        previous = self.current
        self.codebook, self.counts = codebook, counts
        # Merged codes stay in the list, marked, so the lead sees where their codings went.
        self.shown = list(codebook.entries)
        options = self.query_one("#cbe-codes", OptionList)
        options.clear_options()
        options.add_options([Option(self._label(e), id=e.key) for e in self.shown])
        key = focus_key or (previous.key if previous is not None else None)
        index = next((i for i, e in enumerate(self.shown) if e.key == key), 0)
        active = sum(e.active for e in self.shown)
        self.query_one("#cbe-header", Static).update(
            f"Codebook · {self.lead} (lead) · {active} active code(s), {len(self.shown) - active} retired or merged")
        if self.shown:
            options.highlighted = index
            self._show(self.shown[index])
        options.focus()
        self._status()

    def _label(self, entry: CodeEntry) -> Text:
        label = Text("  " * entry.depth)
        label.append_text(code_label(entry, with_shortcut=False))
        label.append(f"  {entry.key} · {self.counts.get(entry.id, 0)}", style="dim")
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
        detail = code_definition(self.codebook, entry)
        detail.append(f"\n{self.counts.get(entry.id, 0)} live coding(s), all coders", style="dim")
        self.query_one("#cbe-detail", Static).update(detail)
        self.query_one("#cbe-codings", SelectionList).clear_options()
        self.codings, self.codings_total = [], 0
        key = entry.key
        self.run_worker(lambda: self._load_codings(key), thread=True, group="codings", exclusive=True,
                        exit_on_error=False)

    def _load_codings(self, key: str) -> None:
        lines, total = codebook_ops.codings_of(self.project, key=key, limit=SHOWN_CODINGS)
        self.app.call_from_thread(self._codings_loaded, key, lines, total)

    def _codings_loaded(self, key: str, lines: list, total: int) -> None:
        current = self.current
        if current is None or current.key != key:
            return  # the lead moved on while this was loading
        self.codings, self.codings_total = lines, total
        widget = self.query_one("#cbe-codings", SelectionList)
        widget.clear_options()
        widget.add_options([(self._coding_prompt(line), line.id) for line in lines])
        more = f" (first {len(lines)} of {total})" if total > len(lines) else ""
        widget.border_title = f"{total} coding(s){more} · space ticks codings to split"

    @staticmethod
    def _coding_prompt(line: codebook_ops.CodingLine) -> Text:
        text = Text()
        text.append(f"#{line.id} {line.document} {line.coder} {line.start}:{line.end}  ", style="dim")
        text.append(line.excerpt[:70] + ("…" if len(line.excerpt) > 70 else ""))
        if line.memo:
            text.append(f"  memo: {line.memo[:30]}", style="italic")
        return text

    def _status(self, line: str = "") -> None:
        if line:
            self.message = line
        self.query_one("#cbe-status", Static).update(self.message)

    # ------------------------------------------------------------ running an operation

    def _run(self, operation: str, *, focus_key: str | None, done: Callable[[dict[str, Any]], str],
             **kwargs: Any) -> None:
        """Run one codebook operation in a worker; on success reload and say what happened, else show why not."""
        if self.busy:
            return
        self.busy = True

        def work() -> None:
            try:
                result = codebook_ops.run(self.project, operation, lead=self.lead, **kwargs)
            except CotagError as exc:
                self.app.call_from_thread(self._failed, str(exc))
                return
            except Exception as exc:  # a database error: say so, never leave the screen busy for good
                self.app.call_from_thread(self._failed, f"{operation} failed: {exc.__class__.__name__}: {exc}")
                return
            codes, counts = codebook_ops.overview(self.project)
            self.app.call_from_thread(self._succeeded, done(result), Codebook.from_codes(codes), counts, focus_key)

        self.run_worker(work, thread=True, group="codebook", exit_on_error=False)

    def _failed(self, message: str) -> None:
        self.busy = False
        self._status("")
        self.query_one("#cbe-status", Static).update(Text(message, style="bold red"))
        self.message = message
        self.notify(message, severity="error", timeout=6)

    def _succeeded(self, message: str, codebook: Codebook, counts: dict[int, int], focus_key: str | None) -> None:
        self.busy = False
        self.message = message
        self._loaded(codebook, counts, focus_key)
        self.notify(message, timeout=4)
        if self.on_change is not None:
            self.on_change()

    def _ask(self, title: str, hint: str, value: str, then: Callable[[str], None]) -> None:
        def chosen(answer: str | None) -> None:
            if answer:
                then(answer)

        self.app.push_screen(ReconcileInput(title, hint, value), chosen)

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

    # ------------------------------------------------------------ actions (ids in CODEBOOK_KEYS)

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
        widget = self.query_one("#cbe-codings", SelectionList)
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
        widget = self.query_one("#cbe-codings", SelectionList)
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
        default = self.save_path or self.project.codebook_path
        self._ask("Write the codebook to (YAML)", "comments and order are kept, the version goes up; esc to cancel",
                  str(default) if default else "",
                  lambda path: self._run("save", path=Path(path).expanduser(), focus_key=None,
                                         done=lambda r: f"saved {r['codes']} codes to {r['path']} "
                                                        f"(version {r['version']})"))

    def action_log(self) -> None:
        self.app.push_screen(LogScreen(self.project, kind="codebook"))

    def action_close(self) -> None:
        self.app.pop_screen()


def refresh_app_codebook(app) -> None:
    """After a codebook change in the coding app: the new codes in every panel, the open transcript reloaded.

    Codes are read in a worker (a PostgreSQL round trip); widgets are updated back on the app's thread.
    """
    from cotag import coding

    def fetch() -> None:
        codes = coding.codebook(app.project, include_retired=True)
        app.call_from_thread(_apply_codebook, app, Codebook.from_codes(codes))

    app.run_worker(fetch, thread=True, group="codebook-refresh", exit_on_error=False)


def _apply_codebook(app, codebook: Codebook) -> None:
    # The lead's own change: shown at once, without the note the poll gives for changes made elsewhere.
    app.show_codebook(codebook)
