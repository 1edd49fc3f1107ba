"""Issue 17, item 4: a rewrite that makes a line longer than the file's line length (ruff's or
black's line-length, 88 by default) lays the generated call's arguments out one per line with a
trailing comma (black's style); bytes outside the rewritten statements stay identical, the result
parses, and a second run changes nothing."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from migrator.engine.layout import wrap_long_calls
from tests.test_i18n import _cli, _git

BEFORE = '''from openai import OpenAI

x  =  1   # odd spacing, kept
client = OpenAI()


class Bot:
    def ask(self, q):
        r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
        return r.choices[0].message.content

    def short(self, q):
        return client.chat.completions.create(model="gpt-4o", messages=q)
'''

AFTER = '''import os

from openai import OpenAI

x  =  1   # odd spacing, kept
client = OpenAI(
    base_url=os.environ.get("DEEPSEEK_BASE_URL", "https://api.deepseek.com"),
    api_key=os.environ["DEEPSEEK_API_KEY"],
)


class Bot:
    def ask(self, q):
        r = client.chat.completions.create(
            model="deepseek-chat",
            messages=[{"role": "user", "content": q}],
        )
        return r.choices[0].message.content

    def short(self, q):
        return client.chat.completions.create(model="deepseek-chat", messages=q)
'''


def _repo(tmp_path, files):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "dev")
    for name, text in files.items():
        (repo / name).write_text(text)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "init")
    return repo


def _migrated(repo, name="app.py"):
    proc = _cli(repo, "apply", ".", "--provider", "deepseek", "--no-diff", LANG="C.UTF-8")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return _git(repo, "show", f"migrator/deepseek-compat:{name}")


def test_a_long_generated_call_is_wrapped_black_style_and_a_second_run_changes_nothing(tmp_path):
    repo = _repo(tmp_path, {"app.py": BEFORE})
    after = _migrated(repo)
    assert after == AFTER
    ast.parse(after)
    assert max(len(line) for line in after.splitlines()) <= 88
    _git(repo, "switch", "-q", "migrator/deepseek-compat")
    again = _cli(repo, "apply", ".", "--provider", "deepseek", "--dry-run", LANG="C.UTF-8")
    assert again.returncode == 0, again.stdout + again.stderr  # nothing left to change
    assert _git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    "config,wrapped",
    [
        ("[tool.ruff]\nline-length = 130\n", False),
        ("[tool.black]\nline-length = 130\n", False),
        ("[tool.ruff]\nline-length = 130\n\n[tool.black]\nline-length = 60\n", False),  # ruff's first
        ("[tool.black]\nline-length = 'long'\n", True),  # not a number: the default
    ],
)
def test_the_line_length_comes_from_ruff_or_black(tmp_path, config, wrapped):
    repo = _repo(tmp_path, {"app.py": BEFORE, "pyproject.toml": config})
    after = _migrated(repo)
    assert ("client = OpenAI(\n    base_url=" in after) is wrapped, after
    ast.parse(after)


def test_a_ruff_toml_narrower_than_88_wraps_more(tmp_path):
    repo = _repo(tmp_path, {"app.py": BEFORE, "ruff.toml": "line-length = 70\n"})
    after = _migrated(repo)
    assert "        return client.chat.completions.create(\n            model=\"deepseek-chat\",\n" in after, after


def _renamed(source: str, limit):
    """The real wrap on a real LibCST edit: every ``model="gpt-4o"`` becomes a longer name."""

    class Rename(cst.CSTTransformer):
        def leave_Arg(self, original, updated):
            if updated.keyword is not None and updated.keyword.value == "model":
                return updated.with_changes(value=cst.SimpleString('"a-much-longer-model-name-for-the-provider"'))
            return updated

    module = cst.parse_module(source)
    return wrap_long_calls(module, module.visit(Rename()), limit).code


def test_only_changed_statements_wrap_and_untouched_long_lines_stay():
    long_untouched = "y = compute(" + ", ".join(f"argument_{i}" for i in range(12)) + ")\n"
    source = long_untouched + 'r = create(model="gpt-4o", messages=messages, temperature=0.2, extra="x")\n'
    out = _renamed(source, 88)
    assert out.startswith(long_untouched)
    assert out.endswith(
        'r = create(\n    model="a-much-longer-model-name-for-the-provider",\n    messages=messages,\n'
        '    temperature=0.2,\n    extra="x",\n)\n'
    ), out
    assert _renamed(source, None).count("\n") == 2  # no line length given: nothing wraps


def test_tabs_a_comment_and_a_bare_generator_are_respected():
    source = (
        "def f(q):\n\tif q:\n\t\treturn create(model=\"gpt-4o\", messages=q, temperature=0.5)  # why\n"
        "\treturn total(create(model=\"gpt-4o\") for _ in q)\n"
    )
    out = _renamed(source, 60)
    ast.parse(out)
    assert "\t\treturn create(\n\t\t\tmodel=" in out and "\t\t)  # why\n" in out, out
    assert "total(create(" in out and "for _ in q)" in out  # f(x for x in y,) would not parse: the inner call wraps
