"""Prove the migrations at the wire: program x provider x plan.

Each OpenAI program in fixtures/programs/ runs unchanged against the fake OpenAI
server, then migrated (for every provider and plan in rules/) with the real
provider SDK against that provider's fake. See tests/equivalence.py for what is
compared and how programs are pointed at the fakes (environment only).

``MIGRATOR_WRITE_EQUIVALENCE=1`` writes docs/equivalence.md from this run.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

from migrator.engine import migrate_source
from migrator.ruleset import load_all, select
from tests import equivalence as eq
from tests.fakes import PROVIDERS, FakeServer

PACKS = load_all()
PROGRAMS = eq.programs()
BY_NAME = {p.name: p for p in PROGRAMS}
CELLS: List[Tuple[str, str]] = [(pf.name, plan) for pf in PACKS for plan, spec in pf.plans.items() if not spec.refuse]
REFUSED: Dict[Tuple[str, str], str] = {
    (pf.name, plan): spec.refuse for pf in PACKS for plan, spec in pf.plans.items() if spec.refuse
}

# (program, provider, plan) -> (status, reason); provider "openai" = the original run
RESULTS: Dict[Tuple[str, str, str], Tuple[str, str]] = {}


class Servers:
    def __init__(self) -> None:
        self._servers: Dict[str, FakeServer] = {}

    def __call__(self, provider: str) -> FakeServer:
        if provider not in self._servers:
            self._servers[provider] = FakeServer(provider).start()
        srv = self._servers[provider]
        srv.clear()
        return srv

    def stop(self) -> None:
        for srv in self._servers.values():
            srv.stop()


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    s = Servers()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("equivalence")
    eq.write_guard(root / "guard")
    (root / "home").mkdir()
    return root


@pytest.fixture(scope="module", autouse=True)
def _write_table() -> Iterator[None]:
    yield
    if os.environ.get("MIGRATOR_WRITE_EQUIVALENCE") == "1":
        eq.write_table(RESULTS, [p.name for p in PROGRAMS], CELLS, REFUSED)


_ORIGINALS: Dict[str, eq.Run] = {}


def original_run(name: str, servers: Servers, workdir: Path) -> eq.Run:
    """The unchanged program against the fake OpenAI server (cached per module)."""
    if name not in _ORIGINALS:
        srv = servers("openai")
        env = {**eq.base_env(workdir / "home", workdir / "guard"), **eq.openai_env(srv)}
        run = eq.run_program(BY_NAME[name].source, f"{name}.py", env, workdir / "original" / name)
        run.requests = srv.requests
        srv.clear()
        _ORIGINALS[name] = run
    return _ORIGINALS[name]


def _reference(program: eq.Program, servers: Servers, workdir: Path) -> eq.Run:
    run = original_run(program.twin or program.name, servers, workdir)
    if run.returncode != 0 or not run.requests:
        pytest.fail(f"the reference run of {program.twin or program.name} failed:\n{run.tail()}")
    return run


def _summary(problems: List[str], run: eq.Run) -> str:
    """One line for the table: the first problem; for a crash, the exception line."""
    first = problems[0].splitlines()[0]
    if run.returncode != 0:
        last = [line for line in run.stderr.strip().splitlines() if line.strip()][-1:]
        first = f"exit {run.returncode}: " + (last[0].strip() if last else "no stderr")
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return first[:300] + more


def _record(key: Tuple[str, str, str], status: str, reason: str = "") -> None:
    RESULTS[key] = (status, reason)


def _installed(name: str) -> None:
    """Skip, without recording, a program whose framework this interpreter lacks."""
    module, why = eq.SEPARATE_ENV.get(name, ("", ""))
    if not module:
        return
    try:  # the whole dotted name: llama_index (core) may be installed without llama_index.llms.openai
        found = importlib.util.find_spec(module) is not None
    except ImportError:
        found = False
    if not found:
        pytest.skip(f"{module} is not installed: {why}")


@pytest.mark.parametrize("name", [p.name for p in PROGRAMS])
def test_original(name: str, servers: Servers, workdir: Path) -> None:
    _installed(name)
    program = BY_NAME[name]
    key = (name, "openai", "original")
    if program.twin:
        reason = f"openai<1 API: cannot run on openai>=1; migrated runs are compared with {program.twin}.py"
        _record(key, "n/a", reason)
        pytest.skip(reason)
    run = original_run(name, servers, workdir)
    ok = run.returncode == 0 and bool(run.requests) and bool(run.stdout.strip())
    _record(key, "pass" if ok else "fail", "" if ok else f"exit {run.returncode}: {run.tail(3)}")
    assert run.returncode == 0, run.stderr
    assert run.requests, "the original made no request to the OpenAI fake"
    assert all(r.route is not None for r in run.requests)


@pytest.mark.parametrize("provider,plan", CELLS, ids=[f"{p}-{pl}" for p, pl in CELLS])
@pytest.mark.parametrize("name", [p.name for p in PROGRAMS])
def test_migrated(name: str, provider: str, plan: str, servers: Servers, workdir: Path) -> None:
    _installed(name)
    program = BY_NAME[name]
    key = (name, provider, plan)
    if provider not in PROVIDERS:
        _record(key, "n/a", f"no fake server for {provider}")
        pytest.skip(f"no fake server for {provider}")
    ruleset = select(PACKS, provider, plan, models=eq.USER_MODELS.get(provider))
    result = migrate_source(program.source, f"{name}.py", ruleset)
    if result.error:
        _record(key, "fail", f"migrate_source refused the file: {result.error}")
        pytest.fail(f"migrate_source refused {name}.py for {provider}/{plan}: {result.error}")
    manual = [d for d in result.diagnostics if d.severity == "manual"]
    if manual:
        reason = "; ".join(sorted({f"{d.rule}: {d.message}" for d in manual}))
        _record(key, "n/a", f"manual: {reason}")
        pytest.skip(f"manual diagnostic: {reason}")

    warned = eq.warned_difference(result.diagnostics, program.source)
    if warned:
        _record(key, "n/a", warned)
        pytest.skip(warned)

    reference = _reference(program, servers, workdir)
    srv, openai_srv = servers(provider), servers("openai")
    env, redirects = eq.migrated_env(provider, srv, result.output)
    env = {**eq.base_env(workdir / "home", workdir / "guard"), **eq.openai_env(openai_srv), **env}
    run = eq.run_program(result.output, f"{name}.py", env, workdir / provider / plan / name)
    run.requests = srv.requests

    if run.blocked_hosts and provider in eq.NO_BASE_URL_ENV and not [r for r in redirects if r not in srv.env()]:
        reason = (
            f"the {provider} SDK reads no base-URL env var and the migrated code offers none "
            f"(it reached for {', '.join(run.blocked_hosts)})"
        )
        _record(key, "n/a", reason)
        pytest.skip(reason)
    problems = []
    if run.returncode != 0:
        problems.append(f"the migrated program exited {run.returncode}:\n{run.tail()}")
    diagnostics = [f"{d.rule}: {d.message}" for d in result.diagnostics]
    problems += eq.compare(
        provider, ruleset, reference.stdout, reference.requests, run, openai_srv.requests, result.output, diagnostics
    )
    if problems:
        _record(key, "fail", _summary(problems, run))
        pytest.fail(f"{name}.py on {provider}/{plan}:\n" + "\n".join(problems) + f"\n\n--- migrated source\n{result.output}")
    _record(key, "pass")


def test_a_partial_run_keeps_the_recorded_cells_of_the_other_programs() -> None:
    """``-k fw_`` with MIGRATOR_WRITE_EQUIVALENCE=1 rewrites only the programs it ran."""
    results = {
        ("a", "openai", "original"): ("pass", ""),
        ("a", "dashscope", "compat"): ("n/a", "manual: x"),
        ("b", "openai", "original"): ("fail", "differs"),
        ("b", "dashscope", "compat"): ("pass", ""),
    }
    text = eq.render_table(results, ["a", "b"], [("dashscope", "compat")], {})
    assert eq.read_table(text) == results
