"""openai exception classes a module of the project names (a shared tuple, a re-export) and
another module catches around its calls: a native plan cannot change them there, so the client
they guard keeps the openai SDK (served at the provider's compatible endpoint) and the program's
own handler still catches what the client raises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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


PACKAGE_ERRORS = {"app/__init__.py": b"from .errors import RETRYABLE  # noqa: F401\n", "app/errors.py": ERRORS}


@pytest.mark.parametrize(
    "imports,caught",
    [
        (b"from app import RETRYABLE", b"        except RETRYABLE:"),  # re-exported by the package
        (b"from app.errors import RETRYABLE\nMORE = RETRYABLE + (TimeoutError,)", b"        except MORE:"),  # a derived tuple
        (b"from app.errors import *  # noqa: F403", b"        except RETRYABLE:  # noqa: F405"),  # a star import
        (
            b"from app.errors import RETRYABLE\n\n\ndef _handled(exc):\n    return isinstance(exc, RETRYABLE)",
            b"        except Exception as exc:\n            if not _handled(exc):\n                raise",
        ),  # tested in a helper
    ],
)
def test_shared_exceptions_reached_in_other_ways_keep_the_openai_sdk_under_a_native_plan(tmp_path: Path, imports, caught):
    client = CLIENT.replace(b"from app.errors import RETRYABLE", imports).replace(b"        except RETRYABLE:", caught)
    repo = make_repo(tmp_path, PACKAGE_ERRORS | {"app/client.py": client})
    doc = apply(repo, "--plan", "native", "--dry-run")
    assert any(d["rule"] == "migrator/hybrid" and d["path"] == "app/client.py" for d in doc["diagnostics"]), doc["diagnostics"]
    assert "dashscope.Client" not in json.dumps(doc["files"])
