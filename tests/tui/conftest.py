"""Fixtures for the coding app's Pilot tests, and running `async def` tests without an asyncio plugin."""

from __future__ import annotations

import asyncio
import inspect

import pytest
import textual.constants
from tui_helpers import Study, build_study

# No animations under test: a tab's underline caught half-way slid made one CI snapshot differ from the stored one.
# App() reads this constant when built (the TEXTUAL_ANIMATIONS variable is read once, at textual's import,
# which the snapshot plugin does before this file runs).
textual.constants.TEXTUAL_ANIMATIONS = "none"  # type: ignore[misc]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    # Pilot needs a running event loop; one asyncio.run per test is all these tests need.
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**arguments))
        return True
    return None


@pytest.fixture
def study(sqlite_project) -> Study:
    return build_study(sqlite_project)
