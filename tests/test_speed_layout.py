"""Issue 19: the wrap of long generated calls (engine/layout.py) works on the statements the rewrite
changed, not on the whole module: the subtrees the rewrite left as they were are neither walked
nor rebuilt, the original's statements and calls are rendered only when a long changed text could
be one of them, and a module with nothing to wrap is not rebuilt (nor printed again)."""

from __future__ import annotations

import ast

import libcst as cst

from migrator.engine import layout
from migrator.engine.layout import wrap_long_calls
from migrator.engine.rewrite import migrate_source
from migrator.engine.transform import positions
from migrator.ruleset import load_all, select

FILLER = "".join(f"\n\ndef helper_{i}(x):\n    if x:\n        return [x + {i}, x * {i}]\n    return None\n" for i in range(40))

SOURCE = (
    'from openai import OpenAI\n\nclient = OpenAI()\n'
    + FILLER
    + '\n\ndef ask(q):\n    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])\n'
)


def _ruleset(limit):
    return select(load_all([]), "deepseek", "compat", line_length=limit)


def test_only_the_changed_statements_are_walked_and_the_original_is_not_rendered(monkeypatch):
    seen = []
    leave = layout._Wrap.leave_SimpleStatementLine

    def counting(self, original, updated):
        seen.append(original)
        return leave(self, original, updated)

    rendered = []
    codes = layout._codes
    monkeypatch.setattr(layout._Wrap, "leave_SimpleStatementLine", counting)
    monkeypatch.setattr(layout, "_codes", lambda module, kind: rendered.append(kind) or codes(module, kind))
    result = migrate_source(SOURCE, "app.py", _ruleset(88))
    assert result.error is None, result.error
    assert "    return client.chat.completions.create(\n        model=" in result.output, result.output
    ast.parse(result.output)
    # the 80 statements of the helpers are the original's: the wrap never sees them
    assert 0 < len(seen) <= 6, len(seen)
    assert rendered == []  # the long changed texts are not in the source: nothing of the original rendered
    assert migrate_source(result.output, "app.py", _ruleset(88)).output == result.output


def _renamed(source: str, limit):
    """A real LibCST edit touching only the statements it changes (as the engine's transformer
    does): ``model="gpt-4o"`` becomes a longer name; the rest keeps the original's nodes."""

    class Rename(cst.CSTTransformer):
        def on_visit(self, node):
            return not isinstance(node, cst.SimpleStatementLine) or "gpt-4o" in cst.Module([]).code_for_node(node)

        def leave_Arg(self, original, updated):
            if updated.keyword is not None and updated.keyword.value == "model":
                return updated.with_changes(value=cst.SimpleString('"a-much-longer-model-name-for-the-provider"'))
            return updated

    module = cst.parse_module(source)
    new = module.visit(Rename())
    return module, new, wrap_long_calls(module, new, limit, positions(module)._computed, source)


def test_a_changed_statement_as_long_as_one_of_the_original_stays_as_it_is():
    same = 'r = create(model="a-much-longer-model-name-for-the-provider", messages=messages, temperature=0.2)\n'
    source = same + 'r = create(model="gpt-4o", messages=messages, temperature=0.2)\n'
    _module, _new, wrapped = _renamed(source, 88)
    assert wrapped.code == same + same  # its text is the original's first line: not new, not wrapped


def test_calls_as_they_were_in_the_original_are_not_wrapped():
    call = 'outer(create(model="a-much-longer-model-name-for-the-provider"), argument_that_makes_it_long)'
    source = f"v = {call}\nw = {call.replace('a-much-longer-model-name-for-the-provider', 'gpt-4o')}\n"
    _module, _new, wrapped = _renamed(source, 88)
    assert wrapped.code == f"v = {call}\nw = {call}\n"  # the statement is new, each call in it is not
    first, second = source.splitlines(keepends=True)
    _module, _new, wrapped = _renamed(first + second.replace("argument_that", "an_argument_that"), 88)
    assert wrapped.code.splitlines()[1] == "w = outer(", wrapped.code  # outer(...) is new there: it wraps


def test_a_module_with_nothing_to_wrap_is_returned_as_it_is():
    source = 'r = create(model="gpt-4o")\n' + FILLER
    _module, new, wrapped = _renamed(source, 88)
    assert wrapped is new
