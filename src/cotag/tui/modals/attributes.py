"""One document's attributes as a form (the library's `e`): edit, add or clear values; saved all-or-nothing.

The form saves through the app's writer itself and stays open when the values are refused, showing the core's
message (which names the attribute and the value), so nothing typed is lost to a mistake in one field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from cotag.tui.base import CotagModal
from textual.widgets import Button, Input, Label, Static

from cotag.attribute_edit import AttributeForm
from cotag.services.corpus import edit_attributes
from cotag.keys import DIALOG
from cotag.tui.bindings import bindings_for
from cotag.tui.modals.confirm import dismiss_or_ask
from cotag.tui.writer import WriteFailed

if TYPE_CHECKING:
    from cotag.tui.app import CotagApp


DISCARD_QUESTION = "Discard the attribute changes you typed?"


class AttributesSaved(Message):
    def __init__(self, changes: list) -> None:
        super().__init__()
        self.changes = changes


class AttributeEditor(CotagModal[list | None]):
    """Returns the changes made (an empty list: nothing changed), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings_for(DIALOG, only={"cancel", "submit"})]

    def __init__(self, form: AttributeForm) -> None:
        super().__init__()
        self.form = form
        self.names = list(form.values)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="attributes"):
            yield Label(f"Attributes of {self.form.document}" + (f" ({self.form.group})" if self.form.group else ""),
                        classes="dialog-title")
            with VerticalScroll(id="attr-fields"):
                for i, name in enumerate(self.names):
                    with Horizontal(classes="attr-row"):
                        yield Label(name, classes="attr-name")
                        yield Input(self.form.values[name], id=f"attr-{i}", compact=True)
                with Horizontal(classes="attr-row"):
                    yield Input(placeholder="new attribute", id="attr-new-name", compact=True, classes="attr-name")
                    yield Input(placeholder="its value", id="attr-new-value", compact=True)
            yield Static("", id="attr-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", compact=True, id="attr-save")
                yield Button("Cancel", compact=True, id="attr-cancel")
            yield Label("empty clears · lists: a; b · ctrl+s save · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def values(self) -> dict[str, str]:
        out = {name: self.query_one(f"#attr-{i}", Input).value for i, name in enumerate(self.names)}
        new_name = self.query_one("#attr-new-name", Input).value.strip()
        new_value = self.query_one("#attr-new-value", Input).value
        if new_name or new_value.strip():
            out[new_name] = new_value
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "attr-save":
            self.action_submit()
        else:
            self.action_cancel()

    def action_submit(self) -> None:
        app = cast("CotagApp", self.app)
        project, document, values = app.project, self.form.document, self.values()
        actor = app.coding_session.actor
        self.query_one("#attr-error", Static).update("saving…")
        app.writer.submit(lambda: edit_attributes(project, document=document, values=values, actor=actor),
                               target=self, reply=AttributesSaved)

    def on_write_failed(self, message: WriteFailed) -> None:
        message.stop()
        self.query_one("#attr-error", Static).update(message.error)

    def on_attributes_saved(self, message: AttributesSaved) -> None:
        self.dismiss(message.changes)

    @property
    def typed(self) -> bool:
        """Whether any field differs from what the form opened with (a new attribute counts once named or valued)."""
        return self.values() != dict(self.form.values)

    def action_cancel(self) -> None:
        focused = self.focused if isinstance(self.focused, Input) else self.query(Input).first()
        dismiss_or_ask(self, typed=self.typed, question=DISCARD_QUESTION, refocus=focused)
