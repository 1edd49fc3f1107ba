from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.analyzer.textfiles import analyze_text, classify
from migrator.engine.textfiles import rewrite_dependencies, rewrite_env

KEY = "sk-proj-" + "Ab3dEf9hIjKlMn0pQrStUvWxYz12f3a9"
REQ = "dashscope>=2.0"


def kinds(findings, kind):
    return [f for f in findings if f.kind == kind]


def deps(path, text):
    return [
        (f.detail["package"], f.detail["specifier"], f.detail["section"]) for f in kinds(analyze_text(path, text), "dependency")
    ]


def at(text, finding):
    """The text a single-line finding's span covers."""
    line = text.split("\n")[finding.span.line - 1]
    return line[finding.span.col : finding.span.end_col]


# --------------------------------------------------------------------------- classify


@pytest.mark.parametrize(
    "path, kind",
    [
        ("requirements.txt", "requirements"),
        ("requirements-dev.txt", "requirements"),
        ("dev-requirements.in", "requirements"),
        ("requirements/base.txt", "requirements"),
        ("requirements/prod.in", "requirements"),
        ("pkg/pyproject.toml", "pyproject"),
        ("setup.cfg", "setup_cfg"),
        ("setup.py", "setup_py"),
        ("Pipfile", "pipfile"),
        ("environment.yml", "conda"),
        ("environment.yaml", "conda"),
        (".env", "env"),
        (".env.example", "env"),
        ("config/prod.env", "env"),
        ("docker-compose.yml", "compose"),
        ("docker-compose.override.yaml", "compose"),
        ("compose.yaml", "compose"),
        ("Dockerfile", "dockerfile"),
        ("docker/Dockerfile.dev", "dockerfile"),
        (".github/workflows/ci.yml", "ci"),
        ("web/app.ts", "js"),
        ("web/App.tsx", "js"),
        ("lib/x.mjs", "js"),
        ("package.json", "package_json"),
        ("nb/demo.ipynb", "notebook"),
        ("run.sh", "shell"),
        ("README.md", "text"),
        ("conf/settings.yaml", "text"),
        ("notes.txt", "text"),
        ("main.py", None),
        ("logo.png", None),
        ("Makefile", None),
    ],
)
def test_classify(path, kind):
    assert classify(path) == kind


# --------------------------------------------------------------------------- requirements


def test_requirements_positions_and_detail():
    text = "requests\nopenai>=1.0  # pinned\n  langchain_openai==0.1\n"
    found = kinds(analyze_text("requirements.txt", text), "dependency")
    assert [at(text, f) for f in found] == ["openai>=1.0", "langchain_openai==0.1"]
    assert (found[1].span.line, found[1].span.col) == (3, 2)
    assert found[0].message == "openai requirement 'openai>=1.0' in requirements.txt"
    assert found[0].detail == {"package": "openai", "specifier": ">=1.0", "section": "requirements", "role": "sdk"}
    assert found[1].detail["package"] == "langchain-openai"  # PEP 503 normalized


@pytest.mark.parametrize(
    "line",
    [
        "openai-whisper==2023",  # another package
        "openai_agents",
        "# openai>=1.0",  # commented out: installs nothing, not reported
        "#openai",
        "-r openai.txt",
        "--index-url https://example.org/openai",
        "pyopenai",
    ],
)
def test_requirement_look_alikes_are_not_reported(line):
    assert deps("requirements.txt", line + "\n") == []


def test_all_watched_packages():
    text = "OpenAI\ntiktoken~=0.7\nllama-index-llms-openai\nLlama_Index.Embeddings.OpenAI\nlangchain-openai[x]>=0.1\n"
    assert [d[0] for d in deps("requirements.txt", text)] == [
        "openai",
        "tiktoken",
        "llama-index-llms-openai",
        "llama-index-embeddings-openai",
        "langchain-openai",
    ]


def test_requirements_crlf_bom_and_marker():
    text = "\ufeffopenai==1.2 ; python_version >= '3.8'\r\ntiktoken\r\n"
    found = kinds(analyze_text("requirements.txt", text), "dependency")
    assert [(f.span.line, f.span.col, f.span.end_col) for f in found] == [(1, 0, 37), (2, 0, 8)]
    assert found[0].detail["specifier"] == "==1.2"


def test_hash_options_are_not_part_of_the_specifier():
    assert deps("requirements.txt", "openai==1.0 --hash=sha256:abc\n") == [("openai", "==1.0", "requirements")]


@pytest.mark.parametrize("path", ["requirements.txt", "pyproject.toml", ".env", "README.md", "app.ts", "x.ipynb"])
def test_empty_files(path):
    assert analyze_text(path, "") == []


# --------------------------------------------------------------------------- pyproject.toml

PYPROJECT = """\
[project]
name = "demo"
description = '''
[tool.poetry.dependencies]
openai = "^0.1"
'''
dependencies = [
    "openai>=1.0",  # the SDK
    'requests',
]

[project.optional-dependencies]
llm = ["langchain-openai", "tiktoken>=0.5"]

[dependency-groups]
dev = ["openai<2", {include-group = "openai"}]

[tool.uv]
dev-dependencies = ["llama-index-llms-openai"]

[tool.poetry.dependencies]
python = "^3.9"
openai = "^1.0"
"tiktoken" = { version = "^0.5", optional = true }

[tool.poetry.group.test.dependencies]
openai = "*"

[build-system]
requires = ["openai"]
"""


def test_pyproject_sections():
    assert deps("pyproject.toml", PYPROJECT) == [
        ("openai", ">=1.0", "project.dependencies"),
        ("langchain-openai", "", "project.optional-dependencies.llm"),
        ("tiktoken", ">=0.5", "project.optional-dependencies.llm"),
        ("openai", "<2", "dependency-groups.dev"),
        ("llama-index-llms-openai", "", "tool.uv.dev-dependencies"),
        ("openai", "^1.0", "tool.poetry.dependencies"),
        ("tiktoken", "^0.5", "tool.poetry.dependencies"),
        ("openai", "", "tool.poetry.group.test.dependencies"),
    ]


def test_pyproject_positions():
    found = kinds(analyze_text("pyproject.toml", PYPROJECT), "dependency")
    assert at(PYPROJECT, found[0]) == "openai>=1.0"
    assert at(PYPROJECT, found[5]) == 'openai = "^1.0"'


# --------------------------------------------------------------------------- setup.cfg / setup.py / Pipfile / conda


def test_setup_cfg():
    text = (
        "[metadata]\nname = openai-demo\n[options]\ninstall_requires =\n    requests\n    openai>=1.0\n"
        "# openai\n[options.extras_require]\nllm = tiktoken\n"
    )
    assert deps("setup.cfg", text) == [
        ("openai", ">=1.0", "options.install_requires"),
        ("tiktoken", "", "options.extras_require.llm"),
    ]


def test_setup_py():
    text = (
        'from setuptools import setup\nREQS = ["openai>=1.0", "requests"]\n'
        'setup(name="openai", install_requires=REQS,\n'
        '      extras_require={"openai": ["langchain-openai"]})\n'
    )
    found = analyze_text("setup.py", text)
    assert [(f.detail["package"], f.detail["section"]) for f in found] == [
        ("openai", "install_requires"),
        ("langchain-openai", "extras_require.openai"),
    ]
    assert at(text, found[0]) == "openai>=1.0"


def test_setup_py_that_does_not_tokenize_gives_nothing():
    assert analyze_text("setup.py", 'setup(install_requires=["openai"\n') == []


def test_pipfile():
    text = (
        '[[source]]\nurl = "https://pypi.org/simple"\n[packages]\nopenai = "*"\n'
        '[dev-packages]\ntiktoken = {version = ">=0.5"}\n[requires]\npython_version = "3.11"\n'
    )
    assert deps("Pipfile", text) == [("openai", "", "packages"), ("tiktoken", ">=0.5", "dev-packages")]


def test_environment_yml():
    text = (
        "name: demo\ndependencies:\n  - python=3.11\n  - conda-forge::openai>=1.0\n  - pip:\n"
        "    - tiktoken==0.5\n    - \"langchain-openai\"\n  - numpy\nchannels:\n  - openai\n"
    )
    assert deps("environment.yml", text) == [
        ("openai", ">=1.0", "dependencies"),
        ("tiktoken", "==0.5", "dependencies.pip"),
        ("langchain-openai", "", "dependencies.pip"),
    ]


def test_pip_install_in_dockerfile():
    text = "FROM python:3.11\nRUN pip install -q --no-cache-dir openai==1.2 requests && echo openai\n"
    found = kinds(analyze_text("Dockerfile", text), "dependency")
    assert [(at(text, f), f.detail["section"]) for f in found] == [("openai==1.2", "pip install")]


# --------------------------------------------------------------------------- env / url / secret


def test_env_file():
    text = (
        f"OPENAI_API_KEY={KEY}\n# OPENAI_ORG_ID=org-1\nMY_OPENAI_API_KEY_HINT=1\n"
        "export AZURE_OPENAI_ENDPOINT=x\nOPENAI_API_VERSION=2024-02-01\n"
    )
    found = analyze_text(".env", text)
    assert [(f.kind, f.detail.get("variable")) for f in kinds(found, "env")] == [
        ("env", "OPENAI_API_KEY"),
        ("env", "AZURE_OPENAI_ENDPOINT"),
        ("env", "OPENAI_API_VERSION"),
    ]
    (secret,) = kinds(found, "secret")
    assert secret.message == "hard-coded OpenAI API key sk-proj-\u2026f3a9"
    assert at(text, secret) == KEY


def test_compose_and_dockerfile_env():
    compose = "services:\n  app:\n    environment:\n      OPENAI_API_KEY: ${OPENAI_API_KEY}\n      - OPENAI_BASE_URL\n"
    found = kinds(analyze_text("docker-compose.yml", compose), "env")
    assert [(f.span.line, f.span.col, f.detail["variable"]) for f in found] == [
        (4, 6, "OPENAI_API_KEY"),
        (4, 24, "OPENAI_API_KEY"),
        (5, 8, "OPENAI_BASE_URL"),
    ]
    docker = "ARG OPENAI_API_KEY\nENV OPENAI_BASE_URL=https://api.openai.com/v1\n# ENV OPENAI_ORG_ID=x\n"
    found = analyze_text("Dockerfile", docker)
    assert [f.detail.get("variable") for f in kinds(found, "env")] == ["OPENAI_API_KEY", "OPENAI_BASE_URL"]
    assert len(kinds(found, "url")) == 1


def test_env_names_not_reported_in_plain_text_files():
    assert kinds(analyze_text("README.md", "Set OPENAI_API_KEY first.\n"), "env") == []


def test_urls():
    text = (
        "See https://api.openai.com/v1/chat/completions?api-key=x.\n"
        "Azure: https://my-res.openai.azure.com/openai/deployments\n"
        "Docs: https://platform.openai.com/docs and notapi.openai.com\n"
    )
    found = kinds(analyze_text("README.md", text), "url")
    assert [f.detail["url"] for f in found] == [
        "https://api.openai.com/v1/chat/completions",
        "https://my-res.openai.azure.com/openai/deployments",
    ]
    assert [f.detail["azure"] for f in found] == [False, True]
    assert found[0].message == "OpenAI endpoint URL 'https://api.openai.com/v1/chat/completions' in README.md"


def test_secret_values_never_appear_in_findings():
    texts = {
        ".env": f"OPENAI_API_KEY={KEY}\n",
        "docker-compose.yml": f"environment:\n  OPENAI_API_KEY: {KEY}\n",
        "Dockerfile": f"ENV OPENAI_API_KEY={KEY}\n",
        "requirements.txt": f"openai @ git+https://user:{KEY}@github.com/x/openai\n",
        "app.js": f'const k = "{KEY}"; import OpenAI from "openai";\n',
        "config.json": json.dumps({"api_key": KEY}),
        "README.md": f"key: {KEY}\n",
        "nb.ipynb": json.dumps(
            {
                "cells": [{"cell_type": "code", "source": [f"k = '{KEY}'"], "metadata": {}, "outputs": []}],
                "nbformat": 4,
                "metadata": {},
            }
        ),
    }
    for path, text in texts.items():
        found = analyze_text(path, text)
        assert kinds(found, "secret"), path
        for f in found:
            assert KEY not in repr(f) and KEY not in json.dumps(f.to_json()), path
            assert "\n" not in f.message


# --------------------------------------------------------------------------- JS / TS


def test_js_imports():
    text = (
        'import OpenAI from "openai";\n'
        "import { AzureOpenAI } from 'openai';\n"
        "// import x from 'openai'\n"
        "/* const y = require('openai') */\n"
        "const { OpenAIClient } = require('@azure/openai');\n"
        'import { ChatOpenAI } from "@langchain/openai";\n'
        'import type { ChatCompletion } from "openai/resources";\n'
        'const m = await import("openai");\n'
        'import { OpenAIStream } from "openai-edge";\n'
        'const url = "https://example.org//x"; import "openai";\n'
    )
    found = kinds(analyze_text("src/app.ts", text), "js")
    assert [(f.span.line, f.detail["module"], f.detail["form"]) for f in found] == [
        (1, "openai", "import"),
        (2, "openai", "import"),
        (5, "@azure/openai", "require"),
        (6, "@langchain/openai", "import"),
        (7, "openai/resources", "import"),
        (8, "openai", "dynamic-import"),
        (10, "openai", "import"),
    ]
    assert at(text, found[0]) == '"openai"'


# the pieces an import can be built of, and what sits next to one: other words ending in a form
# word, whitespace of every kind, every quote, module names and paths glued to each other
_JS_PIECES = [
    "import",
    "from",
    "require",
    "re",
    "x",
    "(",
    " ",
    "\n",
    "\t",
    "\u3000",
    "'",
    '"',
    "`",
    "openai",
    "@azure/",
    "@langchain/",
    "/chat",
    "openai-edge",
    ";",
]


_JS_IMPORTS = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["import", "from", "require", "import(", "require (", "xfrom", ""]),
        st.sampled_from(["", " ", "\n  ", "( "]),
        st.sampled_from(["'", '"', "`"]),
        st.sampled_from(["openai", "@azure/openai", "@langchain/openai", "openai/resources", "@x/openai"]),
        st.sampled_from(["'", '"', "`", ""]),
    ),
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_JS_PIECES), _JS_IMPORTS), max_size=10))
def test_js_import_search_finds_what_the_pattern_finds(pieces):
    # _js_imports starts from the module names instead of trying the pattern at every offset
    from migrator.analyzer.textfiles import _JS_IMPORT_RE, _js_imports

    text = "".join(pieces)
    expected = [(m.start(), m.end(), m.group("module")) for m in _JS_IMPORT_RE.finditer(text)]
    assert [(m.start(), m.end(), m.group("module")) for m in _js_imports(text)] == expected


def _js_comments_by_scan(text):
    """The definition _js_comment_ranges follows, as a character-by-character scan."""
    ranges, i, quote = [], 0, None
    while i < len(text):
        c = text[i]
        if quote:
            i += 2 if c == "\\" else 1
            quote = None if c == quote or (c == "\n" and quote != "`") else quote  # '...' ends at a newline
            continue
        if c in "\"'`":
            quote = c
        elif text.startswith("//", i) or text.startswith("/*", i):
            close = text.find("\n", i) if text[i + 1] == "/" else text.find("*/", i + 2)
            end = len(text) if close < 0 else close + (2 if text[i + 1] == "*" else 0)
            ranges.append((i, end))
            i = end
            continue
        i += 1
    return ranges


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["'", '"', "`", "\\", "\n", "/", "*", "a", " ", "//", "/*", "*/"]), max_size=16))
def test_js_comments_are_found_as_a_scan_finds_them(pieces):
    from migrator.analyzer.textfiles import _js_comment_ranges

    text = "".join(pieces)
    assert _js_comment_ranges(text) == _js_comments_by_scan(text)


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "https://",
                "http://",
                "api.openai.com",
                "x.openai.azure.com",
                ".openai.azure.com",
                "a",
                "-",
                ".",
                "/",
                " ",
                "\n",
                "v1",
                ":443",
                "?",
                "'",
                "api",
                "co-",
            ]
        ),
        max_size=12,
    )
)
def test_urls_on_long_lines_are_the_patterns_matches(pieces):
    # on a long line the URL pattern is tried only where a host can start; long_line=0
    # takes that route for every line
    from migrator.analyzer import finditer_on_lines
    from migrator.analyzer.textfiles import _URL_RE, _url_matches

    text = "".join(pieces)
    expected = [m.span() for m in finditer_on_lines(_URL_RE, text)]
    assert [m.span() for m in _url_matches(text, long_line=0)] == expected


def test_package_json():
    text = json.dumps(
        {"name": "openai-app", "dependencies": {"openai": "^4.0.0"}, "devDependencies": {"@langchain/openai": "0.1"}}, indent=2
    )
    found = analyze_text("package.json", text)
    assert [(f.kind, f.detail["package"], f.detail["section"]) for f in found] == [
        ("js", "openai", "dependencies"),
        ("js", "@langchain/openai", "devDependencies"),
    ]


# --------------------------------------------------------------------------- notebooks


def test_notebook_pip_magics_and_urls_carry_cell_numbers():
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["Uses https://api.openai.com/v1\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import os\n", "%pip install -q openai>=1.0\n"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    found = analyze_text("demo.ipynb", json.dumps(nb, indent=1))
    assert [(f.kind, f.cell, f.span.line, f.span.col) for f in found] == [("url", 1, 1, 5), ("dependency", 2, 2, 16)]


def test_invalid_notebook_gives_no_findings_here():
    assert analyze_text("bad.ipynb", "{not json") == []


# --------------------------------------------------------------------------- rewrite_dependencies


def rewrite(path, text, keep=False, requirement=REQ):
    new, notes = rewrite_dependencies(path, text, requirement=requirement, keep_openai=keep)
    again, _ = rewrite_dependencies(path, new, requirement=requirement, keep_openai=keep)
    assert again == new  # idempotent
    return new, notes


def test_requirements_replaced_in_place_keeping_everything_else():
    text = "# deps\r\nrequests==2.0\r\nopenai>=1.0  # the SDK\r\n# openai\r\ntiktoken"
    new, notes = rewrite("requirements.txt", text)
    assert new == "# deps\r\nrequests==2.0\r\ndashscope>=2.0  # the SDK\r\n# openai\r\ntiktoken"
    assert notes == ["requirements.txt:3: replaced 'openai>=1.0' with 'dashscope>=2.0'"]


def test_marker_is_kept_and_bom_preserved():
    new, _ = rewrite("requirements.txt", "\ufeffopenai==1.0; python_version >= '3.8'\n")
    assert new == "\ufeffdashscope>=2.0; python_version >= '3.8'\n"


def test_keep_openai_changes_nothing():
    text = "openai>=1.0\n"
    new, notes = rewrite("requirements.txt", text, keep=True)
    assert new == text and notes and "kept openai" in notes[0]


def test_no_openai_no_change_no_notes():
    assert rewrite("requirements.txt", "requests\n") == ("requests\n", [])
    assert rewrite("requirements.txt", "") == ("", [])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("dashscope\nopenai>=1.0\nrequests\n", "dashscope\nrequests\n"),
        ("dashscope\r\nopenai", "dashscope"),  # last line without newline: no newline added
        ("openai\nDashScope==2.1\n", "DashScope==2.1\n"),
        ("openai<1; python_version<'3.8'\nopenai>=1; python_version>='3.8'\n", "dashscope>=2.0; python_version<'3.8'\n"),
    ],
)
def test_never_duplicates_the_provider(text, expected):
    new, notes = rewrite("requirements.txt", text)
    assert new == expected
    assert any("removed" in n for n in notes)


def test_pyproject_pep621_and_poetry():
    text = (
        "[project]\n"
        "dependencies = [\n"
        '    "openai>=1.0",  # the SDK\n'
        "    'requests',\n"
        "]\n"
        "[project.optional-dependencies]\n"
        'a = ["openai", "dashscope"]\n'
        'b = ["dashscope", "openai"]\n'
        'c = ["openai"]\n'
        "[tool.poetry.dependencies]\n"
        'python = "^3.9"\n'
        'openai = { version = "^1.0", optional = true }\n'
        "[tool.poetry.group.dev.dependencies]\n"
        "openai = '*'\n"
    )
    new, notes = rewrite("pyproject.toml", text)
    assert new == (
        "[project]\n"
        "dependencies = [\n"
        '    "dashscope>=2.0",  # the SDK\n'
        "    'requests',\n"
        "]\n"
        "[project.optional-dependencies]\n"
        'a = ["dashscope"]\n'
        'b = ["dashscope"]\n'
        'c = ["dashscope>=2.0"]\n'
        "[tool.poetry.dependencies]\n"
        'python = "^3.9"\n'
        'dashscope = { version = ">=2.0", optional = true }\n'
        "[tool.poetry.group.dev.dependencies]\n"
        "dashscope = '>=2.0'\n"
    )
    assert len(notes) == 6


def test_pyproject_multiline_array_removal():
    text = '[project]\ndependencies = [\n  "dashscope",\n  "openai>=1",  # old\n  "requests",\n]\n'
    new, _ = rewrite("pyproject.toml", text)
    assert new == '[project]\ndependencies = [\n  "dashscope",\n  "requests",\n]\n'


def test_setup_cfg_and_pipfile_and_setup_py():
    cfg = "[options]\ninstall_requires =\n    requests\n    openai>=1.0\n[options.extras_require]\nllm = openai\n"
    assert rewrite("setup.cfg", cfg)[0] == (
        "[options]\ninstall_requires =\n    requests\n    dashscope>=2.0\n[options.extras_require]\nllm = dashscope>=2.0\n"
    )
    pipfile = '[packages]\nopenai = "*"\ndashscope = "*"\n[dev-packages]\nopenai = {version = ">=1"}\n'
    assert rewrite("Pipfile", pipfile)[0] == '[packages]\ndashscope = "*"\n[dev-packages]\ndashscope = {version = ">=2.0"}\n'
    setup_py = 'setup(install_requires=["openai>=1.0", "requests"], extras_require={"x": [\'openai\']})\n'
    assert rewrite("setup.py", setup_py)[0] == (
        'setup(install_requires=["dashscope>=2.0", "requests"], extras_require={"x": [\'dashscope>=2.0\']})\n'
    )


def test_provider_without_specifier_in_poetry():
    new, _ = rewrite("pyproject.toml", '[tool.poetry.dependencies]\nopenai = "^1"\n', requirement="zhipuai")
    assert new == '[tool.poetry.dependencies]\nzhipuai = "*"\n'


@pytest.mark.parametrize(
    "path, text",
    [
        ("requirements.txt", "openai==1.0 \\\n    --hash=sha256:abc\n"),
        ("pyproject.toml", '[tool.poetry.dependencies]\nopenai = { git = "https://github.com/openai/openai-python" }\n'),
        ("environment.yml", "dependencies:\n  - openai\n"),
        ("setup.cfg", "[options]\ninstall_requires = openai\n  dashscope\n"),  # removal would eat the key
    ],
)
def test_unusual_forms_are_left_unchanged_with_a_note(path, text):
    new, notes = rewrite(path, text)
    assert new == text
    assert len(notes) == 1 and "unchanged" in notes[0]


def test_files_that_are_not_rewritten():
    text = "RUN pip install openai\n"
    new, notes = rewrite("Dockerfile", text)
    assert new == text and "not rewritten" in notes[0]


def test_wrappers_are_noted_not_removed():
    new, notes = rewrite("requirements.txt", "openai\nlangchain-openai\ntiktoken\n")
    assert new == "dashscope>=2.0\nlangchain-openai\ntiktoken\n"
    assert any("langchain-openai" in n for n in notes) and not any("tiktoken" in n for n in notes)


def test_bad_requirement_string():
    with pytest.raises(ValueError):
        rewrite_dependencies("requirements.txt", "openai\n", requirement="  ", keep_openai=False)


# --------------------------------------------------------------------------- rewrite_env

MAPPING = {"OPENAI_API_KEY": "DASHSCOPE_API_KEY", "OPENAI_BASE_URL": "DASHSCOPE_BASE_URL"}


def test_rewrite_env_renames_names_and_replaces_openai_values():
    """An OpenAI key under the provider's name is useless and a secret; an OpenAI URL under
    the provider's base-URL variable sends the provider's key to OpenAI: neither survives."""
    text = f"OPENAI_API_KEY={KEY}\r\nURL=${{OPENAI_BASE_URL}}\r\nOPENAI_BASE_URL=https://api.openai.com\r\nMY_OPENAI_API_KEY_HINT=1\r\n"
    new, notes = rewrite_env(".env", text, MAPPING, values={"DASHSCOPE_BASE_URL": "https://p.invalid/v1"}, what="DashScope API")
    assert new == (
        "# DASHSCOPE_API_KEY: set it to your DashScope API key (migrator removed the OpenAI value)\r\n"
        "DASHSCOPE_API_KEY=\r\nURL=${DASHSCOPE_BASE_URL}\r\n"
        "DASHSCOPE_BASE_URL=https://p.invalid/v1\r\nMY_OPENAI_API_KEY_HINT=1\r\n"
    )
    assert notes == [
        ".env: renamed OPENAI_API_KEY to DASHSCOPE_API_KEY (1 place)",
        ".env: renamed OPENAI_BASE_URL to DASHSCOPE_BASE_URL (2 places)",
        ".env:1: DASHSCOPE_API_KEY left empty: set it to your DashScope API key (the OpenAI value was removed)",
        ".env:3: DASHSCOPE_BASE_URL set to https://p.invalid/v1 (it held an OpenAI value)",
    ]
    assert KEY not in repr(notes)
    assert rewrite_env(".env", new, MAPPING) == (new, [])


def test_rewrite_env_writes_its_comment_in_the_todo_language():
    new, _ = rewrite_env(".env", f"OPENAI_API_KEY={KEY}\n", MAPPING, what="DashScope API", lang="zh")
    assert new == "# DASHSCOPE_API_KEY：请填入你的 DashScope API 密钥（migrator 已删除 OpenAI 的值）\nDASHSCOPE_API_KEY=\n"
    assert rewrite_env(".env", new, MAPPING, lang="en") == (new, [])  # a run in the other language changes nothing


@pytest.mark.parametrize(
    "line, expected",
    [
        ("export OPENAI_API_KEY='sk-x'\n", "# DASHSCOPE_API_KEY: {c}\nexport DASHSCOPE_API_KEY=\n"),
        ("      OPENAI_API_KEY: some-value", "      # DASHSCOPE_API_KEY: {c}\n      DASHSCOPE_API_KEY:"),  # compose, no EOL
        ("  - OPENAI_API_KEY=v\n", "  # DASHSCOPE_API_KEY: {c}\n  - DASHSCOPE_API_KEY=\n"),
        ("ENV OPENAI_API_KEY=v\n", "# DASHSCOPE_API_KEY: {c}\nENV DASHSCOPE_API_KEY=\n"),
        ('  "OPENAI_API_KEY": "v"\n', '  # DASHSCOPE_API_KEY: {c}\n  "DASHSCOPE_API_KEY":\n'),  # quoted YAML key
        ("A=1\rOPENAI_API_KEY=v\rB=2\r", "A=1\r# DASHSCOPE_API_KEY: {c}\rDASHSCOPE_API_KEY=\rB=2\r"),  # CR only
        ("OPENAI_API_KEY=\n", "DASHSCOPE_API_KEY=\n"),  # no value: renamed only
        ("OPENAI_API_KEY=${OPENAI_API_KEY}\n", "DASHSCOPE_API_KEY=${DASHSCOPE_API_KEY}\n"),  # references stay
        ('OPENAI_API_KEY="$X"\n', 'DASHSCOPE_API_KEY="$X"\n'),
        ("OPENAI_API_KEY= # set me\n", "DASHSCOPE_API_KEY= # set me\n"),
    ],
)
def test_rewrite_env_value_forms(line, expected):
    new, _ = rewrite_env(".env", line, MAPPING, what="DashScope API")
    assert new == expected.replace("{c}", "set it to your DashScope API key (migrator removed the OpenAI value)")
    assert rewrite_env(".env", new, MAPPING)[0] == new


def test_rewrite_env_does_not_duplicate_an_existing_target():
    text = f"OPENAI_API_KEY={KEY}\nDASHSCOPE_API_KEY=\nOPENAI_BASE_URL=x\n"
    new, notes = rewrite_env(".env.example", text, MAPPING)
    assert new == (
        f"OPENAI_API_KEY={KEY}\nDASHSCOPE_API_KEY=\n# DASHSCOPE_BASE_URL: set it to your provider's endpoint "
        "(migrator removed the OpenAI value)\nDASHSCOPE_BASE_URL=\n"
    )
    assert notes[0] == ".env.example: DASHSCOPE_API_KEY already present; OPENAI_API_KEY left unchanged (merge them by hand)"
    assert KEY not in repr(notes)
    assert rewrite_env(".env.example", new, MAPPING)[0] == new


def test_rewrite_env_compose_and_dockerfile():
    compose = "services:\n  app:\n    environment:\n      OPENAI_API_KEY: ${OPENAI_API_KEY}\n"
    assert rewrite_env("compose.yaml", compose, MAPPING)[0] == (
        "services:\n  app:\n    environment:\n      DASHSCOPE_API_KEY: ${DASHSCOPE_API_KEY}\n"
    )
    docker = "ARG OPENAI_API_KEY\nENV OPENAI_API_KEY=$OPENAI_API_KEY\n"
    assert rewrite_env("Dockerfile", docker, MAPPING)[0] == "ARG DASHSCOPE_API_KEY\nENV DASHSCOPE_API_KEY=$DASHSCOPE_API_KEY\n"


def test_rewrite_env_refuses_chained_mappings():
    with pytest.raises(ValueError):
        rewrite_env(".env", "A=1\n", {"A": "B", "B": "C"})
