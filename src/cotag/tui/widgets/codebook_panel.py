"""The codebook panel: the code tree with colours and shortcut keys, and the focused code's definition."""

from __future__ import annotations

from dataclasses import replace

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, Tree

from textual.widgets.tree import TreeNode

from cotag.tui.codebook import Codebook, CodeEntry
from cotag.tui.text import clip_words


def code_label(entry: CodeEntry, *, with_shortcut: bool = True) -> Text:
    """'■ [1] Wages': the colour swatch, the one-key shortcut, the name."""
    label = Text()
    label.append("■ ", style=entry.colour)
    if with_shortcut:
        if entry.shortcut:
            label.append(entry.shortcut, style="bold reverse")
            label.append(" ")
        else:
            label.append("  ")
    label.append(entry.name)
    if not entry.active:
        label.append(f" ({entry.status})", style="dim italic")
    return label


def code_definition(codebook: Codebook, entry: CodeEntry) -> Text:
    """What a coder must see before applying a code: definition, include and exclude rules, examples."""
    text = Text()
    text.append(entry.name, style=f"bold {entry.colour}")
    text.append(f"  {entry.key}", style="dim")
    if entry.shortcut:
        text.append("  key ", style="dim")
        text.append(f" {entry.shortcut} ", style="bold reverse")
    if entry.parent_id:
        text.append("\n" + codebook.path(entry), style="dim italic")
    if entry.description:
        text.append("\n" + entry.description.strip())
    for rule in entry.include:
        text.append("\n+ ", style="bold green")
        text.append(rule)
    for rule in entry.exclude:
        text.append("\n− ", style="bold red")
        text.append(rule)
    for example in entry.examples:
        text.append("\n“", style="dim")
        text.append(example, style="italic")
        text.append("”", style="dim")
    if not entry.active:
        text.append(f"\n{entry.status}: cannot be applied", style="bold red")
    return text


class CodebookTree(Tree[CodeEntry]):
    """The code tree; Enter applies the highlighted code to the selection."""

    class CodeChosen(Message):
        def __init__(self, entry: CodeEntry) -> None:
            super().__init__()
            self.entry = entry

    class CodeFocused(Message):
        def __init__(self, entry: CodeEntry) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, **kwargs) -> None:
        super().__init__("codebook", **kwargs)
        self.show_root = False
        self.guide_depth = 2

    def render_label(self, node, base_style, style) -> Text:
        """The code's label, its name shortened at a word (with '…') when the panel is too narrow for it."""
        text = super().render_label(node, base_style, style)
        entry, width = node.data, self.scrollable_content_region.width
        if entry is None or width <= 0:
            return text
        depth, above = 0, node.parent
        while above is not None:
            depth, above = depth + 1, above.parent
        room = width - self.guide_depth * depth - 1  # the guides to the left, a cell of margin
        if text.cell_len <= room:
            return text
        label = node._label
        prefix = text[:len(text.plain) - len(label.plain)]
        fixed = text.cell_len - cell_len(entry.name)  # swatch, shortcut, status: kept whole
        short = code_label(replace(entry, name=clip_words(entry.name, max(room - fixed, 1))))
        short.stylize(style)
        return Text.assemble(prefix, short)

    def set_codebook(self, codebook: Codebook) -> None:
        self.clear()
        nodes: dict[int | None, TreeNode[CodeEntry]] = {None: self.root}
        parents = {entry.parent_id for entry in codebook.entries}
        for entry in codebook.entries:
            if not entry.active:
                continue
            parent = nodes.get(entry.parent_id, self.root)
            if entry.id in parents:
                nodes[entry.id] = parent.add(code_label(entry), data=entry, expand=True)
            else:
                parent.add_leaf(code_label(entry), data=entry)
        self.root.expand()

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.CodeFocused(event.node.data))

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.CodeChosen(event.node.data))


class CodeDefinition(VerticalScroll, can_focus=False):
    """The focused code's definition; scrolls when the rules are long."""

    def compose(self) -> ComposeResult:
        yield Static(id="code-definition-text")

    def show(self, codebook: Codebook, entry: CodeEntry | None) -> None:
        body = self.query_one("#code-definition-text", Static)
        if entry is None:
            body.update(Text("Highlight a code to read its definition.", style="dim italic"))
        else:
            body.update(code_definition(codebook, entry))
        self.scroll_home(animate=False)


class CodebookPanel(Vertical):
    """Tree above, definition below."""

    def compose(self) -> ComposeResult:
        yield CodebookTree(id="codebook-tree")
        yield CodeDefinition(id="code-definition")

    def set_codebook(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.query_one(CodebookTree).set_codebook(codebook)
        active = codebook.active
        self.query_one(CodeDefinition).show(codebook, active[0] if active else None)

    def on_codebook_tree_code_focused(self, event: CodebookTree.CodeFocused) -> None:
        self.query_one(CodeDefinition).show(self.codebook, event.entry)
