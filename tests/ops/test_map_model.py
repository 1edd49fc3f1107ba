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
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="gpt-4o", messages=[])\n',
        HEAD + 'c.chat.completions.create(model="acme-chat", messages=[])\n',
        CALL,
        OP,
        diagnostics=["info: model 'gpt-4o' -> 'acme-chat'"],
    )


def test_quote_style_kept(assert_codemod):
    assert_codemod(
        HEAD + "c.chat.completions.create(model='gpt-4.1', messages=[])\n",
        HEAD + "c.chat.completions.create(model='acme-pro', messages=[])\n",
        CALL,
        OP,
    )


def test_glob(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="gpt-4o-2024-08-06", messages=[])\n',
        HEAD + 'c.chat.completions.create(model="acme-chat", messages=[])\n',
        CALL,
        OP,
    )


def test_exact_entry_wins_over_glob(assert_codemod):
    models = {"gpt-4o-*": "acme-chat", "gpt-4o-mini": "acme-lite"}
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="gpt-4o-mini")\n',
        HEAD + 'c.chat.completions.create(model="acme-lite")\n',
        CALL,
        OP,
        models=models,
    )


def test_unmapped_is_manual_with_a_todo(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="o1", messages=[])\n',
        HEAD + "# TODO(migrator: acme/rule): no Acme model is mapped for 'o1'; add one under "
        "[tool.migrator.models] or edit this call\n"
        'c.chat.completions.create(model="o1", messages=[])\n',
        CALL,
        OP,
        diagnostics=["manual: no Acme model is mapped for 'o1'"],
    )


def test_non_literal_is_manual_and_names_the_mapping_of_a_known_constant(assert_codemod):
    """MODEL is also printed: mapping it where it is defined would change more than the call."""
    result = assert_codemod(
        'from openai import OpenAI\nMODEL = "gpt-4o"\nc = OpenAI()\nc.chat.completions.create(model=MODEL)\nprint(MODEL)\n',
        None,
        CALL,
        OP,
        todo_comments=False,
        diagnostics=["manual: model comes from `MODEL`", "maps to 'acme-chat'"],
    )
    assert len(result.diagnostics) == 1


def test_a_value_only_ever_used_as_the_model_is_mapped_where_it_is_defined(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nMODEL = "gpt-4o"\nc = OpenAI()\nc.chat.completions.create(model=MODEL)\n',
        'from openai import OpenAI\nMODEL = "acme-chat"\nc = OpenAI()\nc.chat.completions.create(model=MODEL)\n',
        CALL,
        OP,
        diagnostics=["info: model 'gpt-4o' -> 'acme-chat' where it is defined"],
    )
    assert_codemod(
        """\
        from openai import OpenAI
        class Bot:
            def __init__(self, model: str = "gpt-4o", temperature=0):
                self.model = model
                self.client = OpenAI()
            def ask(self, q):
                return self.client.chat.completions.create(model=self.model, messages=[])
            def again(self, q):
                return self.client.chat.completions.create(model=self.model, messages=[])
        """,
        """\
        from openai import OpenAI
        class Bot:
            def __init__(self, model: str = "acme-chat", temperature=0):
                self.model = model
                self.client = OpenAI()
            def ask(self, q):
                return self.client.chat.completions.create(model=self.model, messages=[])
            def again(self, q):
                return self.client.chat.completions.create(model=self.model, messages=[])
        """,
        CALL,
        OP,
        diagnostics=["only ever the model of the calls at line 7, 9"],
    )


def test_a_value_read_for_anything_else_stays_at_the_call(assert_codemod):
    for source in (
        'from openai import OpenAI\ndef ask(c: OpenAI, model="gpt-4o"):\n    print(model)\n'
        '    return c.chat.completions.create(model=model)\n',
        'from openai import OpenAI\nclass B:\n    def __init__(self, model="gpt-4o"):\n        self.model = model\n'
        '        self.c = OpenAI()\n    def ask(self):\n        log(self.model)\n        return self.c.chat.completions.create(model=self.model)\n',
    ):
        assert_codemod(source, None, CALL, OP, todo_comments=False, diagnostics=["manual: model comes from"])


def test_name_parameter_for_other_keywords(assert_codemod):
    assert_codemod(
        "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model_name=\"gpt-4o\")\n",
        "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model_name=\"acme-chat\")\n",
        {"kind": "framework"},
        ("map_model", {"name": "model_name"}),
    )


def test_an_enum_member_only_ever_used_as_the_model_is_mapped_where_it_is_defined(assert_codemod):
    before = """\
        import enum
        from openai import OpenAI
        class Models(str, enum.Enum):
            CHAT = "gpt-4o"
            OTHER = "gpt-4.1"
        c = OpenAI()
        c.chat.completions.create(model=Models.CHAT.value, messages=[])
        c.chat.completions.create(model=Models.CHAT, messages=[])
        print(Models.OTHER)
        c.chat.completions.create(model=Models.OTHER, messages=[])
        """
    assert_codemod(
        before,
        before.replace('CHAT = "gpt-4o"', 'CHAT = "acme-chat"'),
        CALL,
        OP,
        todo_comments=False,
        diagnostics=["model 'gpt-4o' -> 'acme-chat' where it is defined", "manual: model comes from `Models.OTHER`"],
    )


def test_a_params_dict_built_for_the_call_has_its_model_mapped(assert_codemod):
    before = """\
        from openai import OpenAI
        def ask(c: OpenAI, q, hot=False):
            params = {"model": "gpt-4o", "messages": [{"role": "user", "content": q}]}
            if hot:
                params["temperature"] = 1.0
            return c.chat.completions.create(**params)
        """
    assert_codemod(
        before,
        before.replace('"model": "gpt-4o"', '"model": "acme-chat"'),
        CALL,
        OP,
        diagnostics=["model 'gpt-4o' -> 'acme-chat' where it is defined"],
    )
    # a key some plan translates is now seen by the call's rules (tests/test_params_dicts.py): the
    # model is mapped all the same; a dict used for anything else is left, as before
    changed = before.replace('params["temperature"] = 1.0', 'params["max_completion_tokens"] = 5')
    assert_codemod(
        changed,
        changed.replace('"model": "gpt-4o"', '"model": "acme-chat"'),
        CALL,
        OP,
        diagnostics=["model 'gpt-4o' -> 'acme-chat' where it is defined"],
    )
    assert_codemod(
        before.replace('params["temperature"] = 1.0', "print(params)"),
        None,
        CALL,
        OP,
        todo_comments=False,
        diagnostics=["manual:"],
    )
