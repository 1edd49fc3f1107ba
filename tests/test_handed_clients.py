"""A client built in one module and handed to a function or class of another module of the
project, which calls the API on the parameter it takes (annotated as a client): the two are one
client to the whole-project pass.  They move together (the caller's endpoint and key, the
callee's models) or stay together, and scan predicts the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

import pytest

from migrator.analyzer.project import ProjectIndex
from migrator.analyzer.python import analyze_python
from tests.projects import apply, checkout, run_migrated
from tests.test_apply_cli import make_repo, run

AGENT = b'''from openai import OpenAI


class Agent:
    def __init__(self, client: OpenAI, model: str = "gpt-4o"):
        self.client = client
        self.model = model

    def run(self, text):
        reply = self.client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content


def summarise(text, *, llm: "OpenAI"):
    return llm.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}]).model
'''

MAIN = b'''import os

from openai import OpenAI

from app.agent import Agent, summarise


def main():
    client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
    print(Agent(client).run("hi"))
    print(summarise("text", llm=client))


if __name__ == "__main__":
    main()
'''

# a caller whose client takes its endpoint at run time: it stays, so the callee's calls stay too
RUNTIME = b'''from openai import OpenAI

from app.agent import Agent


def other(url):
    return Agent(client=OpenAI(base_url=url)).run("x")
'''

# a callee that puts the client in a list instead of calling it: nothing can be followed
UNFOLLOWED = b'''from openai import OpenAI


class Holder:
    def __init__(self, client: OpenAI):
        self.kept = [client]


def ping(client: OpenAI):
    return client.chat.completions.create(model="gpt-4o", messages=[])
'''


def project(**extra: bytes) -> Dict[str, bytes]:
    files = {"app/__init__.py": b"", "app/agent.py": AGENT, "app/main.py": MAIN}
    files.update({f"app/{name}.py": data for name, data in extra.items()})
    return files


def test_the_index_exports_the_client_parameters_and_the_caller_names_them():
    index = ProjectIndex()
    index.add("app/agent.py", AGENT.decode())
    index.finish()
    assert index.exports["app.agent.Agent"]["takes"] == {"client": 0}
    assert index.exports["app.agent.summarise"]["takes"] == {"llm": -1}
    main = analyze_python(MAIN.decode(), "app/main.py", externals=index.exports)
    (client,) = [f for f in main.findings if f.kind == "client"]
    assert client.detail["_param_keys"] == [["app/agent.py", "param:Agent:client"], ["app/agent.py", "param:summarise:llm"]]
    assert "handed" not in client.detail
    agent = analyze_python(AGENT.decode(), "app/agent.py")
    keys = sorted(tuple(map(tuple, f.detail["_param_keys"])) for f in agent.findings if f.kind == "call")
    assert keys == [(("app/agent.py", "param:Agent:client"),), (("app/agent.py", "param:summarise:llm"),)]
    # without the index, the callee's use is out of sight: the client is reported as handed over
    alone = analyze_python(MAIN.decode(), "app/main.py")
    assert [f.detail.get("handed") for f in alone.findings if f.kind == "client"] == ["app.agent.Agent"]


def test_the_caller_s_client_and_the_callee_s_models_move_together_and_reach_the_provider(tmp_path: Path):
    from tests.equivalence import test_key

    repo = make_repo(tmp_path, project())
    doc = apply(repo)
    assert not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc["diagnostics"]
    migrated = checkout(tmp_path, repo, doc)
    agent = (migrated / "app/agent.py").read_text()
    assert 'model: str = "qwen-plus"' in agent and 'model="qwen-flash"' in agent, agent
    done, sent, trapped = run_migrated(
        tmp_path, migrated, "from app.main import main\nmain()\n", (migrated / "app/main.py").read_text()
    )
    assert done.returncode == 0, done.tail()
    assert trapped == [] and [r.json["model"] for r in sent] == ["qwen-plus", "qwen-flash"]
    assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent)


def test_when_the_caller_cannot_move_the_callee_s_calls_stay_too(tmp_path: Path):
    # before: the caller's client stayed (run-time endpoint) while the callee's default model became
    # qwen-plus, so OpenAI received a Qwen model
    repo = make_repo(tmp_path, project(other=RUNTIME))
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert not {"app/agent.py", "app/main.py", "app/other.py"} & set(diffs), diffs
    units = {d["path"]: d["message"] for d in doc["diagnostics"] if d["rule"] == "migrator/unit"}
    why = "app/other.py: line 7: its endpoint is set at run time"
    assert why in units["app/agent.py"] and why in units["app/main.py"], units
    proc = run("scan", "--format", "json", "--provider", "dashscope", cwd=repo)
    (row,) = [r for r in json.loads(proc.stdout)["readiness"] if r["plan"] == "compat"]
    assert row["automatic"] + row["with_diagnostics"] == 0 and row["manual"] == 2, row  # both calls, as apply does


def test_a_client_handed_to_a_parameter_the_callee_never_calls_stays(tmp_path: Path):
    use = b"from openai import OpenAI\nfrom app.holder import Holder\n\nHolder(OpenAI())\n"
    repo = make_repo(tmp_path, project(holder=UNFOLLOWED, use=use))
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert "app/use.py" not in diffs and "app/main.py" in diffs, diffs
    units = {d["path"]: d["message"] for d in doc["diagnostics"] if d["rule"] == "migrator/unit"}
    assert "what `Holder` does with the client it takes as `client` cannot be followed" in units["app/use.py"], units
    # a module the index does not know (no client, no call on one): the client is handed over, as before
    (tmp_path / "b").mkdir()
    repo = make_repo(tmp_path / "b", project(holder=UNFOLLOWED.split(b"\n\n\ndef ping")[0] + b"\n", use=use))
    units = {d["path"]: d["message"] for d in apply(repo, "--dry-run")["diagnostics"] if d["rule"] == "migrator/unit"}
    assert "the client is passed to app.holder.Holder" in units["app/use.py"], units


def test_a_native_plan_serves_both_sides_on_the_compatible_endpoint(tmp_path: Path):
    repo = make_repo(tmp_path, project())
    doc = apply(repo, "--plan", "native", "--dry-run")
    hybrids = {d["path"] for d in doc["diagnostics"] if d["rule"] == "migrator/hybrid"}
    assert {"app/agent.py", "app/main.py"} <= hybrids, doc["diagnostics"]
    assert "dashscope.Client" not in json.dumps(doc) and doc["summary"]["files_failed"] == 0


FACTORY_RUNTIME = b'''import openai


def get_client(api_key, api_base_url):
    return openai.OpenAI(api_key=api_key, base_url=api_base_url)
'''

FACTORY = b'''import os

import openai


def get_client():
    return openai.OpenAI(api_key=os.environ["OPENAI_API_KEY"])
'''

# khoj: the client comes from a factory in a third module, handed over where it is made
BUILD = b'''from app.agent import Agent
from app.factory import get_client


def build(cfg):
    return Agent(get_client(cfg["key"], cfg["url"]))
'''


def test_a_factory_s_client_that_stays_keeps_the_calls_made_on_it_in_another_module(tmp_path: Path):
    # before: the client (its endpoint set at run time) stayed on OpenAI while the callee's calls
    # were rewritten for the provider (its model mapped, max_completion_tokens renamed), no word
    repo = make_repo(
        tmp_path, {"app/__init__.py": b"", "app/agent.py": AGENT, "app/factory.py": FACTORY_RUNTIME, "app/build.py": BUILD}
    )
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    # Agent's calls stay; summarise's (a parameter no caller hands anything) move: the file stays stable
    assert "-    def __init__" not in diffs["app/agent.py"] and 'model="qwen-flash"' in diffs["app/agent.py"], diffs
    assert doc["summary"]["files_failed"] == 0
    units = [d["message"] for d in doc["diagnostics"] if d["rule"] == "migrator/unit" and d["path"] == "app/agent.py"]
    assert any("app/factory.py: its endpoint is set at run time, and app/build.py hands it to `Agent`" in m for m in units), units
    proc = run("scan", "--format", "json", "--provider", "dashscope", cwd=repo)
    (row,) = [r for r in json.loads(proc.stdout)["readiness"] if r["plan"] == "compat"]
    assert row["automatic"] + row["with_diagnostics"] == 1 and row["manual"] == 1, row  # as apply does


def test_a_factory_s_client_handed_over_moves_with_the_calls_and_reaches_the_provider(tmp_path: Path):
    from tests.equivalence import test_key

    build = BUILD.replace(b'get_client(cfg["key"], cfg["url"])', b"get_client()")
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/agent.py": AGENT, "app/factory.py": FACTORY, "app/build.py": build})
    doc = apply(repo)
    assert not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc["diagnostics"]
    migrated = checkout(tmp_path, repo, doc)
    factory = (migrated / "app/factory.py").read_text()
    assert "DASHSCOPE_API_KEY" in factory and 'model: str = "qwen-plus"' in (migrated / "app/agent.py").read_text()
    done, sent, trapped = run_migrated(tmp_path, migrated, "from app.build import build\nprint(build({}).run('hi'))\n", factory)
    assert done.returncode == 0, done.tail()
    assert trapped == [] and [r.json["model"] for r in sent] == ["qwen-plus"]
    assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent)


def test_scan_predicts_per_module_what_the_agreement_leaves(tmp_path: Path):
    # ragas' improve_rag: the caller also hands its client to a third-party factory, so it stays,
    # and so do the calls the callee makes on it: scan's per-file prediction plans them together
    from migrator.apply import migrate_tree
    from migrator.readiness import predicted_left
    from migrator.ruleset import load_all, select
    from migrator.scan import ScanOptions

    main = MAIN.replace(
        b"from app.agent import Agent, summarise\n",
        b"from app.agent import Agent, summarise\nfrom somewhere import llm_factory\n",
    )
    main = main.replace(
        b"    print(Agent(client).run(\"hi\"))\n", b"    print(Agent(client).run(\"hi\"))\n    llm_factory(client=client)\n"
    )
    repo = make_repo(tmp_path, project() | {"app/main.py": main})
    for plan in ("compat", "native"):
        ruleset = select(load_all([]), "dashscope", plan)
        result = migrate_tree(str(repo), ruleset, ScanOptions(jobs=1, use_cache=False))
        assert len(result.left["app/agent.py"]) == 2, result.left
        predicted = predicted_left(str(repo), result.scan, ruleset)
        assert {p: set(v) for p, v in predicted.items() if v} == {p: set(v) for p, v in result.left.items() if v}


def test_a_caller_handing_a_client_it_cannot_follow_keeps_the_parameter_s_calls(tmp_path: Path):
    # a plugin hands Agent its own caller's client: the calls on the parameter stay (before, they
    # were rewritten for the provider and OpenAI received qwen-plus), everyone sharing it with them
    plugin = b"from app.agent import Agent\n\n\ndef run_with(client):\n    return Agent(client).run('hi')\n"
    # a test handing it a double does not count
    test = b"from unittest.mock import MagicMock\n\nfrom app.agent import Agent\n\n\ndef test_agent():\n    Agent(MagicMock())\n"
    repo = make_repo(tmp_path, project(plugin=plugin) | {"tests/test_agent.py": test})
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert not {"app/agent.py", "app/main.py"} & set(diffs), diffs
    units = {d["path"]: d["message"] for d in doc["diagnostics"] if d["rule"] == "migrator/unit"}
    assert "app/plugin.py: line 5 hands `Agent` a client this analysis cannot follow" in units["app/agent.py"], units
    (tmp_path / "b").mkdir()
    repo = make_repo(tmp_path / "b", project() | {"tests/test_agent.py": test})
    assert "app/agent.py" in {f["path"] for f in apply(repo, "--dry-run")["files"]}


@pytest.mark.parametrize(
    "build",
    [
        # set on the object after it is made (None given for the parameter)
        b'from app.agent import Agent\nfrom app.factory import get_client\n\n\ndef build(cfg):\n'
        b'    agent = Agent(None)\n    agent.client = get_client(cfg["key"], cfg["url"])\n    return agent\n',
        # in **kwargs
        b'from app.agent import Agent\nfrom app.factory import get_client\n\n\ndef build(cfg):\n'
        b'    options = {"client": get_client(cfg["key"], cfg["url"])}\n    return Agent(**options)\n',
        # through a subclass that keeps Agent's __init__
        b'from app.agent import Agent\nfrom app.factory import get_client\n\n\nclass Mine(Agent):\n    pass\n\n\n'
        b'def build(cfg):\n    return Mine(get_client(cfg["key"], cfg["url"]))\n',
    ],
)
def test_a_client_parameter_given_in_ways_the_analysis_cannot_follow_keeps_its_calls(tmp_path: Path, build):
    # khoj's GroundingAgent spelled three more ways: the calls on the parameter were still rewritten
    # for the provider while the factory's client (its endpoint set at run time) stayed on OpenAI
    repo = make_repo(
        tmp_path, {"app/__init__.py": b"", "app/agent.py": AGENT, "app/factory.py": FACTORY_RUNTIME, "app/build.py": build}
    )
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert "-    def __init__" not in diffs.get("app/agent.py", ""), diffs
    assert any(d["path"] == "app/agent.py" and d["rule"] == "migrator/unit" for d in doc["diagnostics"]), doc["diagnostics"]
