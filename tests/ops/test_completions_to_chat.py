"""completions_to_chat: a text completion becomes a chat call, and its text reads follow."""

from __future__ import annotations

CALL = {"kind": "call", "api": "completions.create"}
RESULT = {"kind": "result", "api": "completions.create"}
OP = ("completions_to_chat", {})


def test_the_prompt_becomes_one_user_message_on_the_chat_resource(assert_codemod):
    assert_codemod(
        """\
        from openai import OpenAI
        client = OpenAI()
        def ask(q):
            r = client.completions.create(
                model="m",
                prompt=f"Q: {q}",  # the question
                max_tokens=5,
            )
            print(r.choices[0].text)
        """,
        """\
        from openai import OpenAI
        client = OpenAI()
        def ask(q):
            r = client.chat.completions.create(
                model="m",
                messages=[{"role": "user", "content": f"Q: {q}"}],  # the question
                max_tokens=5,
            )
            print(r.choices[0].text)
        """,
        CALL,
        OP,
        diagnostics=["warning: a text completion became a chat call"],
    )


def test_options_chat_does_not_have_leave_the_call(assert_codemod):
    for option in ('suffix="}"', "echo=True", "logprobs=2", "best_of=3"):
        assert_codemod(
            f"""\
            from openai import OpenAI
            r = OpenAI().completions.create(model="m", prompt="x", {option})
            """,
            None,
            CALL,
            OP,
            diagnostics=[f"manual: {option.split('=')[0]}= has no chat counterpart"],
            todo_comments=False,
        )


def test_a_list_of_prompts_is_left(assert_codemod):
    assert_codemod(
        """\
        from openai import OpenAI
        r = OpenAI().completions.create(model="m", prompt=["a", "b"])
        """,
        None,
        CALL,
        OP,
        diagnostics=["is a list of prompts"],
        todo_comments=False,
    )


def test_a_response_returned_whole_or_kwargs_are_left(assert_codemod):
    assert_codemod(
        """\
        from openai import OpenAI
        def f(c: OpenAI):
            return c.completions.create(model="m", prompt="x")
        """,
        None,
        CALL,
        OP,
        diagnostics=["its response is returned at line 3"],
        todo_comments=False,
    )
    assert_codemod(
        """\
        from openai import OpenAI
        def f(c: OpenAI, **kw):
            r = c.completions.create(model="m", prompt="x", **kw)
        """,
        None,
        CALL,
        OP,
        diagnostics=["passes **kwargs"],
        todo_comments=False,
    )


def test_a_v0_call_gets_its_chat_client_from_legacy_to_client(assert_codemod):
    to_client = (
        "legacy_to_client",
        {
            "api": "chat.completions.create",
            "shared": False,
            "sync": {"expr": "openai.OpenAI()", "imports": ["openai"]},
            "async": {"expr": "openai.AsyncOpenAI()", "imports": ["openai"]},
        },
    )
    assert_codemod(
        """\
        import openai
        r = openai.Completion.create(model="m", prompt="x")
        """,
        """\
        import openai
        r = openai.OpenAI().chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        """,
        CALL,
        [OP, to_client],
    )


def test_text_reads_become_the_message_content(assert_codemod):
    assert_codemod(
        """\
        from openai import OpenAI
        def f(c: OpenAI):
            r = c.completions.create(model="m", prompt="x")
            first = r.choices[0]
            print(r.choices[0].text.strip(), first.text, r.usage.total_tokens, first.finish_reason)
        """,
        """\
        from openai import OpenAI
        def f(c: OpenAI):
            r = c.completions.create(model="m", prompt="x")
            first = r.choices[0]
            print(r.choices[0].message.content.strip(), first.message.content, r.usage.total_tokens, first.finish_reason)
        """,
        RESULT,
        OP,
        todo_comments=False,
    )


def test_streamed_text_becomes_the_delta_never_none(assert_codemod):
    assert_codemod(
        """\
        from openai import OpenAI
        def f(c: OpenAI):
            for chunk in c.completions.create(model="m", prompt="x", stream=True):
                print(chunk.choices[0].text, end="")
        """,
        """\
        from openai import OpenAI
        def f(c: OpenAI):
            for chunk in c.completions.create(model="m", prompt="x", stream=True):
                print((chunk.choices[0].delta.content or ""), end="")
        """,
        RESULT,
        OP,
        todo_comments=False,
    )


def test_v0_dict_reads_become_attributes(assert_codemod):
    assert_codemod(
        """\
        import openai
        def f():
            r = openai.Completion.create(model="m", prompt="x")
            return r["choices"][0]["text"]
        """,
        """\
        import openai
        def f():
            r = openai.Completion.create(model="m", prompt="x")
            return r.choices[0].message.content
        """,
        RESULT,
        OP,
        todo_comments=False,
    )


def test_a_field_chat_has_not_is_left(assert_codemod):
    assert_codemod(
        """\
        from openai import OpenAI
        def f(c: OpenAI):
            r = c.completions.create(model="m", prompt="x", max_tokens=5)
            print(r.choices[0].logprobs)
        """,
        None,
        RESULT,
        OP,
        diagnostics=["reads `choices[].logprobs`"],
        todo_comments=False,
    )
