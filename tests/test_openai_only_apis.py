"""OpenAI-only APIs (assistants, vector stores, files, fine-tuning, batches, images, audio,
moderations, responses) are reported with a concrete pointer per provider: the provider's own
call where one exists, or "no equivalent in <provider>" — never one message for all of them.

The pointers are checked at the three places a user meets them: the rules matched by the site
the analyzer builds for each family, apply's diagnostics (fixtures/cases/openai-only-apis),
and ``migrator scan --format json`` run as a subprocess on a git repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from migrator.ruleset import load_all

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = "openai-only-apis"
PROVIDERS = load_all()
PLANS = [(pf.name, plan.name) for pf in PROVIDERS for plan in pf.plans.values() if not plan.refuse]

#: (provider, family) -> what the pointer must name: the provider's call, or that there is none
POINTERS = {
    "dashscope": {
        "assistants": "dashscope.Assistants.create(",
        "vector-stores": "no equivalent in DashScope",
        "files": "dashscope.Files.upload(",
        "fine-tuning": "dashscope.FineTunes.call(",
        "batches": "no equivalent in DashScope",
        "images": "dashscope.ImageSynthesis.call(",
        "audio": "dashscope.audio.asr.Transcription.call(",
        "moderations": "no equivalent in DashScope",
        "responses": "no Responses API in the dashscope SDK",
    },
    "qianfan": {
        "assistants": "no equivalent in Qianfan",
        "vector-stores": "no equivalent in Qianfan",
        "files": "no file API in Qianfan",
        "fine-tuning": "qianfan.resources.FineTune.V2.create_job(",
        "batches": "qianfan.resources.Data.create_offline_batch_inference_task(",
        "images": "qianfan.Text2Image().do(",
        "audio": "Qianfan has no speech API",
        "moderations": "no equivalent in Qianfan",
        "responses": "no equivalent in Qianfan",
    },
    "hunyuan": {
        "assistants": "no equivalent in Hunyuan",
        "vector-stores": "no equivalent in Hunyuan",
        "files": "no equivalent in Hunyuan",
        "fine-tuning": "no equivalent in Hunyuan",
        "batches": "no equivalent in Hunyuan",
        "images": "SubmitHunyuanImageJob",
        "audio": "Hunyuan has no speech API",
        "moderations": "no equivalent in Hunyuan",
        "responses": "no equivalent in Hunyuan",
    },
    "zhipu": {
        "assistants": "zhipuai.ZhipuAI().assistant.conversation(",
        "vector-stores": "zhipuai.ZhipuAI().knowledge.create(",
        "files": "zhipuai.ZhipuAI().files.create(",
        "fine-tuning": "zhipuai.ZhipuAI().fine_tuning.jobs.create(",
        "batches": "zhipuai.ZhipuAI().batches.create(",
        "images": 'client.images.generations(model="cogview-',
        "audio": "zhipuai.ZhipuAI().audio.transcriptions.create(",
        "moderations": "zhipuai.ZhipuAI().moderations.create(",
        "responses": "no equivalent in Zhipu",
    },
    "ark": {
        "assistants": "no equivalent in Ark",
        "vector-stores": "no equivalent in Ark",
        "files": "volcenginesdkarkruntime.Ark().files.create(",
        "fine-tuning": "no equivalent in Ark",
        "batches": "volcenginesdkarkruntime.Ark().batch_chat.completions.create(",
        "images": "image=...",
        "audio": "no equivalent in Ark",
        "moderations": "no equivalent in Ark",
        "responses": "volcenginesdkarkruntime.Ark().responses.create(",
    },
    "deepseek": {
        family: "no equivalent in DeepSeek"
        for family in (
            "assistants",
            "vector-stores",
            "files",
            "fine-tuning",
            "batches",
            "images",
            "audio",
            "moderations",
            "responses",
        )
    },
    "moonshot": {
        family: "no equivalent in Moonshot"
        for family in ("assistants", "vector-stores", "fine-tuning", "batches", "images", "audio", "moderations", "responses")
    },
}
POINTERS["moonshot"]["files"] = "Moonshot serves /v1/files"
FAMILIES = list(POINTERS["dashscope"])

#: family -> a word of its own that its pointer names (so the "no equivalent" ones still differ)
NAMED = {
    "assistants": "assist|thread",
    "vector-stores": "vector-store|knowledge",
    "files": "file",
    "fine-tuning": "fine",
    "batches": "batch",
    "images": "image",
    "audio": "audio|speech",
    "moderations": "moderation",
    "responses": "Responses|responses",
}


def _pointer(provider: str, plan: str, family: str) -> str:
    """The message of the rule ``<provider>/<family>`` in that plan (the TODO a user reads)."""
    pf = next(p for p in PROVIDERS if p.name == provider)
    rule = next(r for r in pf.rules if r.id == f"{provider}/{family}" and plan in r.plans)
    (todo,) = [op.params["message"] for op in rule.ops if op.name == "todo"]
    return todo


def test_every_pack_has_a_pointer_rule_per_family():
    assert sorted(POINTERS) == sorted(pf.name for pf in PROVIDERS)
    for provider, plan in PLANS:
        for family in FAMILIES:
            message = _pointer(provider, plan, family)
            assert POINTERS[provider][family] in message, (provider, plan, family, message)
            assert any(word.lower() in message.lower() for word in NAMED[family].split("|")), (provider, family, message)


def _git_repo(path: Path, source: str) -> Path:
    path.mkdir()
    (path / "app.py").write_text(source, encoding="utf-8")
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )
    for args in (["init", "-q"], ["add", "app.py"], ["commit", "-q", "-m", "app"]):
        subprocess.run(["git", *args], cwd=path, check=True, env=env)
    return path


#: family -> a program using it (scan's matrix lists a plan's five commonest reasons, so one family a run)
PROGRAMS = {
    "assistants": 'helper = client.beta.assistants.create(model="gpt-4o", name="helper")',
    "vector-stores": 'store = client.vector_stores.create(name="docs")',
    "files": 'upload = client.files.create(file=open("train.jsonl", "rb"), purpose="fine-tune")',
    "fine-tuning": 'job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file="file-abc")',
    "batches": 'batch = client.batches.create(input_file_id="file-abc", endpoint="/v1/chat/completions", completion_window="24h")',
    "images": 'edited = client.images.edit(model="dall-e-2", image=open("cat.png", "rb"), prompt="add a hat")',
    "audio": 'text = client.audio.transcriptions.create(model="whisper-1", file=open("talk.mp3", "rb"))',
    "moderations": 'verdict = client.moderations.create(input="some text")',
    "responses": 'answer = client.responses.create(model="gpt-4o", input="hello")',
}


@pytest.mark.parametrize("family", FAMILIES)
def test_scan_json_carries_each_packs_pointer(tmp_path, family):
    source = f"from openai import OpenAI\n\nclient = OpenAI()\n{PROGRAMS[family]}\n"
    repo = _git_repo(tmp_path / "repo", source)
    env = dict(os.environ, MIGRATOR_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run(
        [sys.executable, "-m", "migrator", "scan", str(repo), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = {(r["provider"], r["plan"]): r for r in json.loads(done.stdout)["readiness"]}
    assert sorted(rows) == sorted(PLANS)
    for (provider, plan), row in rows.items():
        pointer = _pointer(provider, plan, family)
        assert row["reasons"] == [f"{pointer} (×1)"], (provider, plan, row["reasons"])
        assert row["manual"] == 1 and row["automatic"] == 0


def test_fixture_inputs_are_one_file():
    """Every pack's fixture migrates the same program, so the packs are compared on one input:
    fixtures/cases/openai-only-apis/input.py, with an expected output for every offered plan."""
    from migrator.testing import fixture_cases

    cases = [c for c in fixture_cases(ROOT / "fixtures") if c.name == FIXTURE]
    assert {case.dir for case in cases} == {ROOT / "fixtures" / "cases" / FIXTURE}
    assert sorted((c.provider, c.plan) for c in cases if c.expected.exists()) == sorted(PLANS)


#: how a pointer's `Client()` is built to look its resources up (dummy keys; nothing is sent)
CONSTRUCT = {
    "zhipuai.ZhipuAI": lambda cls: cls(api_key="id.secret"),
    "volcenginesdkarkruntime.Ark": lambda cls: cls(api_key="k"),
    "dashscope.Client": lambda cls: cls(api_key="k"),
    # credentials given here: qianfan reads QIANFAN_AK/SK once, when first imported (maybe by an earlier test)
    "qianfan.Text2Image": lambda cls: cls(ak="ak", sk="sk"),
}
SDK_NAME = r"\b(?:dashscope|qianfan|zhipuai|volcenginesdkarkruntime)(?:\.[A-Za-z_]\w*(?:\(\))?)+"


def _resolve(dotted: str):
    import importlib
    import warnings

    parts = dotted.split(".")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dashscope warns that its Assistants API is deprecated, and of its gateway
        obj = importlib.import_module(parts[0])
        path = parts[0]
        for part in parts[1:]:
            name, built = part.rstrip("()"), part.endswith("()")
            try:
                obj = getattr(obj, name)
            except AttributeError:
                obj = importlib.import_module(f"{path}.{name}")
            path = f"{path}.{name}"
            if built:
                obj = CONSTRUCT[path](obj)
    return obj


def test_every_sdk_call_a_pointer_names_exists_in_the_pinned_sdks(monkeypatch):
    """A pointer names only what the provider's SDK (tests/requirements-providers.txt) really has."""
    import re

    monkeypatch.setenv("QIANFAN_AK", "ak")
    monkeypatch.setenv("QIANFAN_SK", "sk")
    named = set()
    for provider, plan in PLANS:
        for family in FAMILIES:
            named.update(re.findall(SDK_NAME, _pointer(provider, plan, family)))
    assert len(named) > 15, named
    for dotted in sorted(named):
        assert _resolve(dotted) is not None, dotted  # an AttributeError / ImportError names what is missing
