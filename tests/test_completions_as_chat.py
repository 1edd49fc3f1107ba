"""`migrator apply --completions-as-chat`: legacy text completions become chat calls that run.

A program using text completions (a v1 client call, a streamed one, an openai<1 call) is
committed to a git repository, migrated by the CLI in a subprocess, and the migrated program
runs with the real openai SDK against the provider's fake server on 127.0.0.1 (a fake OpenAI
server listens too, to catch leaks): it must print the provider's answers to its prompts, sent
as one user message each to /chat/completions with the mapped model."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.equivalence import base_env, migrated_env, openai_env, run_program, write_guard
from tests.fakes import FakeServer

PROGRAM = '''\
import openai
from openai import OpenAI

client = OpenAI()


def ask(question):
    r = client.completions.create(model="gpt-3.5-turbo-instruct", prompt=question, max_tokens=32)
    return r.choices[0].text.strip()


def story(topic):
    parts = []
    for chunk in client.completions.create(model="gpt-3.5-turbo-instruct", prompt=topic, stream=True):
        parts.append(chunk.choices[0].text)
    return "".join(parts)


def legacy(question):
    r = openai.Completion.create(engine="text-davinci-003", prompt=question, max_tokens=16)
    return r["choices"][0]["text"]


print("ask:", ask("What is 2 + 2?"))
print("story:", story("a fox"))
print("legacy:", legacy("Say hello"))
'''
PROMPTS = {"ask": "What is 2 + 2?", "story": "a fox", "legacy": "Say hello"}
#: Ark maps no model by default: its model ids come from the user's configuration
ARK_MODELS = (
    '[tool.migrator.models]\n"gpt-3.5-turbo-instruct" = "doubao-seed-1-6-flash-250828"\n'
    '"text-davinci-003" = "doubao-seed-1-6-flash-250828"\n'
)
PROVIDERS = ["dashscope", "qianfan", "hunyuan", "zhipu", "ark", "deepseek", "moonshot"]


def _git(repo: Path, *args: str) -> None:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )
    subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)


def _repo(root: Path, config: str = "") -> Path:
    root.mkdir()
    (root / "app.py").write_text(PROGRAM, encoding="utf-8")
    if config:
        (root / "pyproject.toml").write_text(config, encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "app")
    return root


def _apply(repo: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, MIGRATOR_CACHE_DIR=str(tmp_path / "cache"), COLUMNS="400")  # one message, one line
    return subprocess.run(
        [sys.executable, "-m", "migrator", "apply", str(repo), "--in-place", "--yes", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_migrated_completions_program_gets_the_providers_answers(tmp_path, provider):
    config = "[tool.migrator]\n" + (ARK_MODELS if provider == "ark" else "")
    repo = _repo(tmp_path / "repo", config)
    done = _apply(repo, tmp_path, "--provider", provider, "--completions-as-chat")
    assert done.returncode == 0, done.stdout + done.stderr
    migrated = (repo / "app.py").read_text(encoding="utf-8")
    assert migrated.count("chat.completions.create(") == 3
    assert "prompt=" not in migrated and "openai.Completion" not in migrated
    assert "behaviour" in done.stdout or "chat assistant" in done.stdout  # the behaviour change is reported

    guard = write_guard(tmp_path / "guard")
    with FakeServer(provider) as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path / "home", guard)
        env.update(openai_env(trap))
        env.update(migrated_env(provider, srv, migrated)[0])
        run = run_program(migrated, "app.py", env, tmp_path / "run")
        assert run.returncode == 0, run.tail()
        for label, prompt in PROMPTS.items():
            assert re.search(rf"^{label}: echo\[[0-9a-f]{{8}}\] {re.escape(prompt)}$", run.stdout, re.M), run.stdout
        chats = [r for r in srv.requests if r.path.endswith("/chat/completions")]
        assert len(chats) == 3 and len(srv.requests) == 3, [r.path for r in srv.requests]
        for request, prompt in zip(chats, PROMPTS.values()):
            assert request.json["messages"] == [{"role": "user", "content": prompt}]
            assert "prompt" not in request.json and request.json["model"] not in ("gpt-3.5-turbo-instruct", "text-davinci-003")
        assert trap.requests == []


def test_without_the_flag_completions_are_reported_with_the_flag_named(tmp_path):
    repo = _repo(tmp_path / "repo")
    done = _apply(repo, tmp_path, "--provider", "dashscope")
    assert done.returncode == 0, done.stdout + done.stderr
    text = (repo / "app.py").read_text(encoding="utf-8")
    assert 'client.completions.create(model="gpt-3.5-turbo-instruct", prompt=question' in text
    assert "openai.Completion.create(engine=" in text
    assert "--completions-as-chat" in done.stdout


def test_the_config_turns_it_on_and_the_flag_off(tmp_path):
    repo = _repo(tmp_path / "on", "[tool.migrator]\ncompletions-as-chat = true\n")
    assert _apply(repo, tmp_path, "--provider", "deepseek").returncode == 0
    assert "prompt=" not in (repo / "app.py").read_text(encoding="utf-8")
    repo = _repo(tmp_path / "off", "[tool.migrator]\ncompletions-as-chat = true\n")
    assert _apply(repo, tmp_path, "--provider", "deepseek", "--no-completions-as-chat").returncode == 0
    assert "prompt=question" in (repo / "app.py").read_text(encoding="utf-8")


def test_a_config_value_that_is_not_a_boolean_is_a_usage_error(tmp_path):
    repo = _repo(tmp_path / "repo", '[tool.migrator]\ncompletions-as-chat = "yes"\n')
    done = _apply(repo, tmp_path, "--provider", "deepseek")
    assert done.returncode == 2
    assert "pyproject.toml:2" in done.stdout + done.stderr and "must be true or false" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("provider", [p for p in PROVIDERS if p != "ark"])  # ark: no model mapped by default
def test_converted_code_passes_check_under_the_compat_policy(provider):
    """apply and check agree on converted completions too (tests/test_invariant.py runs without options)."""
    from migrator.check import check_bytes, load_policy
    from migrator.config import Config
    from migrator.testing import fixture_case

    expected = fixture_case(
        Path(__file__).resolve().parent.parent / "fixtures", provider, "compat", "completions-as-chat"
    ).expected
    checked = check_bytes("app.py", expected.read_bytes(), load_policy(Config(), "compat"))
    assert not checked.findings, [f"{f.rule} {f.line}: {f.message}" for f in checked.findings]


def test_scan_predicts_what_apply_does_under_the_projects_config(tmp_path):
    """scan's readiness matrix reads [tool.migrator] completions-as-chat as apply does."""
    import json

    def readiness(repo: Path):
        env = dict(os.environ, MIGRATOR_CACHE_DIR=str(tmp_path / "cache"))
        done = subprocess.run(
            [sys.executable, "-m", "migrator", "scan", str(repo), "--format", "json", "--provider", "deepseek"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        # (deepseek's native plan migrates API code with the same rules: both rows must agree)
        rows = json.loads(done.stdout)["readiness"]
        assert [r["plan"] for r in rows] == ["compat", "native"]
        assert {k: v for k, v in rows[0].items() if k != "plan"} == {k: v for k, v in rows[1].items() if k != "plan"}
        return rows[0]

    off = readiness(_repo(tmp_path / "off"))
    assert off["automatic"] == 0 and off["with_diagnostics"] == 1  # the v0 call moves to the beta endpoint
    assert any("--completions-as-chat" in reason for reason in off["reasons"])
    on = readiness(_repo(tmp_path / "on", "[tool.migrator]\ncompletions-as-chat = true\n"))
    assert on["manual"] == 0 and on["with_diagnostics"] == 3
    assert any("became a chat call" in reason for reason in on["reasons"])


def test_an_unknown_option_in_a_rule_file_is_named_with_its_line(tmp_path):
    pack = (Path(__file__).resolve().parent.parent / "rules" / "deepseek.yaml").read_text(encoding="utf-8")
    bad = pack.replace('    option: "!completions_as_chat"\n', '    option: completion_as_chat\n', 1)
    assert bad != pack
    (tmp_path / "deepseek.yaml").write_text(bad, encoding="utf-8")
    line = bad.splitlines().index("    option: completion_as_chat") + 1
    done = subprocess.run(
        [sys.executable, "-m", "migrator", "rules", "validate", str(tmp_path / "deepseek.yaml")],
        capture_output=True,
        text=True,
        env=dict(os.environ, COLUMNS="400"),
        timeout=60,
    )
    assert done.returncode == 2
    assert (
        f"deepseek.yaml:{line}:" in done.stdout + done.stderr
        and "option must be one of completions_as_chat" in done.stdout + done.stderr
    )
    assert "Traceback" not in done.stdout + done.stderr
