"""The domain core never imports Textual: the CLI and scripts stay fast and the TUI stays a front end."""

from __future__ import annotations

import json
import subprocess
import sys

CORE = ["cotag.services", "cotag.coding", "cotag.search", "cotag.corpus.importer", "cotag.store.models",
        "cotag.store.coders", "cotag.store.codes", "cotag.store.codings", "cotag.store.documents",
        "cotag.store.events", "cotag.store.progress", "cotag.project", "cotag.keys", "cotag.cli",
        "cotag.commands.coding"]


def test_core_modules_do_not_import_textual():
    script = (
        "import importlib, json, sys\n"
        f"for name in {CORE!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
