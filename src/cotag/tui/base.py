"""The one app, typed: every cotag screen and modal reaches the project, codebook and writer as `self.app`.

Textual types `self.app` as `App[object]`; every cotag screen runs inside a CotagApp, so narrowing the
property's type (for the type checker only; nothing changes at run time) is true by construction and
lets mypy check what a screen asks of the app. `cotag_app(node)` does the same for widgets and providers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual import getters
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from cotag.tui.app import CotagApp

ResultType = TypeVar("ResultType")


def cotag_app(node: MessagePump) -> CotagApp:
    return cast("CotagApp", node.app)


class CotagScreen(Screen[ResultType]):
    """A full screen of the cotag app."""

    if TYPE_CHECKING:
        app = getters.app(CotagApp)


class CotagModal(ModalScreen[ResultType]):
    """A modal dialog of the cotag app."""

    if TYPE_CHECKING:
        app = getters.app(CotagApp)
