"""The import contracts list the core's packages by name: a new package that is not on a list would escape the
contract unnoticed. Every top-level module of cotag must be under the front-end contract (or be a front end), and
in exactly one layer of the layers contract (front ends -> services -> domain -> store -> codebook model)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRONT_ENDS = {"tui", "commands", "cli", "__init__", "__main__"}


def contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def top_level_modules() -> set[str]:
    package = ROOT / "src" / "cotag"
    return {p.stem for p in package.glob("*.py")} | {p.name for p in package.iterdir()
                                                     if (p / "__init__.py").is_file()}


def test_every_core_package_is_under_the_front_end_contract():
    (core,) = [c for c in contracts() if c.get("forbidden_modules") == ["cotag.tui", "cotag.commands", "cotag.cli"]]
    listed = {name.removeprefix("cotag.") for name in core["source_modules"]}
    modules = top_level_modules()
    missing = sorted(modules - FRONT_ENDS - listed)
    assert not missing, f"add to the front-end contract in pyproject.toml: {missing}"
    assert listed <= modules, f"the contract names modules that do not exist: {sorted(listed - modules)}"


def layers() -> list[list[str]]:
    (contract,) = [c for c in contracts() if c["type"] == "layers"]
    return [[name.strip().removeprefix("cotag.") for name in re.split(r"[:|]", layer)] for layer in contract["layers"]]


def test_every_module_is_in_one_layer():
    placed = [name for layer in layers() for name in layer]
    modules = top_level_modules()
    missing = sorted(modules - {"__init__", "__main__"} - set(placed))
    assert not missing, f"put these into a layer of the layers contract in pyproject.toml: {missing}"
    assert set(placed) <= modules, f"the layers contract names modules that do not exist: {sorted(set(placed) - modules)}"
    assert len(placed) == len(set(placed)), "a module is in two layers"


def test_the_layers_are_in_the_documented_order():
    # A contract with the layers swapped would pass while allowing the very imports it should forbid.
    order = layers()
    assert set(order[0]) == {"tui", "commands", "cli"}
    assert order[1] == ["services"]
    assert {"coding", "reconcile", "reliability", "export", "assignments", "team", "codebook_ops"} <= set(order[2])
    assert order[3] == ["store"]
    assert "codebook" in order[4]


# Modules below services/ that open a unit of work on a project themselves, and why (docs/architecture.md):
# the coder's write path commits one change per key in key order; the REFI-QDA import pairs its transaction with
# the codebook journal, and the journal's recovery runs when a project opens, before any use case.
OPENS_ITS_OWN = {"coding.py", "refi/journal.py"}
ABOVE_THE_DOMAIN = ("services/", "tui/", "commands/", "migrations/", "cli.py", "project.py")


def opened_units_of_work(path: Path) -> list[int]:
    """Lines where a module calls `.session()` or `.reading()` (with no arguments) on anything."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("session", "reading") and not node.args and not node.keywords]


def test_only_services_open_transactions_below_the_front_ends():
    package = ROOT / "src" / "cotag"
    found = {}
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        if name.startswith(ABOVE_THE_DOMAIN) or name.startswith("store/") or name in OPENS_ITS_OWN:
            continue
        if lines := opened_units_of_work(path):
            found[name] = lines
    assert not found, f"open the transaction in a services/ use case and pass the session down: {found}"
    for name in OPENS_ITS_OWN:  # the exceptions are still needed (else drop them from the list)
        assert opened_units_of_work(package / name), name
