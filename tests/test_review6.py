"""Reproductions of the sixth reach review (set 5 of ``benchmarks/reach_review.py``: shell-gpt 1.5.1,
llmx 0.0.21a0, taskgen-ai 4.0.1, fructose 0.0.13, embedchain 0.1.128; findings F1..Fn in
``benchmarks/reach_review5.md``).

Each test states the correct behaviour, in code cut down from the package's own.  Those fixed on the
review's branch pass; the rest are ``xfail(strict=True)`` with the reason.  Runtime ones run the
migrated project with the real SDK against the provider's fake, with OpenAI's variables on a trap."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

from tests.projects import apply, checkout, run_migrated
from tests.test_apply_cli import make_repo


def _run(tmp_path: Path, files: Dict[str, bytes], program: str, provider: str = "dashscope", *args: str):
    """apply on a project of ``app/<name>`` files, then run ``program`` on the migrated branch:
    (the report, the run, requests at the provider's fake, requests at the trap)."""
    repo = make_repo(tmp_path, {"app/__init__.py": b"", **{f"app/{k}": v for k, v in files.items()}})
    doc = apply(repo, *args, provider=provider)
    assert doc.get("branch"), doc
    migrated = checkout(tmp_path, repo, doc)
    source = "\n".join((migrated / f"app/{name}").read_text() for name in files)
    done, received, trap = run_migrated(tmp_path, migrated, program, source, provider=provider)
    return doc, done, received, trap


def _models(received) -> list:
    return [r.json.get("model") for r in received if isinstance(r.json, dict)]


def _only_provider_models(tmp_path: Path, files: Dict[str, bytes], program: str) -> None:
    """apply, run ``program``: it succeeds, OpenAI sees nothing, the provider only its own models."""
    _doc, done, received, trap = _run(tmp_path, files, program)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not trap
    assert _models(received) and all(m and not m.startswith("gpt") for m in _models(received)), _models(received)


# --------------------------------------------------------------------------- F1
# fructose 0.0.13 Fructose: `client = openai.Client(api_key=os.environ['OPENAI_API_KEY'])` in
# __init__ (when the caller passes none), `self._client = client`, and the calls are made from the
# decorator's closure: `def decorator(func): LLMFunctionHandler(client=self._client, model=model, ...)`.
# `self` read in a function nested in the method was not the method's `self`: the client moved to
# the provider, its calls (unresolved, or handed to another module "a client this analysis cannot
# follow" and left whole) kept OpenAI's model, and the provider received gpt-4o.
F1_APP = b'''import os

import openai


class Fructose:
    def __init__(self, client=None, model="gpt-4o"):
        if client is None:
            client = openai.Client(api_key=os.environ["OPENAI_API_KEY"])
        self._client = client
        self._model = model

    def __call__(self, func):
        def decorator(f):
            def wrapper(text):
                return self._client.chat.completions.create(
                    model=self._model, messages=[{"role": "user", "content": f(text)}]
                )

            return wrapper

        return decorator(func)
'''


def test_f1_a_client_used_from_a_closure_of_its_method_moves_with_its_model(tmp_path: Path):
    program = "from app.ai import Fructose\nai = Fructose()\nprint(ai(lambda t: t)('hi').choices[0].message.content)\n"
    _only_provider_models(tmp_path, {"ai.py": F1_APP}, program)
