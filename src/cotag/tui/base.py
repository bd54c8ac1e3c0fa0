"""The one app, typed: screens reach the project, codebook and writer through `cotag_app(self)`.

Textual types `self.app` as `App[object]`; every cotag screen runs inside a CotagApp, so this cast
is true by construction and lets mypy check what a screen asks of the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from cotag.tui.app import CotagApp


def cotag_app(node: MessagePump) -> CotagApp:
    return cast("CotagApp", node.app)
