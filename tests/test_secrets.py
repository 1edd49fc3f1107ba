from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from migrator.analyzer.secrets import find_secrets, redact, redact_text
from tests.secret_shapes import ANYWHERE, ASSIGNED

LEGACY = "sk-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2f3a9"
PROJ = "sk-proj-" + "Zx9_Yw8-Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8Ba7f3a9"
HEX = "0123456789abcdef0123456789abf3a9"


def keys(text):
    return [text[start:end] for start, end, _ in find_secrets(text)]


@pytest.mark.parametrize(
    "key, expected",
    [
        (LEGACY, "sk-\u2026f3a9"),
        (PROJ, "sk-proj-\u2026f3a9"),
        ("sk-svcacct-" + PROJ[8:], "sk-svcacct-\u2026f3a9"),
        ("sk-admin-" + PROJ[8:], "sk-admin-\u2026f3a9"),
        (HEX, "\u2026f3a9"),
        ("sk-short", "sk-\u2026"),  # too short to show a tail
    ],
)
def test_redact(key, expected):
    assert redact(key) == expected


@pytest.mark.parametrize("key", [LEGACY, PROJ, "sk-svcacct-" + PROJ[8:], "sk-admin-" + PROJ[8:]])
def test_finds_sk_keys_with_exact_offsets(key):
    text = f'client = OpenAI(api_key="{key}")\n'
    hits = find_secrets(text)
    assert [(text[s:e], r) for s, e, r in hits] == [(key, redact(key))]


@pytest.mark.parametrize(
    "text",
    [
        "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",  # placeholder
        "OPENAI_API_KEY=sk-your-openai-api-key-here",  # placeholder, no digits
        "sk-1234567890123456789012",  # not random enough
        "sk-abc123",  # too short
        "risk-" + LEGACY[3:],  # glued to a word
        "mask-" + PROJ,  # glued
        "",
    ],
)
def test_look_alikes_are_not_secrets(text):
    assert find_secrets(text) == []


@pytest.mark.parametrize(
    "text",
    [
        f"AZURE_OPENAI_API_KEY={HEX}",
        f'api_key = "{HEX}"',
        f'{{"apiKey": "{HEX}"}}',
        f"azure_openai_api_key: '{HEX}'",
        f"export OPENAI_API_KEY={HEX}",
    ],
)
def test_azure_hex_key_when_assigned_to_api_key_name(text):
    assert keys(text) == [HEX]


@pytest.mark.parametrize(
    "text",
    [
        HEX,  # a bare hash
        f"checksum = {HEX}",
        f"md5: {HEX}",
        f"api_key = {HEX}ab12cd34",  # 40 hex: a git sha, not an Azure key
        f"commit {HEX}",
    ],
)
def test_hex_without_api_key_name_is_not_reported(text):
    assert find_secrets(text) == []


def test_several_keys_in_order():
    text = f"a={PROJ}\nb={LEGACY}\n"
    assert keys(text) == [PROJ, LEGACY]


def test_redacted_form_never_holds_the_key():
    for key in (LEGACY, PROJ, HEX):
        assert key not in redact(key)
        assert len(redact(key)) < 16


def _reference(text):
    """The definition find_secrets speeds up: every regex over the whole text."""
    from migrator.analyzer.secrets import reference_secrets

    return reference_secrets(text)


_PIECES = [
    "sk-",
    "sk-proj-",
    "risk-",
    "Ab3dE5fG7hJ9kL1mN3pQ",
    "x",
    "_",
    "-",
    " ",
    "\n",
    "=",
    ": ",
    "'",
    '"',
    "api_key",
    "API-KEY",
    "apiKey",
    "azure_openai_api_key",
    HEX,
    HEX[:20],
    "0" * 33,
    "a" * 150,
    "\u0130",
    "\u212a",
    # the other shapes and names: Zhipu id.secret, UUIDs, mixed alphanumerics, escapes, AK/SK names
    ".",
    "Qw3Er5Ty7Ui9Op2A",
    HEX.upper(),
    "3f9a1c7e-5b2d-4e8f-a6c0-9d1b7e3f5a26",
    "Hh4Z3bW5uZ9jk1d8KvDxfH2d",
    "bce-v3/ALTAK-",
    "AKID",
    "\\n",
    "%20",
    ",",
    "]",
    "ak",
    "SK",
    "secret",
    "Token",
    "access-key",
    "QIANFAN_AK",
    "task",
    "cache_key",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=16))
@example(["api_key", "a" * 150, "=", HEX])  # the farthest a key can sit from the start of its name
@example(["\u0130", "api_key = ", HEX])  # lower() makes this text longer: offsets differ
@example(["api_key", "\u212a", "=", HEX])  # a KELVIN SIGN is a name character to the case-insensitive definition
def test_fast_scan_finds_exactly_what_the_regexes_define(pieces):
    text = "".join(pieces)
    assert find_secrets(text) == _reference(text)


# ------------------------------------------------------------------ every provider's key shape


@pytest.mark.parametrize("shape", sorted(ANYWHERE))
@pytest.mark.parametrize(
    "where",
    [
        'x = "{k}"\n',
        "# {k}\n",
        's = "hello\\n{k}"\n',
        'h = {{"Authorization": "Bearer%20{k}"}}\n',
        '{{"value": "{k}"}}',
        "value: {k}\n",
        "url = 'https://x.invalid/?t=\\x20{k}'\n",
    ],
)
def test_shapes_found_anywhere(shape, where):
    key = ANYWHERE[shape]
    text = where.format(k=key)
    assert keys(text) == [key]
    shown = redact_text(text)
    assert key not in shown and redact(key) in shown and key[-4:] in shown


@pytest.mark.parametrize("shape", sorted(ASSIGNED))
@pytest.mark.parametrize(
    "where",
    [
        '{n} = "{k}"\n',
        "{n}={k}\n",
        "export {n}={k}\n",
        '{{"{n}": "{k}"}}',
        "{n}: '{k}'\n",
        'os.environ["{n}"] = "{k}"\n',
        'f({n}="{k}")\n',
        'os.environ.setdefault("{n}", "{k}")\n',
    ],
)
def test_shapes_found_when_assigned_to_a_key_like_name(shape, where):
    name, key = ASSIGNED[shape]
    text = where.format(n=name, k=key)
    assert keys(text) == [key]
    assert key not in redact_text(text)


@pytest.mark.parametrize("shape", sorted(ASSIGNED))
def test_assigned_shapes_are_not_reported_bare(shape):
    _, key = ASSIGNED[shape]
    for text in (key, f"checksum = {key}", f"id: {key}", f"commit {key}", f"cache_key = '{key}'"):
        assert find_secrets(text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        "api_key = 00000000000000000000000000000000",  # all the assigned shapes need a random value ...
        "ARK_API_KEY=00000000-0000-0000-0000-000000000000",
        "token = 'abcdefghijklmnopqrstuvwxyz'",  # ... mixed alphanumerics need upper, lower and digits
        "secret_key = 'ABCDEFGHIJ0123456789'",
        "api_key = 'your-api-key'",
        "DASHSCOPE_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "e3b4c5d6f7a8091a2b3c4d5e6f708192.aaaaaaaaaaaaaaaa",  # a Zhipu id with a placeholder secret
        "bce-v3/ALTAK-xxx/yyy",
        "task = 'Hh4Z3bW5uZ9jk1d8KvDxfH2d'",  # too short; "task" is not "sk"
    ],
)
def test_placeholders_and_look_alikes_of_the_new_shapes(text):
    assert find_secrets(text) == []


def test_redacted_forms_of_the_new_shapes():
    assert redact(ANYWHERE["qianfan-bearer"]) == "bce-v3/ALTAK-\u2026" + ANYWHERE["qianfan-bearer"][-4:]
    assert redact(ANYWHERE["zhipu"]) == "\u2026Op2A"
    assert redact(ASSIGNED["ark"][1]) == "\u20265a26"


def test_a_zhipu_key_assigned_to_api_key_is_one_hit():
    key = ANYWHERE["zhipu"]
    assert keys(f'ZHIPUAI_API_KEY="{key}"') == [key]


def test_diagnostics_and_todo_comments_quote_source_redacted():
    """A TODO written into committed code and a diagnostic are built from redacted text."""
    from migrator.engine import migrate_source
    from migrator.ruleset import load_all, select

    source = (
        f'import openai\nopenai.api_key = "{PROJ}"\n'
        'openai.Edit.create(model="text-davinci-edit-001", input="x", instruction="y")\n'
        'openai.ChatCompletion.create(model="gpt-4o", messages=[])\n'
    )
    result = migrate_source(source, "m.py", select(load_all(), "deepseek", "compat"))
    quoted = [d.message for d in result.diagnostics if "api_key" in d.message]
    assert quoted and all(PROJ not in m and redact(PROJ) in m for m in quoted)
    added = [line for line in result.output.splitlines() if "TODO(migrator" in line]
    assert any(redact(PROJ) in line for line in added)
    assert not any(PROJ in line for line in added)


@pytest.mark.parametrize("provider, plan", [("deepseek", "compat"), ("dashscope", "native"), ("zhipu", "native")])
def test_a_per_request_key_is_removed_with_the_v0_call_and_an_expression_left_for_a_person(provider, plan):
    """openai<1 took api_key= per call; openai>=1 only at the client: a literal key would be a
    TypeError and a secret committed on a rewritten line."""
    from migrator.engine import migrate_source
    from migrator.ruleset import load_all, select

    ruleset = select(load_all(), provider, plan)
    source = f'import openai\nr = openai.ChatCompletion.create(model="gpt-4o", messages=[], api_key="{LEGACY}")\n'
    result = migrate_source(source, "m.py", ruleset)
    assert result.changed and LEGACY not in result.output and "api_key=" not in result.output.splitlines()[-1]
    assert any("api_key= removed" in d.message for d in result.diagnostics)
    source = 'import openai, os\nr = openai.ChatCompletion.create(model="gpt-4o", messages=[], api_key=os.environ["K"])\n'
    result = migrate_source(source, "m.py", ruleset)
    assert 'api_key=os.environ["K"]' in result.output and "openai.ChatCompletion.create" in result.output
    assert any(d.severity == "manual" and "api_key= comes from" in d.message for d in result.diagnostics)
