"""Reproductions of the fifth reach review (three unseen PyPI packages: gpt-json 0.5.1, chatblade
0.7.0, tanuki.py 0.2.0; findings T1..Tn in the review's findings).

Each test states the correct behaviour; each was marked ``xfail(strict=True)`` while it failed on the
code the review measured (main 9766a88), and passes since main fixed T0 and T1.  Runtime ones run the migrated project with the real SDK against the
provider's fake, with OpenAI's variables on a trap."""

from __future__ import annotations

from pathlib import Path


from tests.projects import apply, checkout, run_migrated
from tests.test_apply_cli import make_repo


def _run(tmp_path: Path, name: str, source: bytes, program: str):
    """apply on a project of ``app/<name>``, then run ``program`` on the migrated branch: (run, requests at the provider's fake)."""
    repo = make_repo(tmp_path, {"app/__init__.py": b"", f"app/{name}": source})
    doc = apply(repo)
    assert doc.get("branch"), doc
    migrated = checkout(tmp_path, repo, doc)
    done, received, _trap = run_migrated(tmp_path, migrated, program, (migrated / f"app/{name}").read_text())
    return done, received


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


def test_t1_a_required_api_key_parameter_passed_none_never_sends_openai_s_key_to_the_provider(tmp_path: Path):
    done, received = _run(tmp_path, "gpt.py", T1_GPT, "from app.gpt import GPTJSON\nGPTJSON(None).run('hi')\n")
    assert received, getattr(done, "stderr", "")[-2000:]
    keys = [r.headers.get("authorization") for r in received]
    assert "Bearer sk-openai-trap" not in keys, keys


# --------------------------------------------------------------------------- T0
# tanuki.py 0.2.0 OpenAI_API: the key read from OPENAI_API_KEY feeds both the SDK client (embeddings)
# and a raw `requests.post("https://api.openai.com/v1/chat/completions", headers={"Authorization":
# f"Bearer {key}"})`.  Cut down: a raw request to OpenAI's moderation endpoint beside a migratable client.
T0_APP = b'''import os

import requests
from openai import OpenAI

client = OpenAI()


def embed(texts):
    return client.embeddings.create(input=texts, model="text-embedding-3-small")


def moderate(text):
    key = os.environ["OPENAI_API_KEY"]
    r = requests.post("https://api.openai.com/v1/moderations", headers={"Authorization": f"Bearer {key}"}, json={"input": text})
    return r.json()
'''
# requests.post is replaced by a recorder: the guard only resolves the loopback
T0_PROGRAM = """import os
import requests

def post(url, headers=None, json=None, **kw):
    auth = (headers or {}).get("Authorization", "")
    for var in ("DASHSCOPE_API_KEY", "OPENAI_API_KEY"):
        if os.environ.get(var) and auth == "Bearer " + os.environ[var]:
            print("SENT", url, var)
    class R:
        def json(self):
            return {}
    return R()

requests.post = post
from app.llm import embed, moderate
embed(["hi"])
moderate("hi")
"""


def test_t0_the_provider_s_key_never_goes_to_api_openai_com_in_a_raw_request(tmp_path: Path):
    done, received = _run(tmp_path, "llm.py", T0_APP, T0_PROGRAM)
    out = getattr(done, "stdout", "")
    assert received and "SENT https://api.openai.com/v1/moderations" in out, (out, getattr(done, "stderr", "")[-2000:])
    assert "SENT https://api.openai.com/v1/moderations DASHSCOPE_API_KEY" not in out, out
