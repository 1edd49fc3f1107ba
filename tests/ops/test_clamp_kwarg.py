"""clamp_kwarg: numeric literals into [min, max]; non-literals reported."""

from __future__ import annotations

CALL = {"kind": "call"}
HEAD = "from openai import OpenAI\nc = OpenAI()\n"
TEMP = ("clamp_kwarg", {"name": "temperature", "min": 0.0, "max": 1.0})


def test_in_range_is_silent(assert_codemod):
    assert_codemod(HEAD + 'c.chat.completions.create(model="m", temperature=0.7)\n', None, CALL, TEMP, silent=True)


def test_absent_is_silent(assert_codemod):
    assert_codemod(HEAD + 'c.chat.completions.create(model="m")\n', None, CALL, TEMP, silent=True)


def test_above_max(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="m", temperature=1.8)\n',
        HEAD + 'c.chat.completions.create(model="m", temperature=1.0)\n',
        CALL,
        TEMP,
        diagnostics=["warning: temperature=1.8 clamped to 1.0"],
    )


def test_integer_stays_integer(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="m", n=4)\n',
        HEAD + 'c.chat.completions.create(model="m", n=1)\n',
        CALL,
        ("clamp_kwarg", {"name": "n", "max": 1}),
        diagnostics=["n=4 clamped to 1"],
    )


def test_integer_clamped_to_a_fraction_becomes_a_float(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="m", temperature=2)\n',
        HEAD + 'c.chat.completions.create(model="m", temperature=1.5)\n',
        CALL,
        ("clamp_kwarg", {"name": "temperature", "max": 1.5}),
    )


def test_only_a_minimum(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="m", top_p=0)\n',
        HEAD + 'c.chat.completions.create(model="m", top_p=0.01)\n',
        CALL,
        ("clamp_kwarg", {"name": "top_p", "min": 0.01}),
        diagnostics=["top_p=0 clamped to 0.01"],
    )


def test_non_literal_is_reported_and_kept(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="m", temperature=t)\n',
        None,
        CALL,
        TEMP,
        diagnostics=["warning: temperature= is not a literal; keep it within [0.0, 1.0] for Acme"],
    )
