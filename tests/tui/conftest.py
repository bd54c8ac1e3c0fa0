"""Fixtures for the coding app's Pilot tests, and running `async def` tests without an asyncio plugin."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from tui_helpers import Study, build_study


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
