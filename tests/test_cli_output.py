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


MIXED = (b"import openai\n\n\n"
         b"def chat(q):\n    return openai.ChatCompletion.create(model='gpt-4o', messages=[])['choices'][0]['message']['content']\n\n\n"
         b"def complete(q):\n    return openai.Completion.create(model='gpt-3.5-turbo-instruct', prompt=q)\n")


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
        ([_row("zhipu", "compat", 3, manual=1), _row("ark", "compat", 3, manual=2), _row("qianfan", "native", 2)],
         "zhipu", ["it leaves fewer sites for a person"]),
        ([_row("zhipu", "compat", 3, notes=0), _row("ark", "compat", 3, notes=1)],
         "zhipu", ["fewer of its sites need a note or a hybrid client"]),
        ([_row("zhipu", "native", 3), _row("zhipu", "compat", 3)],
         "zhipu", ["the compat plan is the smaller change (it keeps the openai SDK)"]),
        ([_row("zhipu", "compat", 3), _row("deepseek", "compat", 3), _row("dashscope", "native", 3)],
         "deepseek", ["the compat plan is the smaller change (it keeps the openai SDK)",
                      "it comes first alphabetically (the rest is equal)"]),
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
    assert re.search(r"Tie between dashscope \(compat\), dashscope \(native\), .*; chose dashscope \(compat\) because "
                     r"the compat plan is the smaller change .*; then it comes first alphabetically", proc.stdout), proc.stdout


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
    assert proc.stdout.rstrip().splitlines()[-1] == \
        "Next: fix these, or accept them as known with `migrator check --update-baseline`."
    for fmt in ("json", "sarif", "github"):
        assert "Next:" not in run("check", "--format", fmt, cwd=repo).stdout
    (repo / "new.py").write_text("import openai\n")
    based = run("check", "--base", "main", cwd=repo)
    assert based.returncode == 1 and "--update-baseline" not in based.stdout
    assert based.stdout.rstrip().splitlines()[-1].startswith("Next: fix these, or keep one with `# migrator: ignore[")
    assert run("check", "--update-baseline", cwd=repo).returncode == 0
    assert "Next:" not in run("check", cwd=repo).stdout  # passing: nothing to do
