"""``migrator apply --interactive``: each unit (a client and all that depends on it) accepted or
skipped on a terminal, like ``git add -p``.  The real CLI runs under a real pseudo-terminal and
is answered as a person would, prompt by prompt; the repositories are real git repositories."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

CLIENT = '''import openai

client = openai.OpenAI()


def ask(q):
    r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
    return r.choices[0].message.content
'''
LEGACY = '''import openai

r = openai.ChatCompletion.create(model="gpt-4", messages=[])
print(r["choices"][0])
'''
USER = '''from a import client


def summarize(t):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": t}])
'''
TWO = '''import openai

one = openai.OpenAI()
two = openai.OpenAI(timeout=30)


def first(q):
    return one.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])


def second(q):
    return two.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])
'''
SIGINT = "<SIGINT>"
PROMPT = re.compile(r"\[y,n,a,q,\?\](?:\?|？) |\[y/N\]: ".encode())


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    ).stdout.decode()


def make_repo(path: Path, files: Dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text)
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "init")
    return path


def state(repo: Path) -> Tuple[Dict[str, bytes], str, str]:
    files = {str(p.relative_to(repo)): p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    return files, git(repo, "for-each-ref"), git(repo, "status", "--porcelain", "-uall")


def branch_files(repo: Path, branch: str = "migrator/deepseek-compat") -> Dict[str, bytes]:
    names = git(repo, "ls-tree", "-r", "--name-only", branch).split()
    return {n: subprocess.run(["git", "show", f"{branch}:{n}"], cwd=repo, check=True, capture_output=True).stdout for n in names}


def _as_from_a_shell() -> None:
    """The signal state a shell starts a command with (Ctrl-C neither ignored nor blocked): an
    ignored or blocked signal is inherited across exec, and the test process's own may have been
    changed by what ran in it before (the full suite in CI hung here, run alone it never did)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _waiting_for_input(pid: int) -> None:
    """Until the process sleeps in its read of the terminal (as a person's Ctrl-C finds it): a signal
    sent in the instant between the prompt's last write and the read is taken by CPython's C handler
    before the read starts, and the read, never interrupted, waits for ever (a race of the
    interpreter's, not of migrator's, that a test sending SIGINT the moment the prompt shows hits)."""
    stat = Path(f"/proc/{pid}/stat")
    asleep, deadline = 0, time.monotonic() + 30
    while asleep < 3 and time.monotonic() < deadline:
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return  # no /proc (not Linux) or the process is gone: send it now
        asleep = asleep + 1 if state == "S" else 0
        time.sleep(0.05)


def drive(repo: Path, answers: List[str], *extra: str, lang: str = "en") -> Tuple[int, str]:
    """Run apply on a pseudo-terminal (stdin, stdout and stderr), answering each prompt in turn;
    (exit code, everything the terminal showed)."""
    master, slave = os.openpty()
    env = {
        **os.environ,
        **GIT_ENV,
        "PYTHONPATH": str(ROOT),
        "MIGRATOR_CACHE_DIR": str(repo.parent / "cache"),
        "MIGRATOR_PAGER": "0",
        "COLUMNS": "200",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "MIGRATOR_LANG": lang,
    }
    env.pop("MIGRATOR_DEBUG", None)
    provider = () if "-p" in extra else ("-p", "deepseek")
    proc = subprocess.Popen(
        [sys.executable, "-m", "migrator", "apply", str(repo), *provider, "--interactive", "--jobs", "1", *extra],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        preexec_fn=_as_from_a_shell,
    )
    os.close(slave)
    shown, asked, pending = b"", 0, list(answers)
    deadline = time.monotonic() + 300  # two runs of apply on a loaded machine
    try:
        while time.monotonic() < deadline:
            ready, _w, _x = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
                prompts = len(PROMPT.findall(shown))
                if prompts > asked:
                    assert pending, f"asked more than answered:\n{shown.decode('utf-8', 'replace')}"
                    asked = prompts
                    answer = pending.pop(0)
                    if answer == SIGINT:  # Ctrl-C at the prompt, as the terminal sends it
                        _waiting_for_input(proc.pid)
                        proc.send_signal(signal.SIGINT)
                    else:
                        os.write(master, answer.encode() + b"\n")
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    text = shown.decode("utf-8", "replace").replace("\r\n", "\n")
    assert "Traceback" not in text, text
    assert not pending, f"answers left over {pending}:\n{text}"
    return code, text


def plain(repo: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **GIT_ENV,
        "PYTHONPATH": str(ROOT),
        "MIGRATOR_CACHE_DIR": str(repo.parent / "cache"),
        "COLUMNS": "200",
        "MIGRATOR_LANG": "en",
    }
    return subprocess.run(
        [sys.executable, "-m", "migrator", "apply", str(repo), "-p", "deepseek", "--jobs", "1", *extra],
        env=env,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_skipping_the_only_unit_writes_nothing(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT})
    before = state(repo)
    code, shown = drive(repo, ["n"])
    assert code == 0, shown
    assert "the client built at a.py:3" in shown and 'model="deepseek-chat"' in shown  # its diff
    assert "Planning again without the 1 unit(s) you skipped" in shown and "Left on OpenAI as you chose:" in shown
    assert state(repo) == before  # no branch, no file, no config recorded


def test_skipping_one_of_two_independent_units_migrates_the_other(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT, "b.py": LEGACY})
    before = state(repo)
    code, shown = drive(repo, ["y", "n", "y"])
    assert code == 0, shown
    assert "the openai<1 call at b.py:3" in shown
    after = state(repo)
    assert (after[0], after[2]) == (before[0], before[2])  # the checkout is untouched: the result is on a branch
    files = branch_files(repo)
    assert files["b.py"] == LEGACY.encode()  # skipped: byte-identical
    assert b"deepseek" in files["a.py"] and b"DEEPSEEK_API_KEY" in files["a.py"]


def test_skipping_one_of_two_clients_in_one_file_keeps_it_byte_for_byte(tmp_path):
    # the held client's key must survive the lines the other's rewrite adds (the second pass that
    # checks the rewrite is stable plans the rewritten text again)
    repo = make_repo(tmp_path / "repo", {"two.py": TWO})
    code, shown = drive(repo, ["n", "y", "y"], "--in-place")
    assert code == 0, shown
    assert "the client built at two.py:4" in shown
    new = (repo / "two.py").read_text()
    assert "one = openai.OpenAI()\n" in new and 'model="gpt-4o"' in new  # the skipped unit, as it was
    assert "timeout=30,\n    base_url=os.environ.get(\"DEEPSEEK_BASE_URL\"" in new and "DEEPSEEK_API_KEY" in new
    assert "0 file(s) could not be migrated" in shown and "not stable" not in shown


def test_skipping_a_shared_client_keeps_every_module_that_calls_it(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT, "b.py": LEGACY, "c.py": USER})
    code, shown = drive(repo, ["n", "y", "y", "y"])
    assert code == 0, shown
    assert "the calls at c.py:5 on the client built in a.py" in shown
    summary = shown.split("Left on OpenAI as you chose:")[1]
    assert "the client built at a.py:3" in summary
    assert "Left on OpenAI with them" in summary and "the calls at c.py:5" in summary.split("Left on OpenAI with them")[1]
    files = branch_files(repo)
    assert files["a.py"] == CLIENT.encode() and files["c.py"] == USER.encode()  # coherent: the client moved nowhere
    assert b"deepseek-chat" in files["b.py"]


def test_quit_leaves_the_repository_as_it_was(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT, "b.py": LEGACY})
    before = state(repo)
    code, shown = drive(repo, ["y", "q"], "--in-place")
    assert code == 0, shown
    assert "Quit: nothing written." in shown
    assert state(repo) == before


def test_declining_the_final_result_writes_nothing(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT, "b.py": LEGACY})
    before = state(repo)
    code, shown = drive(repo, ["n", "y", "n"], "--in-place")
    assert code == 0, shown
    assert "Nothing written." in shown and state(repo) == before


def test_help_and_unknown_answers_ask_again(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT})
    before = state(repo)
    code, shown = drive(repo, ["?", "maybe", "q"])
    assert code == 0 and shown.count("q - quit: apply nothing") == 2, shown
    assert state(repo) == before


def test_accepting_everything_equals_a_plain_apply(tmp_path):
    files = {"a.py": CLIENT, "b.py": LEGACY, "c.py": USER, "requirements.txt": "openai>=1.0\n"}
    one = make_repo(tmp_path / "one", files)
    two = make_repo(tmp_path / "two", files)
    code, shown = drive(one, ["y", "a", "y"], "--in-place")
    assert code == 0, shown
    proc = plain(two, "--in-place", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert state(one)[0] == state(two)[0]
    assert state(one)[0]["a.py"] != CLIENT.encode()


@pytest.mark.parametrize(
    "extra, message",
    [
        ((), "--interactive needs a terminal (stdin and stdout)"),
        (("--format", "json"), "--interactive and --format json exclude each other"),
        (("--yes",), "--interactive and --yes exclude each other"),
        (("--only", "deepseek-compat/client"), "--interactive and --only/--skip exclude each other"),
    ],
)
def test_refused_without_a_terminal_or_with_what_would_answer_for_it(tmp_path, extra, message):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT})
    before = state(repo)
    proc = plain(repo, "--interactive", *extra)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr.decode() and b"Traceback" not in proc.stderr
    assert state(repo) == before


def test_ctrl_c_at_a_prompt_leaves_the_repository_as_it_was(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT, "b.py": LEGACY})
    before = state(repo)
    code, shown = drive(repo, ["n", SIGINT], "--in-place")
    assert code == 130, shown
    assert state(repo) == before


def test_dry_run_asks_then_writes_nothing(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT, "b.py": LEGACY})
    before = state(repo)
    code, shown = drive(repo, ["n", "y"], "--dry-run")
    assert code == 1, shown  # as --dry-run: changes were found
    assert "b.py" in shown.split("Left on OpenAI as you chose:")[1] and "(dry run: nothing written)" in shown
    assert state(repo) == before


NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": lines}
        for lines in (
            [
                "import openai\n",
                "client = openai.OpenAI()\n",
                "r = client.chat.completions.create(model=\"gpt-4o\", messages=[])\n",
            ],
            [
                "import openai\n",
                "other = openai.OpenAI(timeout=5)\n",
                "s = other.chat.completions.create(model=\"gpt-4o-mini\", messages=[])\n",
            ],
        )
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_a_notebook_cell_unit_is_skipped_and_the_other_cell_migrated(tmp_path):
    import json

    repo = make_repo(tmp_path / "repo", {"n.ipynb": json.dumps(NOTEBOOK, indent=1) + "\n"})
    code, shown = drive(repo, ["n", "y", "y"], "--in-place")
    assert code == 0, shown
    assert "the client built at n.ipynb, cell 1, line 2" in shown and "n.ipynb, cell 2, line 2" in shown
    cells = json.loads((repo / "n.ipynb").read_text())["cells"]
    assert cells[0]["source"] == NOTEBOOK["cells"][0]["source"]  # skipped: as it was
    assert any("DEEPSEEK_API_KEY" in line for line in cells[1]["source"])


EMBED = '''import openai

client = openai.OpenAI()
v = client.embeddings.create(model="text-embedding-3-small", input="x")
'''


def test_a_skipped_unit_gets_no_todo_comment_and_no_fallback(tmp_path):
    # qianfan's native SDK has no embeddings: the client would go to the compatible endpoint (a
    # hybrid), and left whole it would carry the native plan's TODO; skipped, it is left as it is
    repo = make_repo(tmp_path / "repo", {"e.py": EMBED})
    before = state(repo)
    code, shown = drive(repo, ["n"], "--in-place", "-p", "qianfan", "--plan", "native")
    assert code == 0, shown
    assert "the client built at e.py:3" in shown
    assert state(repo) == before


FRAMEWORKS = '''import litellm
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(model="gpt-4o")


def ask(q):
    return litellm.completion(model="gpt-4o", messages=[{"role": "user", "content": q}])
'''


def test_framework_objects_and_route_calls_are_units_too(tmp_path):
    repo = make_repo(tmp_path / "repo", {"f.py": FRAMEWORKS})
    code, shown = drive(repo, ["y", "n", "y"], "--in-place")
    assert code == 0, shown
    assert "the ChatOpenAI built at f.py:4" in shown and "the completion call at f.py:8" in shown
    new = (repo / "f.py").read_text()
    assert 'litellm.completion(model="gpt-4o", messages=[{"role": "user", "content": q}])' in new  # skipped
    assert "DEEPSEEK_API_KEY" in new and 'ChatOpenAI(model="gpt-4o")' not in new


def test_a_hard_coded_key_is_redacted_in_the_units_hunks(tmp_path):
    # the hunks travel from the worker processes to the terminal: redacted where they are made
    from tests.secret_shapes import ANYWHERE

    from migrator.apply import migrate_tree
    from migrator.ruleset import load_all, select
    from migrator.scan import ScanOptions

    key = ANYWHERE["openai"]
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT.replace("openai.OpenAI()", f'openai.OpenAI(api_key="{key}")')})
    ruleset = select(load_all([]), "deepseek", None).with_held(())
    result = migrate_tree(str(repo), ruleset, ScanOptions(jobs=1, use_cache=False))
    assert [u.path for u in result.units] == ["a.py"]
    shown = "".join(result.units[0].hunks)
    assert "DEEPSEEK_API_KEY" in shown and key not in shown and key[-4:] in shown


def test_a_unit_skipped_on_a_line_another_unit_rewrites_stays_held(tmp_path):
    # its key was a hash of its calls' whole lines: the other unit's rewrite of the same line
    # changed it, so the second pass planned the skipped unit again and the file was refused
    from migrator.apply import migrate_tree
    from migrator.ruleset import load_all, select
    from migrator.scan import ScanOptions

    source = (
        "import openai\n\na = openai.OpenAI()\nb = openai.OpenAI(timeout=5)\n"
        "x, y = a.chat.completions.create(model=\"gpt-4o\", messages=[]), b.chat.completions.create(model=\"gpt-4o\", messages=[])\n"
    )
    repo = make_repo(tmp_path / "repo", {"a.py": source})
    ruleset = select(load_all([]), "deepseek", None)
    offered = migrate_tree(str(repo), ruleset.with_held(()), ScanOptions(jobs=1, use_cache=False)).units
    skipped = next(u for u in offered if u.line == 4)
    result = migrate_tree(str(repo), ruleset.with_held((skipped.key,)), ScanOptions(jobs=1, use_cache=False))
    assert not result.failures and not result.refused, (result.failures, result.refused)
    (change,) = result.changes
    new = change.new.decode()
    assert "b = openai.OpenAI(timeout=5)\n" in new and 'b.chat.completions.create(model="gpt-4o", messages=[])' in new, new
    assert 'a.chat.completions.create(model="deepseek-chat"' in new, new


def test_the_questions_and_the_help_are_in_chinese_too(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT})
    before = state(repo)
    code, shown = drive(repo, ["?", "q"], lang="zh")
    assert code == 0, shown
    assert "在 a.py:3 创建的客户端" in shown and "迁移这个单元 [y,n,a,q,?]？" in shown
    assert "q - 退出：什么都不应用" in shown and "已退出：未写入任何内容。" in shown
    assert state(repo) == before


def test_env_files_follow_the_units_accepted(tmp_path):
    files = {"a.py": CLIENT, ".env.example": "OPENAI_API_KEY=\n"}
    kept = make_repo(tmp_path / "kept", files)
    before = state(kept)
    code, shown = drive(kept, ["n"], "--in-place", "-p", "dashscope")
    assert code == 0, shown
    assert state(kept) == before  # the client stays on OpenAI: so does the key variable it reads
    moved = make_repo(tmp_path / "moved", files)
    code, shown = drive(moved, ["y", "y"], "--in-place", "-p", "dashscope")
    assert code == 0, shown
    assert "DASHSCOPE_API_KEY" in (moved / ".env.example").read_text()


def test_a_file_git_does_not_track_is_not_asked_about_for_a_branch(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT})
    (repo / "scratch.py").write_text(LEGACY)  # untracked: a branch commit leaves it out anyway
    code, shown = drive(repo, ["y", "y"])
    assert code == 0, shown
    assert "scratch.py:3" not in shown and "(1/1)" in shown
    assert "scratch.py" not in branch_files(repo) and (repo / "scratch.py").read_text() == LEGACY


def test_uncommitted_changes_are_refused_before_the_questions(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": CLIENT})
    (repo / "a.py").write_text(CLIENT + "\n# work in progress\n")
    before = state(repo)
    code, shown = drive(repo, [], "--in-place")
    assert code == 2, shown
    assert "uncommitted changes" in shown and "a.py" in shown and "Migrate this unit" not in shown
    assert state(repo) == before
