"""Codebooks: a YAML file of codes, checked, loaded and written back.

A codebook file names its codes by a stable ``key`` and arranges them in a
tree, either by nesting (``children:``) or by naming a ``parent:`` key.  The
full format is described in ``docs/codebook.md``.

* :func:`check_codebook` / :func:`parse_codebook_text` report every problem
  in a file (with file, line and code key) and never raise for content
  problems.
* :func:`load_codebook` returns a :class:`Codebook` or raises
  :class:`CodebookError` listing all problems.
* :func:`save_codebook` writes a codebook back.  An existing file is updated
  in place with ruamel.yaml's round-trip mode, so comments, order and layout
  survive; codes are matched by key and never deleted; ``version`` goes up
  by one on each save.

The package: :mod:`~cotag.codebook.model` (the data types, no YAML), :mod:`~cotag.codebook.values`
(one field's value), :mod:`~cotag.codebook.yamlsafe` (reading YAML safely), :mod:`~cotag.codebook.check`
(checking and loading), :mod:`~cotag.codebook.comments` and :mod:`~cotag.codebook.writer` (saving). Names
are imported from the package, as before it was one. The checker and the writer (and ruamel.yaml with
them) load on first use: code that only holds a Codebook does not pay for the YAML library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cotag.codebook.model import (
    _KEY_RE as _KEY_RE,  # the key pattern (refi.qdc's tests check keys against it)
    CODE_FIELDS,
    COLOUR_NAMES,
    STATUSES,
    TOP_FIELDS,
    Codebook,
    CodebookError,
    CodebookProblem,
    CodeSpec,
    colour_hex,
)

if TYPE_CHECKING:
    from cotag.codebook.check import check_codebook, format_check_report, load_codebook, parse_codebook_text
    from cotag.codebook.writer import save_codebook
    from cotag.codebook.yamlsafe import MAX_NUMBER_DIGITS as MAX_NUMBER_DIGITS
    from cotag.codebook.yamlsafe import MAX_YAML_VALUES as MAX_YAML_VALUES
    from cotag.codebook.yamlsafe import _rt_yaml as _rt_yaml

__all__ = [
    "CODE_FIELDS",
    "COLOUR_NAMES",
    "STATUSES",
    "TOP_FIELDS",
    "CodeSpec",
    "Codebook",
    "CodebookError",
    "CodebookProblem",
    "check_codebook",
    "colour_hex",
    "format_check_report",
    "load_codebook",
    "parse_codebook_text",
    "save_codebook",
]

_LAZY = {
    "check_codebook": "check",
    "format_check_report": "check",
    "load_codebook": "check",
    "parse_codebook_text": "check",
    "save_codebook": "writer",
    "MAX_NUMBER_DIGITS": "yamlsafe",
    "MAX_YAML_VALUES": "yamlsafe",
    "_rt_yaml": "yamlsafe",
}


def __getattr__(name: str) -> Any:
    """The checker's and writer's names, imported when first asked for (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cotag.codebook' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"cotag.codebook.{module}"), name)
    globals()[name] = value
    return value
