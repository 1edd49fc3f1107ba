"""The type checker CI runs (issue 18): mypy over the package with the configuration in
pyproject.toml, strict on the engine, the analyzer, the check, the commands and the reports, plain
elsewhere.  Every module checks clean (the ``ignore_errors`` list the checker came in with is
gone); should one come back, the list may only shrink: the test runs mypy once without it, and
fails on an error in a module not listed and on a listed module that now checks clean (take it
off the list)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
ERROR = re.compile(r"^(migrator/[^:]+)\.py:\d+: error: ", re.MULTILINE)


def _config() -> Dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def _listed(config: Dict[str, Any]) -> Set[str]:
    return {m for o in config.get("overrides", ()) if o.get("ignore_errors") for m in o["module"]}


def _module(path: str) -> str:
    return re.sub(r"\.__init__$", "", path.replace("/", "."))


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _without_list(config: Dict[str, Any]) -> str:
    """pyproject.toml's [tool.mypy], with the listed modules' ``ignore_errors`` taken out."""
    lines: List[str] = ["[tool.mypy]"]
    lines += [f"{key} = {_toml(value)}" for key, value in config.items() if key != "overrides"]
    for override in config.get("overrides", ()):
        lines.append("[[tool.mypy.overrides]]")
        lines += [f"{key} = {_toml(value)}" for key, value in override.items() if key != "ignore_errors"]
    return "\n".join(lines) + "\n"


def test_mypy_finds_nothing_but_in_the_listed_modules(tmp_path):
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent)) or shutil.which("mypy")
    if mypy is None and sys.version_info < (3, 10):
        pytest.skip("mypy 2 runs on Python 3.10 and later")
    assert mypy is not None, "mypy is a test dependency: pip install -e '.[test]'"
    config = _config()
    listed = _listed(config)
    unlisted = tmp_path / "pyproject.toml"
    unlisted.write_text(_without_list(config), encoding="utf-8")
    done = subprocess.run(
        [
            mypy,
            "--config-file",
            str(unlisted),
            "--no-error-summary",
            "--no-pretty",
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "migrator",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 2: mypy itself failed (a bad config)
    failing = {_module(path) for path in ERROR.findall(done.stdout)}
    new = sorted(failing - listed)
    assert not new, "mypy errors in modules it must check clean:\n" + "\n".join(
        line for line in done.stdout.splitlines() if _module(line.split(".py:")[0]) in new
    )
    clean = sorted(listed - failing)
    assert not clean, f"these modules check clean now: take them off the ignore_errors list in pyproject.toml: {clean}"


def test_the_config_written_for_the_run_keeps_every_other_setting():
    config = {
        "python_version": "3.10",
        "files": ["migrator"],
        "warn_unused_configs": True,
        "overrides": [{"module": ["a.*"], "disallow_untyped_defs": True}, {"module": ["b", "c"], "ignore_errors": True}],
    }
    assert _listed(config) == {"b", "c"}
    written = tomllib.loads(_without_list(config))["tool"]["mypy"]
    assert written == {
        "python_version": "3.10",
        "files": ["migrator"],
        "warn_unused_configs": True,
        "overrides": [{"module": ["a.*"], "disallow_untyped_defs": True}, {"module": ["b", "c"]}],
    }


def test_the_mixins_base_declares_only_what_the_reporter_has():
    """analyzer/mixins.py declares, for mypy only, what the reporter's mixins call on each other;
    mypy checks each declaration against the method overriding it, but not that one is left over
    after its method is gone (a call to it would then type-check and fail at run time)."""
    import ast as python_ast

    from migrator.analyzer.reporter import _Reporter
    from migrator.analyzer.resolve import _Analyzer

    source = (ROOT / "migrator" / "analyzer" / "mixins.py").read_text(encoding="utf-8")
    base = next(n for n in python_ast.walk(python_ast.parse(source)) if isinstance(n, python_ast.ClassDef) and n.name == "_Mixin")
    methods = [n.name for n in base.body if isinstance(n, python_ast.FunctionDef)]
    assert methods
    missing = [name for name in methods if name in vars(_Analyzer) or not callable(getattr(_Reporter, name, None))]
    assert not missing, f"mixins.py declares methods the reporter does not define (or _Analyzer already has): {missing}"
