from __future__ import annotations

import copy
import json

import pytest

from migrator.analyzer.notebooks import (
    CodeCell,
    NotebookError,
    code_cells,
    mask_magics,
    replace_cells,
    restore_magics,
)


def make_nb(*cells):
    return {
        "cells": list(cells),
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def code(source, outputs=None):
    return {"cell_type": "code", "execution_count": 1, "id": "c", "metadata": {}, "outputs": outputs or [], "source": source}


def md(source):
    return {"cell_type": "markdown", "id": "m", "metadata": {}, "source": source}


OUT = [{"name": "stdout", "output_type": "stream", "text": ["héllo\n", "wörld\n"]}]
NB = make_nb(
    md(["# 标题\n", "text"]),
    code(["import openai\n", "client = openai.OpenAI()\n", "print(1)"], OUT),
    code("x = 1\ny = 2"),
    code([]),
)


def dump(nb, indent=1, ensure_ascii=False, newline=True):
    text = json.dumps(nb, indent=indent, ensure_ascii=ensure_ascii)
    return text + "\n" if newline else text


def with_sources(nb, sources):
    nb = copy.deepcopy(nb)
    for number, source in sources.items():
        old = nb["cells"][number - 1]["source"]
        nb["cells"][number - 1]["source"] = source if isinstance(old, str) else source.splitlines(keepends=True)
    return nb


# --------------------------------------------------------------------------- code_cells


def test_cell_numbers_count_all_cells():
    cells = code_cells(dump(NB))
    assert [c.number for c in cells] == [2, 3, 4]
    assert [n for n, _ in cells] == [2, 3, 4]  # unpacks as (number, source)
    assert cells[0].source == "import openai\nclient = openai.OpenAI()\nprint(1)"
    assert cells[1].source == "x = 1\ny = 2"  # string form
    assert cells[2].source == ""


def test_magics_are_masked_same_length_and_listed():
    source = "%pip install openai\nimport openai\n!ls -la\nfiles = !ls\n  %time f()\nx = 1"
    masked, lines = mask_magics(source)
    assert [len(a) for a in masked.split("\n")] == [len(b) for b in source.split("\n")]
    assert [n for n, _ in lines] == [1, 3, 4, 5]
    assert lines[0] == (1, "%pip install openai")
    compile(masked, "<cell>", "exec")  # Python parses it now
    assert masked.split("\n")[1] == "import openai"


def test_percent_inside_expression_is_not_a_magic():
    source = 'x = (10\n     % 3)\ns = """\n%not magic\n"""\ny = 1 + \\\n  2'
    masked, lines = mask_magics(source)
    assert lines == [] and masked == source


def test_non_python_cell_magic_masks_whole_cell():
    source = "%%bash\necho $OPENAI_API_KEY\n  ls"
    masked, lines = mask_magics(source)
    assert [n for n, _ in lines] == [1, 2, 3]
    compile(masked, "<cell>", "exec")


def test_python_cell_magic_masks_only_its_line():
    masked, lines = mask_magics("%%time\nimport openai")
    assert lines == [(1, "%%time")]
    assert masked == "#%time\nimport openai"


def test_code_cells_reports_masked_lines():
    text = dump(make_nb(code(["!pip install openai\n", "import openai"])))
    (cell,) = code_cells(text)
    assert cell.masked == [(1, "!pip install openai")]
    assert cell.original == "!pip install openai\nimport openai"
    assert cell.source == "#pip install openai\nimport openai"


def test_restore_magics_after_lines_were_added():
    source = "%pip install openai\nimport openai\n!echo hi"
    cell = CodeCell(1, *mask_magics(source), original=source)
    rewritten = "#pip install openai\nimport dashscope\nimport os\n#echo hi"
    assert restore_magics(cell, rewritten) == "%pip install openai\nimport dashscope\nimport os\n!echo hi"


def test_restore_magics_refuses_when_a_magic_was_lost():
    source = "%pip install openai\nimport openai"
    cell = CodeCell(1, *mask_magics(source), original=source)
    with pytest.raises(NotebookError):
        restore_magics(cell, "import dashscope")


@pytest.mark.parametrize(
    "text, line",
    [
        ('{\n "cells": [\n  {"a": 1,}\n ]\n}', 3),
        ("", 1),
        ("[1, 2]", 1),
        ('{"nbformat": 4}', 1),
        ('{"cells": [], "nbformat": 3}', 1),
    ],
)
def test_invalid_notebooks_raise_with_line(text, line):
    with pytest.raises(NotebookError) as info:
        code_cells(text)
    assert info.value.line == line


def test_bad_cell_source_names_the_cell_line():
    text = dump(make_nb(md("x"), {"cell_type": "code", "source": 42, "metadata": {}, "outputs": []}))
    with pytest.raises(NotebookError) as info:
        code_cells(text)
    assert "cell 2" in info.value.message
    assert text.splitlines()[info.value.line - 1].strip() == "{"


# --------------------------------------------------------------------------- replace_cells


@pytest.mark.parametrize("indent", [1, 2, 4, None])
@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_untouched_notebook_round_trips(indent, ensure_ascii):
    text = dump(NB, indent, ensure_ascii)
    assert replace_cells(text, {}) == text
    same = {n: s for n, s in code_cells(text)}
    assert replace_cells(text, same) == text


@pytest.mark.parametrize("indent", [1, 2, 4, None])
@pytest.mark.parametrize("ensure_ascii", [False, True])
@pytest.mark.parametrize("newline", [True, False])
def test_only_changed_sources_differ(indent, ensure_ascii, newline):
    text = dump(NB, indent, ensure_ascii, newline)
    changes = {2: "import dashscope\nresp = dashscope.Generation.call()\n# 注释\n", 3: "x = 2\ny = 2", 4: "z = 1\n"}
    out = replace_cells(text, changes)
    assert out == dump(with_sources(NB, changes), indent, ensure_ascii, newline)


def test_key_order_and_unsorted_metadata_are_kept():
    nb = {"nbformat_minor": 2, "cells": [code(["a = 1\n", "b"])], "nbformat": 4, "metadata": {"z": 1, "a": 2}}
    text = json.dumps(nb, indent=1)
    out = replace_cells(text, {1: "a = 2\nb"})
    assert out == json.dumps(with_sources(nb, {1: "a = 2\nb"}), indent=1)


def test_crlf_notebook_keeps_crlf():
    text = dump(NB, 1).replace("\n", "\r\n")
    out = replace_cells(text, {2: "import dashscope\nx = 1"})
    assert out == dump(with_sources(NB, {2: "import dashscope\nx = 1"}), 1).replace("\n", "\r\n")


def test_only_the_changed_cells_lines_differ():
    text = dump(NB, 1)
    out = replace_cells(text, {2: "import dashscope\nclient = None\nprint(1)"})
    old, new = text.splitlines(), out.splitlines()
    assert len(old) == len(new)
    changed = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
    assert [new[i].strip() for i in changed] == ['"import dashscope\\n",', '"client = None\\n",']


def test_replace_unknown_cell_raises():
    with pytest.raises(NotebookError):
        replace_cells(dump(NB), {9: "x"})


def test_code_cells_then_replace_keeps_outputs():
    text = dump(NB, 1)
    out = replace_cells(text, {2: "import dashscope\n"})
    assert json.loads(out)["cells"][1]["outputs"] == OUT


# ------------------------------------------------------------------ cells as one program


def _migrate_cells(*sources: str, plan: str = "compat"):
    from migrator.apply import migrate_notebook_bytes
    from migrator.ruleset import load_all, select

    nb = make_nb(md("# demo"), *[code(s) for s in sources])
    new, results = migrate_notebook_bytes("demo.ipynb", json.dumps(nb, indent=1).encode(), select(load_all(), "dashscope", plan))
    cells = [c for c in json.loads(new)["cells"] if c["cell_type"] == "code"] if new else []
    texts = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]
    return texts, [d for r in results for d in r.diagnostics], results


def test_a_client_built_in_one_cell_is_migrated_with_its_calls_in_later_cells():
    texts, diagnostics, results = _migrate_cells(
        "from openai import OpenAI\nclient = OpenAI()\n",
        'reply = client.chat.completions.create(model="gpt-4o", messages=[], max_completion_tokens=5)\n'
        "print(reply.choices[0].message.content)\n",
    )
    assert "DASHSCOPE_API_KEY" in texts[0]
    assert 'model="qwen-plus"' in texts[1] and "max_tokens=5" in texts[1]
    assert not any(r.error for r in results)


def test_a_later_cell_that_cannot_move_keeps_the_client_of_an_earlier_one():
    texts, diagnostics, _ = _migrate_cells(
        "from openai import OpenAI\nclient = OpenAI()\n",
        'reply = client.chat.completions.create(model="gpt-4o", messages=[])\n',
        'client.beta.assistants.create(model="gpt-4o", name="x")\n',
    )
    assert texts == [] or ("client = OpenAI()\n" in texts[0] and 'model="gpt-4o"' in texts[1]), texts
    assert any(d.rule == "migrator/unit" and d.cell == 2 for d in diagnostics), diagnostics


def test_a_value_endpoint_in_one_cell_goes_to_the_compatible_endpoint_with_its_calls_under_native():
    # the native SDK cannot take a base_url the caller (here, the environment) decides: the
    # construction goes to the compat fallback with the calls of the later cells, never the calls
    # alone (they used to be mapped to DashScope's models on a client still built for OpenAI)
    texts, diagnostics, results = _migrate_cells(
        "import os\nfrom openai import OpenAI\nclient = OpenAI(base_url=os.getenv('OPENAI_BASE_URL'))\n",
        "r = client.chat.completions.create(model='gpt-4o', messages=[])\n",
        "e = client.embeddings.create(model='text-embedding-3-small', input='x')\n",
        plan="native",
    )
    assert 'os.environ.get("DASHSCOPE_COMPATIBLE_BASE_URL"' in texts[0] and "OPENAI_BASE_URL" not in texts[0]
    assert "model='qwen-plus'" in texts[1] and "model='text-embedding-v4'" in texts[2]
    assert not any(r.error for r in results)
    assert [d.cell for d in diagnostics if d.rule == "migrator/hybrid"] == [2, 3, 4]  # cell 1 is markdown


@pytest.mark.parametrize("provider,plan", [("dashscope", "compat"), ("dashscope", "native"), ("deepseek", "compat")])
def test_scan_counts_the_calls_of_later_cells_as_apply_plans_them(tmp_path, provider, plan):
    # scan analysed each cell on its own: calls on a client of an earlier cell were not counted
    from migrator.apply import migrate_notebook_bytes
    from migrator.config import load_config
    from migrator.readiness import readiness_matrix
    from migrator.ruleset import load_all, select
    from migrator.scan import ScanOptions, scan_paths

    nb = make_nb(
        code("from openai import OpenAI\nclient = OpenAI()\n"),
        code("r = client.chat.completions.create(model='gpt-4o', messages=[])\n"),
        code("e = client.embeddings.create(model='text-embedding-3-small', input='x')\n"),
    )
    data = json.dumps(nb, indent=1).encode()
    (tmp_path / "n.ipynb").write_bytes(data)
    result = scan_paths(str(tmp_path), ScanOptions(use_cache=False, jobs=1))
    assert sum(1 for f in result.analyses[0].findings if f.kind == "call") == 2
    row = next(
        r
        for r in readiness_matrix(result, root=str(tmp_path), config=load_config(str(tmp_path)))
        if (r["provider"], r["plan"]) == (provider, plan)
    )
    _new, results = migrate_notebook_bytes("n.ipynb", data, select(load_all(), provider, plan))
    left = sum(len(r.left) for r in results)
    assert row["automatic"] + row["with_diagnostics"] + row["manual"] == 2
    assert row["manual"] == left  # what scan sends to a person is what apply leaves on OpenAI
