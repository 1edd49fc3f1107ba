"""Reproductions of the fifth reach review (three unseen PyPI packages: gpt-json 0.5.1, chatblade
0.7.0, tanuki.py 0.2.0; findings T1..Tn in the review's findings).

Each test states the correct behaviour and is marked ``xfail(strict=True)`` while it fails on the code
the review measured (main 9766a88).  Runtime ones run the migrated project with the real SDK against the
provider's fake, with OpenAI's variables on a trap."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.projects import apply, checkout, run_migrated
from tests.test_apply_cli import make_repo

# --------------------------------------------------------------------------- T1
# gpt-json 0.5.1 GPTJSON.__init__(self, api_key: str, ...): `AsyncOpenAI(api_key=api_key, max_retries=1)`;
# the parameter is documented "OpenAI API key, if `OPENAI_API_KEY` environment variable is not set", so
# callers pass None and the openai SDK reads OPENAI_API_KEY itself.
T1_GPT = b'''from openai import OpenAI


class GPTJSON:
    def __init__(self, api_key: str, temperature=0.2):
        self.temperature = temperature
        self.client = OpenAI(api_key=api_key, max_retries=1)

    def run(self, text):
        return self.client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": text}], temperature=self.temperature
        )
'''


@pytest.mark.xfail(strict=True, reason="review 5 T1: a required api_key parameter is not guarded against None")
def test_t1_a_required_api_key_parameter_passed_none_never_sends_openai_s_key_to_the_provider(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/gpt.py": T1_GPT})
    doc = apply(repo)
    assert doc.get("branch"), doc
    migrated = checkout(tmp_path, repo, doc)
    source = (migrated / "app/gpt.py").read_text()
    done, received, trap = run_migrated(tmp_path, migrated, "from app.gpt import GPTJSON\nGPTJSON(None).run('hi')\n", source)
    assert received, getattr(done, "stderr", "")[-2000:]
    keys = [r.headers.get("authorization") for r in received]
    assert "Bearer sk-openai-trap" not in keys, keys
