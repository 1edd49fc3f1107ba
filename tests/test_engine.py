"""Engine guarantees: byte-exact outside edits, newline/indent styles kept,
columns right after non-ASCII text, refusal of unparsable or unstable
rewrites, imports added once in the right place and cleaned up safely."""

from __future__ import annotations

import libcst as cst
import pytest

from migrator.engine import migrate_source
from migrator.engine import ops as ops_module
from tests.ops.conftest import make_ruleset

CLIENT = {"kind": "client", "endpoint": ["none", "openai"]}
BASE = ("set_kwarg", {"name": "base_url", "value": {"env": "ACME_BASE_URL", "default": "${base_url}"}})
BASE_TEXT = 'base_url=os.environ.get("ACME_BASE_URL", "https://api.acme.example/v1")'
CALL = {"kind": "call"}
MAP = ("map_model", {})
TODO = ("todo", {"message": "check this"})
SYM = {"kind": "symbol", "symbol": "openai.*"}
NATIVE = ("replace_symbol", {"map": {"openai.OpenAI": "acme.Client", "openai.APIError": "acme.Error"}})


def run(source: str, match, op, **kw):
    result = migrate_source(source, "m.py", make_ruleset(match, op, **kw))
    assert result.error is None, result.error
    return result


# ------------------------------------------------------------------ bytes outside edits


def test_bytes_outside_the_rewritten_node_are_identical():
    source = (
        "# -*- coding: utf-8 -*-\n'''Module doc.'''\n\nfrom openai import OpenAI  # the SDK\n\n\n"
        "x = {'a':1,  \"b\" : 2}   # odd spacing\n"
        "c = OpenAI()\n"
        "r = c.chat.completions.create(  # call\n    model = 'gpt-4o' ,\n    messages=[]  ,\n)\n\n\n"
        "def f( a ):\n    return  a  # trailing\n"
    )
    result = run(source, CALL, MAP)
    assert result.output == source.replace("'gpt-4o'", "'acme-chat'")


# ------------------------------------------------------------------ newline and indent styles


def test_crlf_kept_for_edits_inserted_imports_and_todo_comments():
    source = "from openai import OpenAI\r\nc = OpenAI()\r\nc.embeddings.create(\r\n    input='x',\r\n)\r\n"
    out = run(source, CLIENT, BASE).output
    assert out == (
        "import os\r\n\r\nfrom openai import OpenAI\r\nc = OpenAI(" + BASE_TEXT + ")\r\n"
        "c.embeddings.create(\r\n    input='x',\r\n)\r\n"
    )
    out = run(source, CALL, TODO).output
    assert "\r\n# TODO(migrator: acme/rule): check this\r\nc.embeddings" in out
    assert "\n" not in out.replace("\r\n", "")


def test_a_todo_an_earlier_run_wrote_above_the_first_statement_is_not_written_again():
    # the comments above a module's first statement are its header, not the statement's leading
    # lines: a notebook cell starting with the call got its TODO again on every run
    import json

    from migrator.analyzer import notebook_cells

    cells = [
        "from openai import OpenAI\nc = OpenAI()\n",
        "# TODO(migrator: acme/rule): check this\nc.embeddings.create(input='x')\n",
    ]
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": s} for s in cells], "nbformat": 4}
    (_first, _none), (cell, analysis) = notebook_cells("n.ipynb", json.dumps(nb))
    result = migrate_source(cell[1], "n.ipynb", make_ruleset(CALL, TODO), analysis, cell=cell[0])
    assert result.error is None and result.output == cells[1]
    module = run(cells[1].replace("c.", "OpenAI().") + "from openai import OpenAI\n", CALL, TODO)
    assert module.output == cells[1].replace("c.", "OpenAI().") + "from openai import OpenAI\n"


def test_crlf_multi_line_call_gets_a_crlf_argument_line():
    source = "from openai import OpenAI\r\nc = OpenAI(\r\n    timeout=1,\r\n)\r\n"
    out = run(source, CLIENT, ("set_kwarg", {"name": "base_url", "value": "u"})).output
    assert out == 'from openai import OpenAI\r\nc = OpenAI(\r\n    timeout=1,\r\n    base_url="u",\r\n)\r\n'


def test_tabs_for_indentation():
    source = 'from openai import OpenAI\nc = OpenAI()\ndef f():\n\tif c:\n\t\treturn c.embeddings.create(input="x")\n'
    out = run(source, CALL, TODO).output
    assert out == (
        'from openai import OpenAI\nc = OpenAI()\ndef f():\n\tif c:\n'
        '\t\t# TODO(migrator: acme/rule): check this\n\t\treturn c.embeddings.create(input="x")\n'
    )


# ------------------------------------------------------------------ columns


@pytest.mark.parametrize("prefix", ['s = "héllo"; ', 's = "日本語テキスト"; ', 's = "🙂🙂"; ', "ü = 1; "])
def test_non_ascii_text_before_a_rewritten_call_on_the_same_line(prefix):
    source = f'from openai import OpenAI\nc = OpenAI()\n{prefix}r = c.chat.completions.create(model="gpt-4o")\n'
    result = run(source, CALL, MAP)
    assert result.output == source.replace('"gpt-4o"', '"acme-chat"')
    assert not [d for d in result.diagnostics if "not rewritten" in d.message]
    assert result.diagnostics[0].column == len(prefix) + len("r = ") + 1  # character columns, 1-based


# ------------------------------------------------------------------ refusals


def test_rewrite_that_would_not_parse_is_refused():
    source = 'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", a=1)\n'
    result = migrate_source(source, "m.py", make_ruleset(CALL, ("rename_kwarg", {"from": "a", "to": "lambda"})))
    assert result.error and "would not parse" in result.error
    assert result.output == source and not result.changed


def test_unstable_rewrite_is_refused(monkeypatch):
    class Grow(ops_module.Operation):
        """Appends an argument on every pass: never a fixpoint."""

        name = "grow"
        SITES = ("call",)

        @classmethod
        def apply(cls, node, params, ctx):
            extra = cst.Arg(cst.Integer("1"), keyword=cst.Name(f"x{len(node.args)}"))
            return node.with_changes(args=[*node.args, extra])

    monkeypatch.setitem(ops_module.OPS, "grow", Grow)
    source = 'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m")\n'
    result = migrate_source(source, "m.py", make_ruleset(CALL, ("grow", {})))
    assert result.error and "not stable" in result.error
    assert result.output == source


def test_unparsable_input_is_reported_not_raised():
    result = migrate_source("from openai import OpenAI\ndef (:\n", "m.py", make_ruleset(CALL, MAP))
    assert result.error and result.output == "from openai import OpenAI\ndef (:\n"


# ------------------------------------------------------------------ idempotence and determinism


SAMPLE = '''\
"""Doc."""
from __future__ import annotations

import json
from openai import OpenAI

client = OpenAI(timeout=3)


def ask(q):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])
'''


def test_second_run_changes_nothing_and_output_is_deterministic():
    ops = [(CLIENT, BASE), (CALL, MAP)]
    outputs = []
    for _ in range(3):
        text = SAMPLE
        for match, op in ops:
            text = run(text, match, op).output
        outputs.append(text)
    assert outputs[0] == outputs[1] == outputs[2]
    for match, op in ops:
        assert run(outputs[0], match, op).output == outputs[0]


# ------------------------------------------------------------------ imports


def test_import_added_once_after_docstring_future_and_leading_imports():
    out = run(SAMPLE + "other = OpenAI()\n", CLIENT, BASE).output
    assert out.count("import os\n") == 1
    # among the standard-library imports, in order (isort's and ruff's), not after openai's
    assert out.startswith(
        '"""Doc."""\nfrom __future__ import annotations\n\nimport json\nimport os\nfrom openai import OpenAI\n'
        "\nclient = OpenAI(timeout=3, " + BASE_TEXT + ")\n"
    )


def test_import_not_added_when_already_imported():
    source = "import os\nfrom openai import OpenAI\nc = OpenAI()\n"
    assert run(source, CLIENT, BASE).output == f"import os\nfrom openai import OpenAI\nc = OpenAI({BASE_TEXT})\n"


def test_import_into_a_module_without_imports_goes_after_the_docstring():
    source = '"""Doc."""\nimport openai\nc = openai.OpenAI()\n'
    out = run(source, SYM, NATIVE, cleanup=["openai"]).output
    assert out == '"""Doc."""\nimport acme\nc = acme.Client()\n'


def test_unused_openai_import_removed_for_native_cleanup():
    out = run("from openai import OpenAI\nc = OpenAI()\n", SYM, NATIVE, cleanup=["openai"]).output
    assert out == "from acme import Client\nc = Client()\n"


def test_openai_import_kept_when_still_referenced():
    source = "import openai\nc = openai.OpenAI()\nprint(openai.__version__)\n"
    out = run(source, {"kind": "symbol", "symbol": "openai.OpenAI"}, NATIVE, cleanup=["openai"]).output
    assert out == "import acme\nimport openai\nc = acme.Client()\nprint(openai.__version__)\n"


def test_openai_import_kept_when_exported_through_dunder_all():
    source = 'from openai import OpenAI, RateLimitError\n__all__ = ["RateLimitError"]\nc = OpenAI()\n'
    out = run(source, {"kind": "symbol", "symbol": "openai.OpenAI"}, NATIVE, cleanup=["openai"]).output
    assert out == 'from acme import Client\nfrom openai import RateLimitError\n__all__ = ["RateLimitError"]\nc = Client()\n'


def test_compat_plan_never_removes_imports():
    out = run("from openai import OpenAI\nc = OpenAI()\n", SYM, NATIVE).output
    assert out == "from acme import Client\nfrom openai import OpenAI\nc = Client()\n"


def test_try_import_block_is_not_broken():
    source = (
        "try:\n    import openai\nexcept ImportError:  # optional\n    openai = None\n\ndef make():\n    return openai.OpenAI()\n"
    )
    result = run(source, SYM, NATIVE, cleanup=["openai"])
    compile(result.output, "m.py", "exec")
    assert "except ImportError:  # optional\n" in result.output


def test_try_import_block_emptied_by_cleanup_keeps_a_body():
    source = "import json\ntry:\n    import openai\nexcept ImportError:\n    pass\nfrom openai import OpenAI\nc = OpenAI()\n"
    result = run(source, SYM, NATIVE, cleanup=["openai"])
    assert result.output == (
        "import json\ntry:\n    pass\nexcept ImportError:\n    pass\nfrom acme import Client\nc = Client()\n"
    )


def test_a_guarded_import_is_replaced_inside_its_guard():
    # an optional dependency stays optional: the new import is where the old one was
    source = "import json\ntry:\n    from openai import OpenAI\nexcept ImportError:\n    pass\nc = OpenAI()\n"
    result = run(source, SYM, NATIVE, cleanup=["openai"])
    assert result.output == "import json\ntry:\n    from acme import Client\nexcept ImportError:\n    pass\nc = Client()\n"


# ------------------------------------------------------------------ values never become code (issue 14)

HOSTILE = 'X"] + __import__("os").getcwd() + os.environ["Y'


def _calls(code: str) -> set:
    import ast

    return {node.func.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


@pytest.mark.parametrize("value", [{"env": HOSTILE}, {"env": HOSTILE, "default": HOSTILE}])
def test_env_values_are_rendered_as_literals(value):
    source = "from openai import OpenAI\nc = OpenAI()\n"
    result = run(source, CLIENT, ("set_kwarg", {"name": "base_url", "value": value}))
    assert "__import__" not in _calls(result.output)
    import ast

    keys = [n for n in ast.walk(ast.parse(result.output)) if isinstance(n, ast.Constant) and n.value == HOSTILE]
    assert keys, result.output


def test_renamed_env_variable_is_escaped_when_it_is_not_a_plain_name():
    from tests.ops.conftest import make_ruleset as rules

    ruleset = rules({"kind": "env", "variable": "OPENAI_API_KEY"}, ("rename_env", {"to": "${api_key_env}"}))
    ruleset.vars["api_key_env"] = HOSTILE
    result = migrate_source('import os\nk = os.environ["OPENAI_API_KEY"]\n', "m.py", ruleset)
    assert result.error is None and "__import__" not in _calls(result.output), result.output
