"""A client one module holds (a base class's ``self.client``, a module-level ``client``) set
again in another module (a subclass's ``self.client = AzureOpenAI(...)``, ``pkg.base.client =
OpenAI(base_url=<Ollama>)``): the base's calls may run on that other client, so neither moves
(analyzer/project.py ``rebound``), reported; scan counts what apply leaves.  Run end to end on
real git repositories, and the migrated package run with the real openai SDK: the other server
still receives the model and key it was written for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

import pytest

from tests.test_apply_cli import git, make_repo, run

BASE = b'''from openai import OpenAI


class BaseLLM:
    def __init__(self):
        self.client = OpenAI()

    def ask(self, question):
        reply = self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
        return reply.choices[0].message.content


client = OpenAI()


def ask(question):
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    return reply.choices[0].message.content
'''

AZURE = 'AzureOpenAI(api_key="k", api_version="2024-06-01", azure_endpoint="https://x.openai.azure.com")'
OLLAMA = 'OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")'

SUBCLASS = '''from openai import AzureOpenAI, OpenAI

from pkg.base import BaseLLM


class OtherLLM(BaseLLM):
    def __init__(self):
        super().__init__()
        self.client = {value}
'''

MODULE = '''from openai import AzureOpenAI, OpenAI

{imports}


def use_other():
    {target} = {value}
'''


def files(**extra: str) -> Dict[str, bytes]:
    out = {"pkg/__init__.py": b"", "pkg/base.py": BASE}
    out.update({f"pkg/{name}.py": text.encode() for name, text in extra.items()})
    return out


def apply(repo: Path, *args: str) -> dict:
    proc = run("apply", "--provider", "dashscope", "--format", "json", "--yes", *args, cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def changed(doc: dict, path: str) -> str:
    """The lines apply adds or removes in ``path``."""
    diff = next((f["diff"] for f in doc["files"] if f["path"] == path), "")
    return "\n".join(line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---"))


def stays(doc: dict, line: int) -> str:
    (message,) = [
        d["message"]
        for d in doc["diagnostics"]
        if d["rule"] == "migrator/unit" and d["path"] == "pkg/base.py" and d["line"] == line
    ]
    return message


@pytest.mark.parametrize("value", [AZURE, OLLAMA, "MockClient()"], ids=["azure", "ollama", "unknown"])
def test_a_base_class_client_a_subclass_in_another_module_sets_again_stays_whole(tmp_path: Path, value):
    repo = make_repo(tmp_path, files(other=SUBCLASS.format(value=value)))
    doc = apply(repo, "--dry-run")
    base = changed(doc, "pkg/base.py")
    assert "self.client" not in base and "BaseLLM" not in base, base  # nor the model of its call (line 9)
    assert "`self.client` is set again in pkg/other.py at line 9" in stays(doc, 6)
    assert "self.client = " not in changed(doc, "pkg/other.py")  # the subclass's own client stays too
    # the module-level client nobody sets again still moves, with its call
    assert "+client = OpenAI(" in base and 'model="qwen-plus"' in base
    assert doc["summary"]["files_failed"] == 0


@pytest.mark.parametrize(
    "imports, target",
    [("import pkg.base", "pkg.base.client"), ("from pkg import base", "base.client"), ("import pkg.base as b", "b.client")],
)
def test_a_module_client_another_module_sets_again_stays_whole(tmp_path: Path, imports, target):
    repo = make_repo(tmp_path, files(other=MODULE.format(imports=imports, target=target, value=OLLAMA)))
    doc = apply(repo, "--dry-run")
    base = changed(doc, "pkg/base.py")
    assert f"`{target}` is set again in pkg/other.py at line 7" in stays(doc, 13)
    assert "+client = OpenAI(" not in base
    assert "+        self.client = OpenAI(" in base  # the class's client, set nowhere else, moves


def test_scan_counts_what_apply_leaves(tmp_path: Path):
    from migrator.apply import migrate_tree
    from migrator.readiness import predicted_left
    from migrator.ruleset import load_all, select
    from migrator.scan import ScanOptions

    repo = make_repo(
        tmp_path,
        files(
            other=SUBCLASS.format(value=AZURE),
            more=MODULE.format(imports="import pkg.base", target="pkg.base.client", value=OLLAMA),
        ),
    )
    ruleset = select(load_all([]), "dashscope", "compat")
    result = migrate_tree(str(repo), ruleset, ScanOptions(jobs=1, use_cache=False))
    predicted = predicted_left(str(repo), result.scan, ruleset)
    assert set(predicted["pkg/base.py"]) == set(result.left["pkg/base.py"]) and len(result.left["pkg/base.py"]) == 2
    proc = run("scan", "--format", "json", "--provider", "dashscope", cwd=repo)
    (row,) = [r for r in json.loads(proc.stdout)["readiness"] if r["plan"] == "compat"]
    assert row["automatic"] + row["with_diagnostics"] == 0 and row["manual"] == 2, row


def test_the_other_server_still_receives_its_model_and_key(tmp_path: Path):
    from tests.equivalence import base_env, run_program, write_guard
    from tests.fakes import FakeServer

    with FakeServer("openai") as local, FakeServer("openai") as trap, FakeServer("dashscope") as srv:
        other = f'OpenAI(base_url="{local.base_url()}", api_key="ollama")'
        repo = make_repo(
            tmp_path,
            files(
                other=SUBCLASS.format(value=other),
                more=MODULE.format(imports="import pkg.base", target="pkg.base.client", value=other),
                # a client of its own, which moves (so apply makes a branch)
                embed='from openai import OpenAI\n\nembedder = OpenAI()\n\n\ndef embed(text):\n'
                '    return embedder.embeddings.create(model="text-embedding-3-small", input=text)\n',
            ),
        )
        doc = apply(repo)
        migrated = tmp_path / "migrated"
        git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap", "DASHSCOPE_API_KEY": "x"})
        env.update({"DASHSCOPE_COMPATIBLE_BASE_URL": srv.base_url()})
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{migrated}"
        main = (
            "import pkg.base\nfrom pkg.other import OtherLLM\nfrom pkg.more import use_other\n\n"
            "print(OtherLLM().ask('hi') is not None)\nuse_other()\nprint(pkg.base.ask('hi') is not None)\n"
        )
        done = run_program(main, "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        assert [r.json["model"] for r in local.requests] == ["gpt-4o", "gpt-4o"]
        assert all(r.authorization == "Bearer ollama" for r in local.requests)
        assert trap.requests == [] and srv.requests == []


def test_another_openai_client_set_again_moves_with_the_base_s_or_stays_with_it(tmp_path: Path):
    (tmp_path / "moves").mkdir()
    repo = make_repo(tmp_path / "moves", files(other=SUBCLASS.format(value="OpenAI(max_retries=0)")))
    doc = apply(repo, "--dry-run")
    assert "+        self.client = OpenAI(" in changed(doc, "pkg/base.py") and 'model="qwen-plus"' in changed(doc, "pkg/base.py")
    assert "DASHSCOPE_API_KEY" in changed(doc, "pkg/other.py")
    assert not [d for d in doc["diagnostics"] if d["rule"] == "migrator/unit"], doc["diagnostics"]
    # the subclass's client cannot move (an Assistants call on it): the base's stays with it
    blocked = SUBCLASS.format(value="OpenAI(max_retries=0)") + (
        "\n    def make(self):\n        return self.client.beta.assistants.create(model=\"gpt-4o\", name=\"x\")\n"
    )
    (tmp_path / "stays").mkdir()
    doc = apply(make_repo(tmp_path / "stays", files(other=blocked)), "--dry-run")
    assert "self.client" not in changed(doc, "pkg/base.py") and "self.client = " not in changed(doc, "pkg/other.py")
    assert "a part of it in another module cannot move (pkg/other.py" in stays(doc, 6)


def test_a_subclass_of_a_subclass_in_a_third_module_is_followed(tmp_path: Path):
    middle = "from pkg.base import BaseLLM\n\n\nclass ChatLLM(BaseLLM):\n    pass\n"
    leaf = SUBCLASS.replace("from pkg.base import BaseLLM", "from pkg.chat import ChatLLM").replace("(BaseLLM)", "(ChatLLM)")
    repo = make_repo(tmp_path, files(chat=middle, other=leaf.format(value=AZURE)))
    doc = apply(repo, "--dry-run")
    assert "self.client" not in changed(doc, "pkg/base.py")
    assert "`self.client` is set again in pkg/other.py at line 9" in stays(doc, 6)


def test_both_openai_clients_moved_reach_the_provider_with_its_model_and_key(tmp_path: Path):
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    repo = make_repo(tmp_path, files(other=SUBCLASS.format(value="OpenAI(max_retries=0)")))
    doc = apply(repo)
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    with FakeServer("dashscope") as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env("dashscope", srv, (migrated / "pkg/other.py").read_text())[0])
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{migrated}"
        done = run_program(
            "from pkg.other import OtherLLM\n\nprint(OtherLLM().ask('hi') is not None)\n", "main.py", env, tmp_path / "run"
        )
        assert done.returncode == 0, done.tail()
        assert [r.json["model"] for r in srv.requests] == ["qwen-plus"] and trap.requests == []
        assert srv.requests[0].authorization == f"Bearer {test_key('dashscope')}"
