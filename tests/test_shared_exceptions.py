"""openai exception classes a module of the project names (a shared tuple, a re-export) and
another module catches around its calls: a native plan cannot change them there, so the client
they guard keeps the openai SDK (served at the provider's compatible endpoint) and the program's
own handler still catches what the client raises."""

from __future__ import annotations

from pathlib import Path

from tests.projects import apply, checkout, run_migrated
from tests.test_apply_cli import make_repo

ERRORS = b'''import openai

RETRYABLE = (openai.RateLimitError, openai.APITimeoutError, openai.APIConnectionError)
'''

ERRORS_REEXPORT = b'''from openai import RateLimitError  # noqa: F401
'''

CLIENT = b'''from openai import OpenAI

from app.errors import RETRYABLE

client = OpenAI()


def ask(text):
    for _attempt in range(3):
        try:
            reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
            return reply.choices[0].message.content
        except RETRYABLE:
            pass
    return "gave up"
'''


def test_a_native_plan_keeps_the_openai_sdk_where_a_shared_tuple_of_its_exceptions_is_caught(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/errors.py": ERRORS, "app/client.py": CLIENT})
    doc = apply(repo, "--plan", "native")
    hybrid = [d["message"] for d in doc["diagnostics"] if d["rule"] == "migrator/hybrid" and d["path"] == "app/client.py"]
    assert hybrid and "named `RETRYABLE` in another module" in hybrid[0], doc["diagnostics"]
    migrated = checkout(tmp_path, repo, doc)
    client = (migrated / "app/client.py").read_text()
    assert "from openai import OpenAI" in client and "except RETRYABLE:" in client and "dashscope.Client" not in client
    # before: the client became dashscope's, whose RateLimitError escaped the program's handler
    done, sent, trapped = run_migrated(tmp_path, migrated, "from app.client import ask\nprint(ask('ERR429'))\n", client)
    assert done.returncode == 0, done.tail()
    assert "gave up" in done.stdout and len(sent) >= 3 and trapped == []


def test_a_re_exported_exception_guards_its_calls_too(tmp_path: Path):
    client = CLIENT.replace(b"from app.errors import RETRYABLE", b"from app.errors import RateLimitError as RETRYABLE")
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/errors.py": ERRORS_REEXPORT, "app/client.py": client})
    doc = apply(repo, "--plan", "native", "--dry-run")
    assert any(d["rule"] == "migrator/hybrid" and d["path"] == "app/client.py" for d in doc["diagnostics"]), doc["diagnostics"]
    # under a compat plan the openai SDK stays, and so do its exceptions: the client moves
    doc = apply(repo, "--dry-run")
    assert "DASHSCOPE_API_KEY" in {f["path"]: f["diff"] for f in doc["files"]}["app/client.py"]
