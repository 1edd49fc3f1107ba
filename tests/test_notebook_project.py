"""Notebooks followed into the project's modules (issue 15, "Reach"): a notebook is analysed like a
module that imports others (it is never imported itself). Its calls on a client a module builds
move with that client's unit (model mapped, fields) or keep it whole; models it passes to a
project function are followed like a module caller's; a client it builds and hands to a project
class is followed as a caller's. Run on real git repositories through the CLI, and the migrated
notebook's code cells executed in order with the real openai SDK against the provider's fake,
OpenAI's variables on a trap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import pytest

from tests.projects import apply, checkout, run_migrated
from tests.test_apply_cli import make_repo, run

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "notebooks"
LLM = (FIXTURES / "imported_client/project/app/llm.py").read_bytes()  # a module client, factory and model
AGENT = (FIXTURES / "handed_client/project/app/agent.py").read_bytes()  # a class taking a client


#: the notebook's cells: ("markdown" | "code", source)
CELLS = [
    ("markdown", "# Trying the assistant"),
    ("code", "%pip install openai\nfrom app.llm import client, MODEL, make_client, ask\nimport app.llm as llm"),
    (
        "code",
        'reply = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}],\n'
        "                                       max_completion_tokens=20)\n"
        "print(reply.choices[0].message.content)",
    ),
    (
        "code",
        'c = make_client()\nprint(c.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}]).id)',
    ),
    ("code", 'print(len(llm.client.embeddings.create(model="text-embedding-3-small", input="x").data[0].embedding))'),
    ("code", "print(ask('hi', model='gpt-4o'))"),
]


def notebook(cells: List[tuple]) -> bytes:
    """An nbformat-4 notebook (as Jupyter writes it: indent 1, sources as lists of lines, outputs)."""
    out = []
    for kind, source in cells:
        cell: Dict[str, object] = {"cell_type": kind, "metadata": {"tags": ["x"]}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=1, outputs=[{"name": "stdout", "output_type": "stream", "text": ["é ok\n"]}])
        out.append(cell)
    nb = {"cells": out, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode()


def program(path: Path) -> str:
    """The notebook's code cells in order, as one program (IPython's magics left out)."""
    nb = json.loads(path.read_text())
    lines = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            lines += [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return "\n".join(lines) + "\n"


def repo_with(tmp_path: Path, cells: List[tuple], **modules: bytes) -> Path:
    files = {"app/__init__.py": b"", "nb/demo.ipynb": notebook(cells)}
    files.update({f"app/{name}.py": data for name, data in modules.items()})
    return make_repo(tmp_path, files)


def sources(path: Path) -> List[str]:
    nb = json.loads(path.read_text())
    return ["".join(c["source"]) for c in nb["cells"]]


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_a_notebook_s_calls_on_a_module_s_client_move_with_it_and_reach_the_provider(tmp_path: Path, plan: str):
    from tests.equivalence import test_key

    repo = repo_with(tmp_path, CELLS, llm=LLM)
    before = json.loads((repo / "nb/demo.ipynb").read_text())
    doc = apply(repo, "--plan", plan)
    assert doc["summary"]["files_failed"] == 0
    migrated = checkout(tmp_path, repo, doc)
    cells = sources(migrated / "nb/demo.ipynb")
    assert 'MODEL = "qwen-plus"' in (migrated / "app/llm.py").read_text()  # the notebook's only use: model=
    assert "max_tokens=20" in cells[2] and "max_completion_tokens" not in cells[2], cells[2]
    assert 'model="qwen-plus"' in cells[3] and 'model="text-embedding-v4"' in cells[4], cells
    assert "model='qwen-plus'" in cells[5] and cells[1].startswith("%pip install openai\n"), cells
    # everything but the sources of the cells migrated is byte for byte the user's
    after = json.loads((migrated / "nb/demo.ipynb").read_text())
    assert [{k: v for k, v in c.items() if k != "source"} for c in after["cells"]] == [
        {k: v for k, v in c.items() if k != "source"} for c in before["cells"]
    ]
    assert (
        after["metadata"] == before["metadata"] and sources(migrated / "nb/demo.ipynb")[:2] == sources(repo / "nb/demo.ipynb")[:2]
    )

    done, sent, trapped = run_migrated(
        tmp_path, migrated, program(migrated / "nb/demo.ipynb"), (migrated / "app/llm.py").read_text()
    )
    assert done.returncode == 0, done.tail()
    assert trapped == []
    assert [r.json["model"] for r in sent] == ["qwen-plus", "qwen-plus", "text-embedding-v4", "qwen-plus"]
    assert sent[0].json["max_tokens"] == 20
    assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent)


def test_a_notebook_call_that_cannot_move_keeps_the_module_s_client_everywhere(tmp_path: Path):
    cells = CELLS[:3] + [("code", "client.beta.assistants.create(model='gpt-4o', name='x')")]
    repo = repo_with(tmp_path, cells, llm=LLM)
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    # the module's client and every call on it stay on OpenAI: the notebook's, and ask()'s
    assert "+client = OpenAI(" not in diffs.get("app/llm.py", "") and "qwen" not in diffs.get("nb/demo.ipynb", ""), diffs
    assert 'MODEL = "qwen' not in diffs.get("app/llm.py", "") and 'model="qwen-flash"' not in diffs.get("app/llm.py", "")
    units = [d for d in doc["diagnostics"] if d["rule"] == "migrator/unit"]
    assert any(d["path"] == "app/llm.py" and "nb/demo.ipynb" in d["message"] for d in units), units
    assert any(d["path"] == "nb/demo.ipynb" and d["cell"] == 3 for d in units), units
    # the factory's client is another client: it still moves
    assert "+    return OpenAI(\n+        base_url=" in diffs["app/llm.py"], diffs["app/llm.py"]


def test_a_client_a_notebook_builds_and_hands_to_a_project_class_moves_or_stays_with_its_calls(tmp_path: Path):
    from tests.equivalence import test_key

    built = ("code", "from openai import OpenAI\nfrom app.agent import Agent\nclient = OpenAI()")
    used = ("code", "print(Agent(client).run('hi'))")
    # the notebook's client cannot move (an Assistants call): Agent's calls are made on it, so
    # they stay too (its model default was mapped for a client left on OpenAI)
    (tmp_path / "stays").mkdir()
    repo = repo_with(
        tmp_path / "stays", [built, used, ("code", "client.beta.assistants.create(model='gpt-4o', name='x')")], agent=AGENT
    )
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert "app/agent.py" not in diffs and "DASHSCOPE_API_KEY" not in diffs.get("nb/demo.ipynb", ""), diffs
    assert any(d["path"] == "app/agent.py" and d["rule"] == "migrator/unit" for d in doc["diagnostics"]), doc["diagnostics"]
    # it can: both move, and the request reaches the provider with its key and model
    (tmp_path / "moves").mkdir()
    repo = repo_with(tmp_path / "moves", [built, used], agent=AGENT)
    migrated = checkout(tmp_path / "moves", repo, apply(repo))
    assert 'model="qwen-flash"' in (migrated / "app/agent.py").read_text()
    code = program(migrated / "nb/demo.ipynb")
    done, sent, trapped = run_migrated(tmp_path / "moves", migrated, code, code)
    assert done.returncode == 0, done.tail()
    assert trapped == [] and [r.json["model"] for r in sent] == ["qwen-flash"]
    assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent)


@pytest.mark.parametrize("stays", [False, True])
@pytest.mark.parametrize("provider,plan", [("dashscope", "compat"), ("dashscope", "native"), ("deepseek", "compat")])
def test_scan_counts_a_notebook_s_calls_on_a_module_s_client_as_apply_plans_them(tmp_path: Path, provider, plan, stays):
    cells = CELLS + ([("code", "client.beta.assistants.create(model='gpt-4o', name='x')")] if stays else [])
    repo = repo_with(tmp_path, cells, llm=LLM)
    proc = run("scan", "--format", "json", "--provider", provider, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    (row,) = [r for r in json.loads(proc.stdout)["readiness"] if r["plan"] == plan]
    doc = apply(repo, "--dry-run", "--plan", plan, provider=provider)
    # ask()'s call, and the notebook's three (four) calls (``ask(...)`` passes a model: no call site)
    assert row["automatic"] + row["with_diagnostics"] + row["manual"] == 4 + stays, row
    left = {(d["path"], d["cell"]) for d in doc["diagnostics"] if d["severity"] == "manual" and d["path"] == "nb/demo.ipynb"}
    if stays or provider == "deepseek":  # (DeepSeek has no embeddings API: cell 5's call cannot move)
        # every call on the module's client is left for a person: ask()'s, and the notebook's
        # (the factory's client, another one, still moves)
        calls = {3, 5, 7} if stays else {3, 5}
        assert row["manual"] == 1 + len(calls), row
        assert {("nb/demo.ipynb", n) for n in calls} <= left, doc["diagnostics"]
        assert ("nb/demo.ipynb", 4) not in left and any(
            d["path"] == "app/llm.py" and d["line"] == 3 and d["severity"] == "manual" for d in doc["diagnostics"]
        )
    else:
        assert row["manual"] == 0 and left == set() and doc["summary"]["left_for_review"] == 0, (row, doc["diagnostics"])


def test_a_module_s_client_read_as_an_attribute_of_its_imported_module_moves_with_it(tmp_path: Path):
    # ``import app.llm as llm; llm.client.chat...`` (a module as a notebook does it): the calls were
    # not tied to the client, which moved while they kept OpenAI's model
    caller = b'import app.llm as llm\n\nprint(llm.client.chat.completions.create(model="gpt-4o", messages=[]).id)\n'
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/llm.py": LLM, "main.py": caller})
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert '+print(llm.client.chat.completions.create(model="qwen-plus", messages=[]).id)' in diffs["main.py"], diffs
    assert "+client = OpenAI(" in diffs["app/llm.py"]


@pytest.mark.parametrize(
    "where,importing",
    [("main.py", "from app import llm"), ("app/main.py", "from . import llm"), ("nb/demo.ipynb", "from app import llm")],
)
def test_a_module_imported_from_its_package_reaches_its_client_holders(tmp_path: Path, where: str, importing: str):
    # ``from app import llm`` (a module, not a name it defines): ``llm.client.chat...`` and
    # ``llm.make_client()`` were not followed into app/llm.py, so the calls kept OpenAI's models
    # while the clients they run on moved to the provider
    from tests.equivalence import test_key

    body = (
        f"{importing}\n"
        'print(llm.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}]).id)\n'
        'print(llm.make_client().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}]).id)\n'
    )
    caller = notebook([("code", body)]) if where.endswith(".ipynb") else body.encode()
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/llm.py": LLM, where: caller})
    proc = run("scan", "--format", "json", "--provider", "dashscope", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    doc = apply(repo)
    assert doc["summary"]["left_for_review"] == 0, doc["diagnostics"]
    migrated = checkout(tmp_path, repo, doc)
    code = program(migrated / where) if where.endswith(".ipynb") else (migrated / where).read_text()
    assert 'model="qwen-plus"' in code and 'model="qwen-flash"' in code, code
    # scan counts the caller's two calls and ask()'s as apply moves them
    (row,) = [r for r in json.loads(proc.stdout)["readiness"] if r["plan"] == "compat"]
    assert (row["automatic"] + row["with_diagnostics"], row["manual"]) == (3, 0), row
    run_code = code.replace("from . import llm", "from app import llm")  # (run as a script)
    done, sent, trapped = run_migrated(tmp_path, migrated, run_code, (migrated / "app/llm.py").read_text())
    assert done.returncode == 0, done.tail()
    assert trapped == [] and [r.json["model"] for r in sent] == ["qwen-plus", "qwen-flash"]
    assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent)


def test_a_name_a_later_cell_binds_to_something_else_is_no_longer_the_module_s_client(tmp_path: Path):
    cells = [
        ("code", "from app.llm import client"),
        ("code", "from mylib import Other\nclient = Other()"),
        ("code", 'client.chat.completions.create(model="gpt-4o", messages=[])'),
    ]
    repo = repo_with(tmp_path, cells, llm=LLM)
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert "nb/demo.ipynb" not in diffs and "+client = OpenAI(" in diffs["app/llm.py"], diffs


def test_a_notebook_client_whose_endpoint_is_a_module_setting_unset_by_default_reaches_the_provider(tmp_path: Path):
    # ``OpenAI(base_url=config.LLM_BASE_URL)`` with ``LLM_BASE_URL = os.getenv(...)`` in app/config.py:
    # unset, the client talks to OpenAI; a module's was retargeted, a notebook's left for a person
    from tests.equivalence import test_key

    files = project_files("settings_endpoint")
    repo = make_repo(tmp_path, files)
    migrated = checkout(tmp_path, repo, apply(repo))
    code = program(migrated / "nb/demo.ipynb")
    assert "config.LLM_BASE_URL or " in code and 'model="qwen-plus"' in code, code
    done, sent, trapped = run_migrated(tmp_path, migrated, code, code)
    assert done.returncode == 0, done.tail()
    assert trapped == [] and [r.json["model"] for r in sent] == ["qwen-plus"]
    assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent)


# ------------------------------------------------------------------ fixtures

PLANS = [("dashscope", "compat"), ("dashscope", "native"), ("deepseek", "compat")]


def project_files(case: str) -> Dict[str, bytes]:
    root = FIXTURES / case / "project"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("provider,plan", PLANS)
@pytest.mark.parametrize("case", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_fixture_projects(tmp_path: Path, case: str, provider: str, plan: str):
    """fixtures/projects/notebooks/<case>/: ``project/`` migrated by apply is
    ``expected/<provider>.<plan>/`` (a file absent there: unchanged), and applying again to the
    result changes nothing."""
    files = project_files(case)
    repo = make_repo(tmp_path, files)
    doc = apply(repo, "--plan", plan, provider=provider)
    assert doc["summary"]["files_failed"] == 0, doc
    migrated = checkout(tmp_path, repo, doc) if doc.get("branch") else repo
    expected = FIXTURES / case / "expected" / f"{provider}.{plan}"
    for path, data in files.items():
        want = (expected / path).read_bytes() if (expected / path).exists() else data
        assert (migrated / path).read_bytes().decode() == want.decode(), path
    again = run("apply", "--provider", provider, "--plan", plan, "--format", "json", "--dry-run", cwd=migrated)
    assert again.returncode in (0, 1), again.stderr
    assert [f["path"] for f in json.loads(again.stdout)["files"] if f["path"] != ".migrator.toml"] == []
