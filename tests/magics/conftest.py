"""Helpers for driving the magics in a real InteractiveShell."""

from __future__ import annotations

import pytest


@pytest.fixture
def cell(ip):
    """Execute one cell as a notebook would (history, events); return IPython's result."""

    def run(source: str, *, raises: bool = True):
        result = ip.run_cell(source, store_history=True)
        if raises and not result.success:
            raise result.error_in_exec or result.error_before_exec
        return result

    return run
