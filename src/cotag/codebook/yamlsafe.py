"""Reading codebook YAML safely: round-trip mode (line numbers, comments), refusing alias bombs, huge
numbers and values that cannot be constructed, and YAML errors as codebook problems."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from cotag.codebook.model import CodebookProblem


def _syntax_problem(filename: str, error: YAMLError) -> CodebookProblem:
    if isinstance(error, _UnreadableValues):  # not syntax: a value or an alias (saving an existing file)
        mark, message = error.found[0]
        return CodebookProblem(filename, mark.line + 1, None, message)
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "cannot parse"
        message = f"YAML syntax error: {problem}"
        if mark is not None:
            message += f" (column {mark.column + 1})"
        if error.context and error.problem and error.context_mark is not None:
            message += f"; {error.context} at line {error.context_mark.line + 1}"
        if "'\\t'" in str(problem):
            message += "; indent with spaces, not tabs"
        return CodebookProblem(filename, mark.line + 1 if mark else None, None, message)
    position = getattr(error, "position", None)
    return CodebookProblem(
        filename,
        None,
        None,
        f"YAML error: {error}"
        if position is None
        else f"YAML error at character {position}: {error}",
    )


#: Values a codebook file may hold, counting each repetition made by a YAML alias: a real codebook
#: has some tens of thousands; "billion laughs" (aliases of aliases) would have billions.
MAX_YAML_VALUES = 200_000

#: Characters of a number in a codebook file. Python refuses to convert numbers of more than 4,300
#: digits, and no version or key needs a hundred.
MAX_NUMBER_DIGITS = 100

# Values whose construction can fail on what the file says (a date that does not exist, "!!int ten").
_TYPED_SCALARS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "timestamp", "binary"))


class _UnreadableValues(MarkedYAMLError):
    """Values the YAML reader cannot turn into data, each as (mark, message); found before constructing."""

    def __init__(self, found: list[tuple[Any, str]]):
        self.found = found
        super().__init__(problem=found[0][1], problem_mark=found[0][0])


class _CheckedConstructor(RoundTripConstructor):
    """ruamel's round-trip reader, which first looks over the parsed document for what would crash
    it (an impossible date, a number of thousands of digits) or make it lie (an alias inside its own
    anchor reads as an empty value; an alias bomb expands to billions of values)."""

    def get_single_data(self) -> Any:
        node = self.composer.get_single_node()
        if node is None:
            return None
        found = _unreadable_values(node, self)
        if found:
            raise _UnreadableValues(found)
        return self.construct_document(node)


def _unreadable_values(root: Any, constructor: Any) -> list[tuple[Any, str]]:
    """Walk the node graph once (aliases are shared nodes, so this is linear in the file)."""
    found: list[tuple[Any, str]] = []
    expanded: dict[int, int] = {}  # node id -> values it stands for, aliases expanded
    open_: set[int] = set()  # the nodes being walked: a child among them is an alias inside its anchor
    reported: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    too_many = False
    while stack:
        node, leaving = stack.pop()
        ident = id(node)
        children = _child_nodes(node)
        if leaving:
            open_.discard(ident)
            expanded[ident] = 1 + sum(expanded.get(id(child), 0) for child in children)
            if expanded[ident] > MAX_YAML_VALUES and not too_many:
                too_many = True
                found.append((node.start_mark, f"YAML aliases here expand to {expanded[ident]:,} values, more than "
                                               f"the {MAX_YAML_VALUES:,} a codebook may hold (an alias bomb?)"))
            continue
        if ident in expanded:
            continue
        if ident in open_:
            if ident not in reported:
                reported.add(ident)
                anchor = getattr(node, "anchor", None) or "?"
                found.append((node.start_mark, f"the YAML alias *{anchor} is used inside its own anchor &{anchor}: "
                                               "a value that contains itself (write the value out instead)"))
            continue
        problem = _node_problem(node, constructor)
        if problem:
            found.append((node.start_mark, problem))
        if not children:
            expanded[ident] = 1
            continue
        open_.add(ident)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(children))
    return found


def _child_nodes(node: Any) -> list[Any]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


# The node kind each standard tag needs: "!!set x" or "!!int [1]" makes ruamel fail without a line.
_TAG_KINDS = {
    **{f"tag:yaml.org,2002:{name}": ScalarNode
       for name in ("str", "null", "bool", "int", "float", "timestamp", "binary", "merge", "value", "yaml")},
    **{f"tag:yaml.org,2002:{name}": MappingNode for name in ("map", "set")},
    **{f"tag:yaml.org,2002:{name}": SequenceNode for name in ("seq", "omap", "pairs")},
}
_KIND_NAMES = {ScalarNode: "a single value", MappingNode: "a mapping", SequenceNode: "a list"}


def _node_problem(node: Any, constructor: Any) -> str | None:
    tag = str(node.tag)
    kind = _TAG_KINDS.get(tag)
    if kind is not None and not isinstance(node, kind):
        return f"!!{tag[18:]} must be {_KIND_NAMES[kind]}, not {_KIND_NAMES.get(type(node), 'this')}"
    if not isinstance(node, ScalarNode) or tag not in _TYPED_SCALARS:
        return None
    written = str(node.value)
    shown = repr(written if len(written) <= 40 else written[:40] + "...")
    if str(node.tag).endswith(":int") and len(written.replace("_", "")) > MAX_NUMBER_DIGITS:
        return (f"a number of {len(written):,} digits is longer than the {MAX_NUMBER_DIGITS} allowed; "
                "write it in quotes to keep it as text")
    try:
        constructor.construct_object(node, deep=True)
    except YAMLError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as error:
        wanted = "a real date or time" if str(node.tag).endswith(":timestamp") else f"a valid {str(node.tag)[18:]}"
        return f"{shown} is not {wanted} ({error}); write it in quotes to keep it as text"
    return None


def _rt_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _CheckedConstructor
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _load_text(text: str) -> Any:
    return _rt_yaml().load(text)


def _line_of_key(mapping: Any, name: Any, default: int) -> int:
    try:
        return mapping.lc.key(name)[0] + 1
    except Exception:  # noqa: BLE001 - no position info: fall back
        return default


def _line_of_item(seq: Any, index: int, default: int) -> int:
    try:
        return seq.lc.item(index)[0] + 1
    except Exception:  # noqa: BLE001
        return default


