"""The import contract that keeps front ends out of the core lists the core's packages by name: a new package
that is not on it would escape the contract unnoticed, so every top-level module of cotag must be on the list
or be a front end."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRONT_ENDS = {"tui", "commands", "cli", "__init__", "__main__"}


def test_every_core_package_is_under_the_front_end_contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (core,) = [c for c in contracts if c["forbidden_modules"] == ["cotag.tui", "cotag.commands", "cotag.cli"]]
    listed = {name.removeprefix("cotag.") for name in core["source_modules"]}
    package = ROOT / "src" / "cotag"
    modules = {p.stem for p in package.glob("*.py")} | {p.name for p in package.iterdir()
                                                          if (p / "__init__.py").is_file()}
    missing = sorted(modules - FRONT_ENDS - listed)
    assert not missing, f"add to the front-end contract in pyproject.toml: {missing}"
    assert listed <= modules, f"the contract names modules that do not exist: {sorted(listed - modules)}"
