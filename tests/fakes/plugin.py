"""Pytest fixtures for the fake provider servers.

Register with ``pytest_plugins = ["tests.fakes.plugin"]`` in the top conftest.

* ``fake_server``: one started ``FakeServer``, function-scoped. Provider is
  ``"openai"`` unless chosen by ``@pytest.mark.fake_provider("zhipu")`` or by
  indirect parametrisation (``@pytest.mark.parametrize("fake_server", ["ark"],
  indirect=True)``).
* ``fake_servers``: a factory, ``fake_servers("dashscope")`` -> started server,
  one per provider name per test, all stopped at teardown.

Both make sure 127.0.0.1 bypasses any proxy configured in the environment.
"""

from __future__ import annotations

from typing import Callable, Dict, Iterator

import pytest

from .server import FakeServer


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fake_provider(name): provider impersonated by the fake_server fixture")


def _bypass_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def fake_server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    provider = getattr(request, "param", None)
    marker = request.node.get_closest_marker("fake_provider")
    if provider is None and marker is not None:
        provider = marker.args[0]
    _bypass_proxy(monkeypatch)
    with FakeServer(provider or "openai") as srv:
        yield srv


@pytest.fixture
def fake_servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], FakeServer]]:
    _bypass_proxy(monkeypatch)
    servers: Dict[str, FakeServer] = {}

    def get(provider: str) -> FakeServer:
        if provider not in servers:
            servers[provider] = FakeServer(provider).start()
        return servers[provider]

    try:
        yield get
    finally:
        for srv in servers.values():
            srv.stop()
