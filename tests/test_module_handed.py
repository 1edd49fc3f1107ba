"""A module handing the openai module itself out as a value (doctran 0.0.14: ``DoctranConfig(openai=
openai)``, then ``self.config.openai.api_key = os.environ["OPENAI_API_KEY"]`` and, in another
module, ``self.config.openai.ChatCompletion.create(...)``): the calls made through it are out of
the analysis' sight, so the OPENAI_* reads that may set its key keep their names and a person is
told.  Before, the read was renamed as a settings module's would be: the provider's key was set on
the openai module and sent with its calls to api.openai.com."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from migrator.engine import migrate_source
from migrator.ruleset import load_all, select

PACKS = load_all([])

DOCTRAN = '''
import os
import openai
from pydantic import BaseModel


class Config(BaseModel):
    openai: object


class Doctran:
    def __init__(self, openai_api_key=None):
        self.config = Config(openai=openai)
        if openai_api_key:
            self.config.openai.api_key = openai_api_key
        else:
            self.config.openai.api_key = os.environ["OPENAI_API_KEY"]
'''


@pytest.mark.parametrize("provider,plan", [("dashscope", "compat"), ("deepseek", "compat"), ("qianfan", "native")])
def test_a_key_read_beside_the_openai_module_handed_out_keeps_its_name(provider: str, plan: str):
    result = migrate_source(textwrap.dedent(DOCTRAN).lstrip(), "d.py", select(PACKS, provider, plan))
    assert result.error is None and result.output == textwrap.dedent(DOCTRAN).lstrip(), result.output
    [diag] = [d for d in result.diagnostics if d.rule == "migrator/module-handed"]
    assert diag.severity == "manual" and diag.line == 16 and "line 12" in diag.message, diag


@pytest.mark.parametrize(
    "hand_out",
    ["Config(openai=openai)", "Config(openai, 1)", "openai", "[openai]", "{'sdk': openai}"],
)
def test_every_way_of_handing_the_module_out_is_seen(hand_out: str):
    from migrator.analyzer.python import analyze_python

    source = f"import os\nimport openai as oa\n\n\ndef make():\n    x = {hand_out.replace('openai', 'oa')}\n    key = os.environ['OPENAI_API_KEY']\n    return x\n"
    [read] = analyze_python(source, "m.py").env_reads
    assert read.handed == 6, source


def test_the_module_used_through_its_attributes_is_not_handed_out():
    # a settings module setting the key is still renamed with the project's clients (unchanged)
    from migrator.analyzer.python import analyze_python

    source = "import os\nimport openai\n\nopenai.api_key = os.environ['OPENAI_API_KEY']\nprint(openai.__version__)\n"
    [read] = analyze_python(source, "m.py").env_reads
    assert read.handed == 0


def test_apply_leaves_doctran_s_key_and_says_so(tmp_path: Path):
    from tests.test_apply_cli import make_repo, run

    repo = make_repo(tmp_path, {"doctran/__init__.py": b"", "doctran/doctran.py": textwrap.dedent(DOCTRAN).lstrip().encode()})
    proc = run("apply", "--provider", "dashscope", "--format", "json", "--dry-run", cwd=repo)
    doc = json.loads(proc.stdout)
    assert proc.returncode in (0, 1) and not [f for f in doc["files"] if f["path"].endswith(".py")], doc["files"]
    assert doc["summary"]["clients_left_whole"] == 0 and doc["summary"]["left_for_review"] >= 1, doc["summary"]
