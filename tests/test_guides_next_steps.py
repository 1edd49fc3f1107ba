"""After `migrator apply`, the text summary, the PR body and the JSON summary end with what the
user does next, all taken from the rule pack: the key variable and where to get a key, the SDK
the plan requires, the endpoint variable and the other regions' values, `migrator check`
(issue 17).  Real applies on real temporary git repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrator.ruleset import load_all
from tests.test_apply_cli import ACME, APP, make_repo, run

ROOT = Path(__file__).resolve().parent.parent
PACKS = {pf.name: pf for pf in load_all()}
INTL = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"


def _apply(tmp_path: Path, *args: str, lang: str = "en"):
    repo = make_repo(tmp_path, {"app.py": APP.encode()})
    body = tmp_path / "pr.md"
    proc = run("--lang", lang, "apply", ".", *args, "--pr-body", str(body), cwd=repo)
    return proc, body.read_text(encoding="utf-8") if body.exists() else ""


def _steps_section(text: str, title: str) -> str:
    assert title in text, text
    return text[text.index(title) :]


def test_apply_ends_with_the_next_steps_and_the_pr_body_has_them(tmp_path):
    proc, body = _apply(tmp_path, "--provider", "dashscope")
    assert proc.returncode == 0, proc.stderr
    steps = _steps_section(proc.stderr, "Next steps")
    assert "Committed on branch" not in steps  # the steps come last, after the summary
    for expected in (
        "`DASHSCOPE_API_KEY`",
        "docs/providers/dashscope.md",
        '`pip install "openai>=1.0"`',
        "`DASHSCOPE_COMPATIBLE_BASE_URL`",
        f"`DASHSCOPE_COMPATIBLE_BASE_URL={INTL}`",
        "--region intl",
        "`migrator check`",
    ):
        assert expected in steps, (expected, steps)
    assert (ROOT / "docs/providers/dashscope.md").is_file()  # the guide the step points at
    section = _steps_section(body, "### Next steps")
    assert "\n### " not in section[4:], "the steps are the PR body's last section"
    assert f"`DASHSCOPE_COMPATIBLE_BASE_URL={INTL}`" in section and "`migrator check`" in section


def test_the_steps_follow_the_language(tmp_path):
    proc, body = _apply(tmp_path, "--provider", "dashscope", lang="zh")
    assert proc.returncode == 0, proc.stderr
    for text in (_steps_section(proc.stderr, "后续步骤"), _steps_section(body, "### 后续步骤")):
        assert "docs/zh-CN/providers/dashscope.md" in text and "`DASHSCOPE_API_KEY`" in text
        assert "`migrator check`" in text and "Next steps" not in text
    assert (ROOT / "docs/zh-CN/providers/dashscope.md").is_file()


def test_a_native_plan_installs_its_sdk_and_names_only_variables_the_code_reads(tmp_path):
    proc, body = _apply(tmp_path, "--provider", "dashscope", "--plan", "native")
    assert proc.returncode == 0, proc.stderr
    section = _steps_section(body, "### Next steps")
    assert '`pip install "dashscope>=2.0"`' in section and "`DASHSCOPE_API_KEY`" in section
    # dashscope.Client does not read the compatible-mode variable: no endpoint or region step for it
    assert "DASHSCOPE_COMPATIBLE_BASE_URL" not in section


def test_json_summary_lists_the_steps_in_english(tmp_path):
    repo = make_repo(tmp_path, {"app.py": APP.encode()})
    proc = run("--lang", "zh", "apply", ".", "--provider", "moonshot", "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    steps = json.loads(proc.stdout)["next_steps"]
    assert [s["kind"] for s in steps] == ["key", "install", "endpoint", "region", "check"]
    assert steps[0]["env"] == "MOONSHOT_API_KEY" and "docs/providers/moonshot.md" in steps[0]["guide"]
    assert steps[3] == {"kind": "region", "region": "intl", "env": "MOONSHOT_BASE_URL", "url": "https://api.moonshot.ai/v1"}


def test_a_pack_of_ones_own_points_at_its_docs(tmp_path):
    proc, body = _apply(tmp_path, "--provider", "acme", "--rules", ACME)
    assert proc.returncode == 0, proc.stderr
    section = _steps_section(body, "### Next steps")
    assert "`ACME_API_KEY`" in section and "https://example.invalid/acme" in section
    assert '`pip install "acme-sdk>=1.0"`' in section and "docs/providers" not in section


def test_nothing_migrated_means_no_steps(tmp_path):
    repo = make_repo(tmp_path, {"app.py": b"print('no openai here')\n"})
    proc = run("apply", ".", "--provider", "dashscope", "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["next_steps"] == []


@pytest.mark.parametrize("name", sorted(PACKS))
def test_every_pack_gets_steps_from_its_own_data(tmp_path, name):
    proc, body = _apply(tmp_path, "--provider", name, "--dry-run")
    assert proc.returncode == 1, proc.stderr  # dry run with changes
    pf = PACKS[name]
    plan = pf.plans["compat"]
    section = _steps_section(body, "### Next steps")
    assert f"`{pf.vars['api_key_env']}`" in section and f'`pip install "{plan.requirement}"`' in section
    assert f"docs/providers/{name}.md" in section and (ROOT / f"docs/providers/{name}.md").is_file()


def test_a_client_kept_on_the_compat_endpoint_adds_the_openai_requirement(tmp_path):
    repo = make_repo(tmp_path, {"app.py": APP.encode(), "aio.py": APP.replace("OpenAI", "AsyncOpenAI").encode()})
    proc = run("apply", ".", "--provider", "zhipu", "--plan", "native", "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["clients_hybrid"] >= 1  # zhipuai has no asyncio client
    assert [s["requirement"] for s in doc["next_steps"] if s["kind"] == "install"] == ["zhipuai>=2.1.5", "openai>=1.0"]


def test_a_litellm_only_migration_does_not_ask_for_the_openai_sdk(tmp_path):
    # the plan's requirement is the openai SDK; code that only calls litellm needs none of it
    app = 'import litellm\n\n\ndef ask(q):\n    return litellm.completion(model="gpt-4o", messages=[{"role": "user", "content": q}])\n'
    repo = make_repo(tmp_path, {"app.py": app.encode()})
    proc = run("apply", ".", "--provider", "deepseek", "--format", "json", "--dry-run", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["sites_rewritten"] >= 1
    installs = [s["requirement"] for s in doc["next_steps"] if s["kind"] == "install"]
    assert not any(r.startswith("openai") for r in installs), installs
