from __future__ import annotations

import os

import pytest

pytest_plugins = []
if os.path.exists(os.path.join(os.path.dirname(__file__), "fakes", "plugin.py")):
    pytest_plugins.append("tests.fakes.plugin")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Never touch the developer's real cache directory."""
    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "migrator-cache"))
