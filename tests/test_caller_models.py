"""The model a function (class) of the project takes as a parameter with a default, mapped where
the default is written, is also the model its callers in other modules pass: their literals are
mapped with it, and a value that cannot be followed leaves the default as it is and the call
reported (kani: the examples' `OpenAIEngine(key, model="gpt-4o-mini")` reached the provider)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.projects import apply, checkout, run_migrated
from tests.test_apply_cli import make_repo

ENGINE = b'''from openai import AsyncOpenAI


class Engine:
    def __init__(self, api_key: str = None, model: str = "gpt-4o-mini", api_base: str = None):
        self.client = AsyncOpenAI(api_key=api_key, base_url=api_base)
        self.model = model

    async def predict(self, text):
        reply = await self.client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content
'''

RUN = b'''import asyncio
import os

from pkg.engine import Engine

engine = Engine(os.getenv("OPENAI_API_KEY"), model="gpt-4o")
print(asyncio.run(engine.predict("hi")))
'''


def test_a_literal_a_caller_in_another_module_passes_is_mapped_and_reaches_the_provider(tmp_path: Path):
    from tests.equivalence import test_key

    repo = make_repo(tmp_path, {"pkg/__init__.py": b"", "pkg/engine.py": ENGINE, "examples/run.py": RUN})
    migrated = checkout(tmp_path, repo, apply(repo))
    run_py = (migrated / "examples/run.py").read_text()
    assert 'model="qwen-plus"' in run_py and 'model: str = "qwen-flash"' in (migrated / "pkg/engine.py").read_text()
    done, sent, trapped = run_migrated(tmp_path, migrated, run_py, (migrated / "pkg/engine.py").read_text())
    assert done.returncode == 0, done.tail()
    assert trapped == [] and [r.json["model"] for r in sent] == ["qwen-plus"]
    assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent)


@pytest.mark.parametrize("call", ['Engine(key, model=os.environ["MODEL"])', "Engine(key, **options)", 'Engine(key, choice)'])
def test_a_value_a_caller_passes_that_cannot_be_followed_leaves_the_default(tmp_path: Path, call):
    caller = ("import os\nfrom pkg.engine import Engine\n\n\ndef make(key, options, choice):\n    return " + call + "\n").encode()
    repo = make_repo(tmp_path, {"pkg/__init__.py": b"", "pkg/engine.py": ENGINE, "app.py": caller})
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert "app.py" not in diffs and "qwen" not in diffs.get("pkg/engine.py", ""), diffs
    reported = [d for d in doc["diagnostics"] if d["path"] == "pkg/engine.py" and d["line"] == 10]
    assert reported, doc["diagnostics"]


def test_a_client_built_unless_the_caller_gives_one_moves_with_its_callers_key_and_model(tmp_path: Path):
    # kani: `self.client = client or AsyncOpenAI(...)` left its calls unresolved, so the examples
    # kept OPENAI_API_KEY and gpt-4o-mini "for a client that stays" while the client moved
    engine = ENGINE.replace(b"api_base: str = None):", b"api_base: str = None, client: AsyncOpenAI = None):").replace(
        b"self.client = AsyncOpenAI(", b"self.client = client or AsyncOpenAI("
    )
    repo = make_repo(tmp_path, {"pkg/__init__.py": b"", "pkg/engine.py": engine, "examples/run.py": RUN})
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert '+engine = Engine(os.getenv("DASHSCOPE_API_KEY"), model="qwen-plus")' in diffs["examples/run.py"], diffs
    assert not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc["diagnostics"]
