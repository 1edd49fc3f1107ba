from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from migrator.analyzer.secrets import find_secrets, redact

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
    """The definition find_secrets speeds up: both regexes over the whole text."""
    from migrator.analyzer.secrets import _AZURE_NAME_RE, _HEX32_RE, _SK_RE, _looks_random, _sk_body

    hits = []
    for m in _SK_RE.finditer(text):
        if len(_sk_body(m.group(0))) >= 20 and _looks_random(_sk_body(m.group(0))):
            hits.append((m.start(), m.end(), redact(m.group(0))))
    for m in _HEX32_RE.finditer(text):
        if _AZURE_NAME_RE.search(text[max(0, m.start() - 160):m.start()]):
            hits.append((m.start(), m.end(), redact(m.group(0))))
    return sorted(hits)


_PIECES = [
    "sk-", "sk-proj-", "risk-", "Ab3dE5fG7hJ9kL1mN3pQ", "x", "_", "-", " ", "\n", "=", ": ", "'", '"',
    "api_key", "API-KEY", "apiKey", "azure_openai_api_key", HEX, HEX[:20], "0" * 33, "a" * 150, "\u0130", "\u212a",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=16))
@example(["api_key", "a" * 150, "=", HEX])  # the farthest a key can sit from the start of its name
@example(["\u0130", "api_key = ", HEX])  # lower() makes this text longer: offsets differ
@example(["api_key", "\u212a", "=", HEX])  # a KELVIN SIGN is a name character to the case-insensitive definition
def test_fast_scan_finds_exactly_what_the_regexes_define(pieces):
    text = "".join(pieces)
    assert find_secrets(text) == _reference(text)
