"""Output that scales (issue 17): summary first, --stat/--no-diff, folded info notes, the pager,
progress, the next step, and an explained best fit -- through the real CLI on real git repositories."""

from __future__ import annotations

import json
import re
from pathlib import Path

from test_apply_cli import APP, LEGACY, git, make_repo, run


def two_files(tmp_path: Path) -> Path:
    return make_repo(tmp_path, {"app.py": APP.encode(), "legacy.py": LEGACY.encode()})


def test_apply_summary_comes_before_the_diffs_and_again_at_the_end(tmp_path):
    repo = two_files(tmp_path)
    proc = run("apply", "--provider", "dashscope", "--dry-run", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    summary = next(i for i, line in enumerate(lines) if "file(s) changed" in line and "left for a person" in line)
    first_diff = next(i for i, line in enumerate(lines) if "--- a/" in line)
    assert summary < first_diff
    assert summary == 1  # right under the heading
    assert lines[summary].strip() in proc.stderr.strip().splitlines()[-1]  # and repeated last


def test_apply_stat_counts_lines_like_git_diff_numstat(tmp_path):
    repo = two_files(tmp_path)
    proc = run("apply", "--provider", "dashscope", "--dry-run", "--stat", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert "--- a/" not in proc.stdout and "@@" not in proc.stdout
    shown = {m.group(1): int(m.group(2)) for m in re.finditer(r"^ (\S+)\s+\|\s+(\d+) [+-]*$", proc.stdout, re.M)}
    assert run("apply", "--provider", "dashscope", cwd=repo).returncode == 0
    numstat = git(repo, "diff", "--numstat", "main", "migrator/dashscope-compat")
    expected = {path: int(a) + int(r) for a, r, path in (line.split("\t") for line in numstat.splitlines())}
    assert shown == expected
    assert f" {len(expected)} file(s) changed, " in proc.stdout


def test_apply_no_diff_leaves_out_the_diffs_only(tmp_path):
    repo = two_files(tmp_path)
    proc = run("apply", "--provider", "dashscope", "--dry-run", "--no-diff", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert "--- a/" not in proc.stdout and "+++ b/" not in proc.stdout
    assert "file(s) changed" in proc.stdout and "Rules applied" in proc.stdout


MIXED = (
    b"import openai\n\n\n"
    b"def chat(q):\n    return openai.ChatCompletion.create(model='gpt-4o', messages=[])['choices'][0]['message']['content']\n\n\n"
    b"def complete(q):\n    return openai.Completion.create(model='gpt-3.5-turbo-instruct', prompt=q)\n"
)


def test_apply_info_notes_are_counted_unless_verbose(tmp_path):
    repo = make_repo(tmp_path, {"app.py": MIXED, "legacy.py": LEGACY.encode()})
    doc = json.loads(run("apply", "--provider", "deepseek", "--dry-run", "--format", "json", cwd=repo).stdout)
    info = [d for d in doc["diagnostics"] if d["severity"] == "info"]
    rest = [d for d in doc["diagnostics"] if d["severity"] != "info"]
    assert len(info) >= 2 and any(d["severity"] == "manual" for d in rest)
    quiet = run("apply", "--provider", "deepseek", "--dry-run", cwd=repo).stdout
    assert f"{len(info)} info notes (use -v to list them)" in quiet
    for d in rest:  # warnings and the sites left for a person, in full
        assert f"{d['line']}:{d['column']} {d['severity']} {d['rule']}: {d['message']}" in quiet
    for d in info:
        assert f"{d['line']}:{d['column']} info {d['rule']}:" not in quiet
    loud = run("apply", "--provider", "deepseek", "--dry-run", "-v", cwd=repo).stdout
    assert "use -v" not in loud
    for d in info:
        assert f"{d['line']}:{d['column']} info {d['rule']}: {d['message']}" in loud


def _row(provider, plan, automatic, notes=0, manual=0):
    return {"provider": provider, "plan": plan, "automatic": automatic, "with_diagnostics": notes, "manual": manual}


def test_best_fit_breaks_ties_in_a_stated_order_whatever_the_row_order():
    import itertools

    from migrator.report.scan import best_fit

    cases = [  # rows, winner, the reasons said
        (
            [_row("zhipu", "compat", 3, manual=1), _row("ark", "compat", 3, manual=2), _row("qianfan", "native", 2)],
            "zhipu",
            ["it leaves fewer sites for a person"],
        ),
        (
            [_row("zhipu", "compat", 3, notes=0), _row("ark", "compat", 3, notes=1)],
            "zhipu",
            ["fewer of its sites need a note or a hybrid client"],
        ),
        (
            [_row("zhipu", "native", 3), _row("zhipu", "compat", 3)],
            "zhipu",
            ["the compat plan is the smaller change (it keeps the openai SDK)"],
        ),
        (
            [_row("zhipu", "compat", 3), _row("deepseek", "compat", 3), _row("dashscope", "native", 3)],
            "deepseek",
            [
                "the compat plan is the smaller change (it keeps the openai SDK)",
                "it comes first alphabetically (the rest is equal)",
            ],
        ),
    ]
    for rows, winner, why in cases:
        for order in itertools.permutations(rows):
            best, tied, reasons = best_fit(list(order))
            assert (best["provider"], best["plan"]) == (winner, "compat") and reasons == why
            assert len(tied) == sum(r["automatic"] == 3 for r in rows)
    best, tied, reasons = best_fit([_row("zhipu", "compat", 4), _row("ark", "compat", 3)])
    assert best["provider"] == "zhipu" and len(tied) == 1 and reasons == []


def test_scan_says_when_providers_tie_and_why_it_chose(tmp_path):
    repo = two_files(tmp_path)
    proc = run("scan", ".", "--format", "text", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "Best fit: dashscope (compat)" in proc.stdout
    assert re.search(
        r"Tie between dashscope \(compat\), dashscope \(native\), .*; chose dashscope \(compat\) because "
        r"the compat plan is the smaller change .*; then it comes first alphabetically",
        proc.stdout,
    ), proc.stdout


def test_scan_ends_with_the_next_command_but_json_does_not(tmp_path):
    repo = two_files(tmp_path)
    text = run("scan", ".", cwd=repo).stdout
    assert text.rstrip().splitlines()[-1] == "Next: run `migrator apply --provider dashscope --dry-run` to see the changes."
    elsewhere = run("scan", str(repo), cwd=tmp_path).stdout
    assert f"`migrator apply {repo} --provider dashscope --dry-run`" in elsewhere.rstrip().splitlines()[-1]
    assert "Next:" not in run("scan", ".", "--format", "json", cwd=repo).stdout
    (tmp_path / "e").mkdir()
    empty = make_repo(tmp_path / "e", {"x.py": b"print(1)\n"})
    assert run("scan", ".", cwd=empty).stdout.rstrip().splitlines()[-1].startswith("Next: nothing to migrate")


def test_failing_check_ends_with_how_to_fix_or_accept(tmp_path):
    repo = two_files(tmp_path)
    proc = run("check", cwd=repo)
    assert proc.returncode == 1
    assert (
        proc.stdout.rstrip().splitlines()[-1]
        == "Next: fix these, or accept them as known with `migrator check --update-baseline`."
    )
    for fmt in ("json", "sarif", "github"):
        assert "Next:" not in run("check", "--format", fmt, cwd=repo).stdout
    (repo / "new.py").write_text("import openai\n")
    based = run("check", "--base", "main", cwd=repo)
    assert based.returncode == 1 and "--update-baseline" not in based.stdout
    assert based.stdout.rstrip().splitlines()[-1].startswith("Next: fix these, or keep one with `# migrator: ignore[")
    assert run("check", "--update-baseline", cwd=repo).returncode == 0
    assert "Next:" not in run("check", cwd=repo).stdout  # passing: nothing to do


def _in_a_pty(args, cwd: Path, env: dict, rows: int = 12) -> "tuple[int, str]":
    """Run migrator with stdin, stdout and stderr on a real pseudo-terminal of ``rows`` lines."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import subprocess
    import sys
    import termios
    import time

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "migrator", *args],
        cwd=cwd,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    chunks, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        if not select.select([master], [], [], 1)[0]:
            continue
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every end of the slave is closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    try:
        return proc.wait(timeout=30), b"".join(chunks).decode("utf-8", "replace")
    except subprocess.TimeoutExpired:  # hung: fail the test, not the suite
        proc.kill()
        raise


def _pager_env(tmp_path: Path, **extra) -> dict:
    import os
    import sys

    from test_apply_cli import GIT_ENV

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    pager = bin_dir / "fakepager"
    pager.write_text(
        f"#!{sys.executable}\nimport sys\nopen({str(tmp_path / 'paged.txt')!r}, 'ab').write(sys.stdin.buffer.read())\n"
    )
    pager.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS", "MIGRATOR_PAGER", "NO_COLOR")}
    env.update(GIT_ENV, TERM="xterm", PAGER="fakepager", PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", **extra)
    return env


def test_long_apply_report_on_a_terminal_goes_through_the_pager(tmp_path):
    repo = two_files(tmp_path)
    code, screen = _in_a_pty(["apply", "--provider", "dashscope", "--dry-run"], repo, _pager_env(tmp_path))
    assert code == 1, screen
    paged = (tmp_path / "paged.txt").read_text(encoding="utf-8")
    assert "--- a/app.py" in paged and "file(s) changed" in paged
    assert "--- a/app.py" not in screen  # only the pager showed it
    assert "(dry run: nothing written)" in screen  # the closing summary on stderr, after the pager


def test_no_pager_when_asked_when_short_or_when_piped(tmp_path):
    repo = two_files(tmp_path)
    marker = tmp_path / "paged.txt"
    for args, extra in ((["--no-pager"], {}), ([], {"MIGRATOR_PAGER": "0"})):
        code, screen = _in_a_pty(["apply", "--provider", "dashscope", "--dry-run", *args], repo, _pager_env(tmp_path, **extra))
        assert code == 1 and "--- a/app.py" in screen and not marker.exists(), (args, extra)
    code, screen = _in_a_pty(["apply", "--provider", "dashscope", "--dry-run"], repo, _pager_env(tmp_path), rows=500)
    assert code == 1 and "--- a/app.py" in screen and not marker.exists()  # it fits: no pager
    import subprocess
    import sys

    piped = subprocess.run(
        [sys.executable, "-m", "migrator", "apply", "--provider", "dashscope", "--dry-run"],
        cwd=repo,
        env=_pager_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 1 and "--- a/app.py" in piped.stdout and not marker.exists()


def _many(tmp_path: Path, n: int) -> Path:
    files = {f"pkg/m{i:04d}.py": b"import os\nx = os.environ.get('A')\n" for i in range(n)}
    files["app.py"] = APP.encode()
    return make_repo(tmp_path, files)


def test_check_shows_progress_on_a_terminal_for_a_big_project_only(tmp_path):
    import subprocess
    import sys

    big = _many(tmp_path, 240)
    code, screen = _in_a_pty(["check"], big, _pager_env(tmp_path))
    assert code == 1, screen
    assert re.search(r"checking.*\d+/241", screen), screen  # determinate: files checked of files to check
    piped = subprocess.run(
        [sys.executable, "-m", "migrator", "check"],
        cwd=big,
        env=_pager_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "checking" not in piped.stderr and "/241" not in piped.stderr + piped.stdout
    code, screen = _in_a_pty(["check", "--format", "sarif"], big, _pager_env(tmp_path))
    assert "checking" not in screen and "/241" not in screen
    (tmp_path / "small").mkdir()
    small = _many(tmp_path / "small", 20)
    code, screen = _in_a_pty(["check"], small, _pager_env(tmp_path))
    assert code == 1 and "checking" not in screen, screen


def test_apply_shows_the_rewrite_progress_on_a_terminal(tmp_path):
    import subprocess
    import sys

    repo = make_repo(tmp_path, {f"app{i}.py": APP.encode() for i in range(5)})
    env = _pager_env(tmp_path)
    run("scan", ".", cwd=repo)  # the analysis cache is warm: the scan itself reports nothing to do
    code, screen = _in_a_pty(["apply", "--provider", "dashscope", "--dry-run", "--no-pager"], repo, env)
    assert code == 1, screen
    assert re.search(r"rewriting.*\d/5", screen), screen
    piped = subprocess.run(
        [sys.executable, "-m", "migrator", "apply", "--provider", "dashscope", "--dry-run"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "rewriting" not in piped.stderr
