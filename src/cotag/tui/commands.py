"""The command palette (ctrl+p): every key-map action that applies on the current screen, and every code."""

from __future__ import annotations

from functools import partial
from typing import Callable, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider

from cotag.keys import APP, KEYMAP
from cotag.tui.screens.help import CODING_HELP, key_label
from cotag.tui.base import cotag_app


class CotagCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, str, Callable]]:
        screen, app = self.screen, self.app
        # The screen's own keys and the app's: the same id may mean another thing on another screen.
        contexts = (*getattr(screen, "KEY_CONTEXTS", CODING_HELP), APP)
        specs = [spec for spec in KEYMAP if spec.context in contexts]
        seen: set[str] = set()
        for spec in specs:
            if spec.id in seen or spec.id == "command_palette":
                continue
            seen.add(spec.id)
            keys = "  ".join(key_label(s.key) for s in specs if s.id == spec.id)
            for target in (screen, app):
                if hasattr(target, f"action_{spec.id}") and target.check_action(spec.id, ()) is not False:
                    yield spec.description.capitalize(), f"key: {keys}", partial(target.run_action, spec.id)
                    break
        apply = getattr(screen, "apply_code", None)
        if apply is not None:
            for entry in cotag_app(screen).codebook.active:
                key = f"key: {entry.shortcut}" if entry.shortcut else "no shortcut"
                yield f"Apply code: {entry.name} ({entry.key})", key, partial(apply, entry.key)

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
