from __future__ import annotations

import os

import pytest

# the suite asserts English messages whatever the developer's locale, from collection on (help
# texts are built when a command module is imported); tests/test_i18n*.py choose their own
os.environ["MIGRATOR_LANG"] = "en"

pytest_plugins = []
if os.path.exists(os.path.join(os.path.dirname(__file__), "fakes", "plugin.py")):
    pytest_plugins.append("tests.fakes.plugin")


# The fast part of the suite, `python -m pytest -m "not slow"` (under a minute on two cores): the
# analyzer, engine, rule loader, writer, git layer and checker, in process.  Every other file (the
# CLI in subprocesses, real repositories end to end, the provider fakes and wire programs, property
# tests, every before/after fixture) is marked slow, a new file included until it is listed here.
# CI runs everything.
FAST = frozenset(
    {
        "test_analyzer.py",
        "test_analyzer_masking.py",
        "test_analyzer_pruning.py",
        "test_analyzer_results.py",
        "test_engine.py",
        "test_engine_pack_support.py",
        "test_ops_model_filters.py",
        "test_loader.py",
        "test_meta.py",
        "test_writer.py",
        "test_vcs.py",
        "test_discovery.py",
        "test_cache.py",
        "test_check.py",
        "test_check_facts.py",
        "test_secrets.py",
        "test_regressions.py",
        "test_layering.py",
        "test_i18n_docs.py",
        "test_i18n_units.py",
        "test_guides.py",
        "test_speed_trees.py",
        "test_speed_layout.py",
        "test_speed_limits.py",
        "test_speed_final_analysis.py",
        "test_commands.py",
    }
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name not in FAST:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Never touch the developer's real cache directory."""
    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "migrator-cache"))
    # English for every test (see above), and no --lang choice left over from an in-process run
    monkeypatch.setenv("MIGRATOR_LANG", "en")
    from migrator import i18n

    i18n.set_language(None)


@pytest.fixture(autouse=True, scope="session")
def _pruned_analysis_equals_the_full_walk():
    """Every analysis the suite runs is run three times: pruned (what users get), with
    every node visited, and pruned on a masked parse whatever the file's size (see
    migrator/analyzer/chunks.py; users get it for big files only while python.MASK is on).  Any difference
    fails the test that triggered it, so each analyzer, engine, fixture and property
    test also checks the pruning and the masking.  (A masked parse does not see a
    syntax error in what it leaves out: it is compared only when the file parses.)"""
    from migrator.analyzer import chunks
    from migrator.analyzer import python as analyzer

    original = analyzer._analyze

    def both(source, path, cell, prune, externals=None):
        if externals:  # analysed whole by design (a module that uses another's client)
            return original(source, path, cell, False, externals)
        pruned = original(source, path, cell, True)
        full = original(source, path, cell, False)
        big_and_broken = full.error is not None and len(source) >= chunks.MIN_CHARS  # see chunks.py
        assert pruned == full or big_and_broken, f"pruned analysis of {path} differs from the full walk"
        if full.error is None:
            masked = analyzer._analyze_masked(source, path, cell)
            assert masked is None or masked == full, f"masked analysis of {path} differs from the full walk"
        return pruned if prune else full

    both.__wrapped__ = original
    analyzer._analyze = both
    yield
    analyzer._analyze = original
