"""map_model: literal models through the map (exact, glob); others reported."""

from __future__ import annotations

CALL = {"kind": "call"}
OP = ("map_model", {})
HEAD = "from openai import OpenAI\nc = OpenAI()\n"


def test_already_a_target_model_is_silent(assert_codemod):
    assert_codemod(HEAD + 'c.chat.completions.create(model="acme-chat", messages=[])\n', None, CALL, OP, silent=True)


def test_no_model_argument_is_silent(assert_codemod):
    assert_codemod(HEAD + "c.chat.completions.create(messages=[])\n", None, CALL, OP, silent=True)


def test_mapped(assert_codemod):
    assert_codemod(HEAD + 'c.chat.completions.create(model="gpt-4o", messages=[])\n',
                   HEAD + 'c.chat.completions.create(model="acme-chat", messages=[])\n', CALL, OP,
                   diagnostics=["info: model 'gpt-4o' -> 'acme-chat'"])


def test_quote_style_kept(assert_codemod):
    assert_codemod(HEAD + "c.chat.completions.create(model='gpt-4.1', messages=[])\n",
                   HEAD + "c.chat.completions.create(model='acme-pro', messages=[])\n", CALL, OP)


def test_glob(assert_codemod):
    assert_codemod(HEAD + 'c.chat.completions.create(model="gpt-4o-2024-08-06", messages=[])\n',
                   HEAD + 'c.chat.completions.create(model="acme-chat", messages=[])\n', CALL, OP)


def test_exact_entry_wins_over_glob(assert_codemod):
    models = {"gpt-4o-*": "acme-chat", "gpt-4o-mini": "acme-lite"}
    assert_codemod(HEAD + 'c.chat.completions.create(model="gpt-4o-mini")\n',
                   HEAD + 'c.chat.completions.create(model="acme-lite")\n', CALL, OP, models=models)


def test_unmapped_is_manual_with_a_todo(assert_codemod):
    assert_codemod(HEAD + 'c.chat.completions.create(model="o1", messages=[])\n',
                   HEAD + "# TODO(migrator: acme/rule): no Acme model is mapped for 'o1'; add one under "
                   "[tool.migrator.models] or edit this call\n"
                   'c.chat.completions.create(model="o1", messages=[])\n', CALL, OP,
                   diagnostics=["manual: no Acme model is mapped for 'o1'"])


def test_non_literal_is_manual_and_names_the_mapping_of_a_known_constant(assert_codemod):
    result = assert_codemod('from openai import OpenAI\nMODEL = "gpt-4o"\nc = OpenAI()\n'
                            "c.chat.completions.create(model=MODEL)\n", None, CALL, OP, todo_comments=False,
                            diagnostics=["manual: model comes from `MODEL`", "maps to 'acme-chat'"])
    assert len(result.diagnostics) == 1


def test_name_parameter_for_other_keywords(assert_codemod):
    assert_codemod("from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model_name=\"gpt-4o\")\n",
                   "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model_name=\"acme-chat\")\n",
                   {"kind": "framework"}, ("map_model", {"name": "model_name"}))
