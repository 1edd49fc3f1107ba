"""apply at the speed of the parser (issue 19): the line map from a migrated file back to the
original costs time in proportion to the file, and gives the map difflib gave."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from unittest import mock
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migrator.apply as apply_mod
from migrator.apply import _line_map, migrate_python_bytes
from migrator.ruleset import load_all, select

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PLANS = [("dashscope", "compat"), ("zhipu", "native"), ("hunyuan", "compat")]


def difflib_map(old: bytes, new: bytes) -> Dict[int, int]:
    """The map as apply computed it before: one difflib pass over the whole file."""
    a = old.decode("utf-8", "replace").splitlines()
    b = new.decode("utf-8", "replace").splitlines()
    out: Dict[int, int] = {}
    for tag, i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.update({j + 1: i1 + (j - j1) + 1 for j in range(j1, j2)})
    return out


@pytest.fixture(scope="module")
def migrated() -> List[Tuple[str, bytes, bytes]]:
    """Every fixture input that a plan changes, and all equivalence programs as one big file
    (705 lines: large enough that the map is built from anchors, not by difflib alone)."""
    providers = load_all([])
    inputs = sorted(FIXTURES.rglob("input.py")) + sorted((FIXTURES / "programs").glob("*.py"))
    # the framework programs bind OpenAI to LlamaIndex's class: one module cannot hold them all
    programs = b"".join(p.read_bytes() for p in sorted((FIXTURES / "programs").glob("*.py")) if not p.name.startswith("fw_"))
    out = []
    for provider, plan in PLANS:
        ruleset = select(providers, provider, plan)
        for path, data in [(str(p), p.read_bytes()) for p in inputs] + [("programs.py", programs)]:
            new, result = migrate_python_bytes(path, data, ruleset, None)
            if new is not None:
                out.append((f"{provider}/{plan}: {path}", data, new))
    assert sum(len(old.splitlines()) > 500 for _, old, _new in out) == len(PLANS)
    return out


@pytest.mark.parametrize("difflib_cells", [None, 100])
def test_line_map_is_difflibs_on_every_fixture(migrated, monkeypatch, difflib_cells):
    # 100 cells: difflib only for ranges of about 10 lines, anchors everywhere else
    if difflib_cells is not None:
        monkeypatch.setattr(apply_mod, "_DIFFLIB_CELLS", difflib_cells)
    assert len(migrated) > 350  # 96 distinct fixture inputs under every plan (443 inputs before they were shared)
    differ = [name for name, old, new in migrated if _line_map(old, new) != difflib_map(old, new)]
    assert differ == []


def _edited(original: List[str], edits) -> Tuple[List[str], Dict[int, int]]:
    """``original`` with ``edits`` (position, lines removed, lines inserted) applied, and the map
    of the lines no edit touched (1-based, migrated -> original)."""
    lines = [(i, line) for i, line in enumerate(original)]
    for position, removed, inserted in edits:
        position = min(position, len(lines))
        lines[position : position + removed] = [(None, line) for line in inserted]
    kept = {j + 1: i + 1 for j, (i, _line) in enumerate(lines) if i is not None}
    return [line for _i, line in lines], kept


def _check_valid(a: List[str], b: List[str], line_map: Dict[int, int]) -> None:
    pairs = sorted(line_map.items())
    assert all(b[j - 1] == a[i - 1] for j, i in pairs)
    assert all(i1 < i2 for (_j1, i1), (_j2, i2) in zip(pairs, pairs[1:]))


_COMMON = ["", ")", "    )", "        messages=[],", "    return response"]  # lines code repeats
edits = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 4), st.lists(st.sampled_from(_COMMON + ["new = 1", "import os"]), max_size=4)),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(original=st.lists(st.sampled_from(_COMMON + [f"line_{k}" for k in range(12)]), max_size=180), edits=edits)
def test_line_map_of_random_edits_is_difflibs_up_to_the_threshold(original, edits):
    """A file within difflib's budget gets exactly difflib's map; built from anchors (a budget
    of 100 cells), the map still pairs equal lines in order."""
    b, _kept = _edited(original, edits)
    old, new = "\n".join(original).encode(), "\n".join(b).encode()
    if len(original) * len(b) <= apply_mod._DIFFLIB_CELLS:
        assert _line_map(old, new) == difflib_map(old, new)
    with mock.patch.object(apply_mod, "_DIFFLIB_CELLS", 100):
        _check_valid(original, b, _line_map(old, new))


@settings(max_examples=200, deadline=None)
@given(size=st.integers(0, 3000), repeated=st.lists(st.sampled_from(_COMMON), max_size=3000), edits=edits, fresh=st.booleans())
def test_line_map_of_random_edits_to_a_big_file(size, repeated, edits, fresh):
    """In a file too big for one difflib pass: every pair maps equal lines in order; when the
    untouched lines are the only way to match (distinct lines, new text inserted), the map is
    exactly them, as difflib's is."""
    original = [f"line_{k}" for k in range(size)]
    if not fresh:  # lines repeated all over, as blank lines and brackets are in code
        original = [line for pair in zip(original, repeated) for line in pair] + original[len(repeated) :]
    scaled = [
        (
            position * max(1, len(original)) // 400,
            removed,
            [f"new_{n}_{line}" for n, line in enumerate(inserted)] if fresh else inserted,
        )
        for position, removed, inserted in edits
    ]
    b, kept = _edited(original, scaled)
    line_map = _line_map("\n".join(original).encode(), "\n".join(b).encode())
    _check_valid(original, b, line_map)
    if fresh:
        assert line_map == kept


def test_line_map_of_repeated_blocks_without_a_unique_line():
    """Generated code repeats one block: no line is unique, the rarest lines that occur as
    often on both sides anchor the map, so every line no edit touched is still mapped."""
    block = ["", "def f(q):", "    r = client.chat.completions.create(", '        model="gpt-4o",', "    )", "    return r"]
    original = block * 1000
    edited, kept = _edited(original, [(100, 1, ["changed"]), (3000, 1, []), (4500, 0, ["new = 1"])])
    line_map = _line_map("".join(f"{line}\n" for line in original).encode(), "".join(f"{line}\n" for line in edited).encode())
    _check_valid(original, edited, line_map)
    assert len(line_map) >= len(kept) == len(original) - 2


def test_line_map_grows_linearly_with_the_file():
    """Counted, not timed: the lines difflib is given stay in proportion to the file (one
    difflib pass over a whole file is what made apply quadratic)."""
    seen: List[int] = []
    real = difflib.SequenceMatcher

    class Counting(real):
        def __init__(self, isjunk=None, a="", b="", autojunk=True):
            seen.append(len(a) * len(b))
            super().__init__(isjunk, a, b, autojunk)

    block = [
        "",
        "def ask_{}(q):",
        "    r = client.chat.completions.create(",
        '        model="gpt-4o",',
        "        messages=[],",
        "    )",
        "    return r",
        "",
    ]
    cells = []
    for copies in (250, 500, 1000):
        original = [line.format(k) for k in range(copies) for line in block]
        migrated = [line.replace("gpt-4o", "qwen-plus") for line in original]
        seen.clear()
        difflib.SequenceMatcher = Counting
        try:
            line_map = _line_map(
                "".join(f"{line}\n" for line in original).encode(), "".join(f"{line}\n" for line in migrated).encode()
            )
        finally:
            difflib.SequenceMatcher = real
        assert len(line_map) == len(original) - copies
        cells.append(sum(seen))
    assert max(seen) <= apply_mod._DIFFLIB_CELLS
    assert cells[1] <= 2.2 * cells[0] and cells[2] <= 2.2 * cells[1], cells


# ------------------------------------------------------------------ start-up (not timed: what is imported)


def _imported(*args: str, cwd: Path) -> Tuple[subprocess.CompletedProcess, set]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "migrator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    modules = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return proc, modules


def test_version_answers_before_loading_the_app(tmp_path):
    from migrator import __version__

    proc, modules = _imported("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == f"migrator {__version__}\n"
    assert not {"typer", "rich", "migrator.analyzer", "migrator.config"} & modules, sorted(modules)


def test_check_of_one_file_loads_only_the_check_command(tmp_path):
    (tmp_path / "app.py").write_text("from openai import OpenAI\n\nclient = OpenAI()\n")
    proc, modules = _imported("check", "app.py", cwd=tmp_path)
    assert proc.returncode == 1 and "check/openai-import" in proc.stdout
    assert "migrator.cli.check" in modules
    assert not {
        m
        for m in modules
        if m.startswith(("migrator.cli.scan", "migrator.cli.apply", "migrator.cli.rules", "migrator.engine", "libcst", "yaml"))
    }


def test_a_mistyped_command_still_lists_every_command(tmp_path):
    proc, _modules = _imported("chek", cwd=tmp_path)
    assert proc.returncode == 2 and "check" in proc.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "migrator", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )
    assert all(name in helped.stdout for name in ("scan", "apply", "check", "rules"))
