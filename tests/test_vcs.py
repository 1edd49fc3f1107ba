"""migrator.vcs against real temporary git repositories (never the project checkout)."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Dict

import pytest

from migrator import vcs
from migrator.errors import GitError, SafetyError

CRLF = b"import openai\r\nclient = openai.OpenAI()\r\n"


def git(cwd: Path, *args: str, input: bytes = None) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, check=True)
    return proc.stdout.decode()


@pytest.fixture(autouse=True)
def hermetic_git(tmp_path_factory, monkeypatch):
    # The developer's global git config (hooks, signing, autocrlf) must not leak in.
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG_GLOBAL"):
        monkeypatch.delenv(var, raising=False)


def init_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test User")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "commit.gpgsign", "false")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with a commit, plus untracked and ignored files in the checkout."""
    root = init_repo(tmp_path / "repo")
    files = {
        "app.py": b"import openai\n",
        "run.sh": b"#!/bin/sh\npython app.py\n",
        "crlf.py": CRLF,
        "sub/pkg/mod.py": b"from openai import OpenAI\n",
        ".gitignore": b"*.log\n",
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    os.chmod(root / "run.sh", 0o755)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    (root / "notes.txt").write_bytes(b"untracked\n")
    (root / "debug.log").write_bytes(b"ignored\n")
    return root


def snapshot(root: Path) -> Dict[str, object]:
    """Everything the user could notice about their checkout."""
    index = (root / ".git" / "index").read_bytes()  # read before status could refresh it
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel == ".git" or rel.startswith(".git/") or not path.is_file():
            continue
        files[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode)
    return {
        "head": git(root, "rev-parse", "HEAD"),
        "symref": git(root, "symbolic-ref", "HEAD"),
        "status": git(root, "--no-optional-locks", "status", "--porcelain=v1", "-uall", "--ignored"),
        "index": index,
        "files": files,
    }


def refs(root: Path) -> Dict[str, str]:
    out = git(root, "for-each-ref", "--format=%(refname) %(objectname)")
    return dict(line.split() for line in out.splitlines())


def show(root: Path, spec: str) -> bytes:
    return subprocess.run(["git", "cat-file", "blob", spec], cwd=root, capture_output=True, check=True).stdout


@pytest.fixture
def temp_dirs(monkeypatch):
    """Record every temp directory vcs creates, to check they are all removed."""
    made = []
    real = vcs.tempfile.mkdtemp

    def recording(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(vcs.tempfile, "mkdtemp", recording)
    return made


# --------------------------------------------------------------------------
# find_repo
# --------------------------------------------------------------------------


def test_find_repo_at_root(repo: Path):
    info = vcs.find_repo(repo)
    assert info is not None
    assert info.root == repo.resolve()
    assert info.prefix == ""
    assert info.git_dir == (repo / ".git").resolve()


def test_find_repo_in_subdirectory_maps_paths(repo: Path):
    info = vcs.find_repo(repo / "sub")
    assert info.prefix == "sub"
    assert info.repo_path("pkg/mod.py") == "sub/pkg/mod.py"
    assert info.target_path("sub/pkg/mod.py") == "pkg/mod.py"
    assert info.target_path("app.py") is None


def test_find_repo_for_a_file_uses_its_directory(repo: Path):
    assert vcs.find_repo(repo / "sub/pkg/mod.py").prefix == "sub/pkg"


def test_find_repo_through_a_symlinked_path(repo: Path, tmp_path: Path):
    os.symlink(repo, tmp_path / "alias")
    info = vcs.find_repo(tmp_path / "alias" / "sub")
    assert (info.root, info.prefix) == (repo.resolve(), "sub")


def test_linked_worktree_gets_the_branch_and_stays_untouched(repo: Path, tmp_path: Path):
    other = tmp_path / "other"
    git(repo, "worktree", "add", "-q", str(other), "-b", "side")
    before, main_before = snapshot_worktree(other), snapshot(repo)
    result = vcs.commit_to_branch(vcs.find_repo(other), {"app.py": b"wt\n"}, branch="m/wt", message="m")
    assert result.base_branch == "side"
    assert show(repo, "m/wt:app.py") == b"wt\n"
    assert snapshot_worktree(other) == before and snapshot(repo) == main_before


def snapshot_worktree(root: Path):
    index = Path(git(root, "rev-parse", "--absolute-git-dir").strip(), "index").read_bytes()
    status = git(root, "--no-optional-locks", "status", "--porcelain=v1", "-uall", "--ignored")
    files = {p.name: p.read_bytes() for p in root.rglob("*") if p.is_file() and p.name != ".git"}
    return git(root, "rev-parse", "HEAD"), git(root, "symbolic-ref", "HEAD"), index, status, files


def test_find_repo_outside_git_returns_none(tmp_path: Path):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert vcs.find_repo(plain) is None


def test_find_repo_inside_dot_git_is_refused(repo: Path):
    with pytest.raises(GitError, match=r"\.git directory"):
        vcs.find_repo(repo / ".git")


@pytest.mark.parametrize(
    "target, bad",
    [
        ("sub", "../app.py"),
        ("sub", "/etc/passwd"),
        ("sub", "a/../../x.py"),
        ("sub", ""),
        ("sub", "../.git/config"),
        (".", ".git/config"),
        (".", "./.git/HEAD"),
    ],
)
def test_paths_escaping_the_target_are_refused(repo: Path, target: str, bad: str):
    with pytest.raises(SafetyError):
        vcs.commit_to_branch(vcs.find_repo(repo / target), {bad: b"x"}, branch="migrator/x", message="m")
    assert "refs/heads/migrator/x" not in refs(repo)


# --------------------------------------------------------------------------
# commit_to_branch
# --------------------------------------------------------------------------


def test_branch_is_committed_and_checkout_untouched(repo: Path, temp_dirs):
    before, refs_before = snapshot(repo), refs(repo)
    info = vcs.find_repo(repo)
    result = vcs.commit_to_branch(
        info,
        {"app.py": b"import dashscope\n", "new_config.py": b"BASE_URL = 'x'\n"},
        branch="migrator/dashscope-compat",
        message="Migrate to DashScope\n\nBody.",
    )

    assert snapshot(repo) == before
    assert result.branch == "migrator/dashscope-compat"
    assert result.base == before["head"].strip()
    assert result.base_branch == "main"
    assert result.paths == ("app.py", "new_config.py")
    assert not result.includes_uncommitted
    assert refs(repo) == {**refs_before, "refs/heads/migrator/dashscope-compat": result.commit}
    assert git(repo, "rev-parse", f"{result.commit}^").strip() == result.base
    assert git(repo, "log", "-1", "--format=%B", result.branch).strip() == "Migrate to DashScope\n\nBody."
    assert show(repo, f"{result.branch}:app.py") == b"import dashscope\n"
    assert show(repo, f"{result.branch}:new_config.py") == b"BASE_URL = 'x'\n"
    # Untouched files carry over; untracked and ignored files are not committed.
    assert show(repo, f"{result.branch}:sub/pkg/mod.py") == b"from openai import OpenAI\n"
    names = git(repo, "ls-tree", "-r", "--name-only", result.branch).split()
    assert "notes.txt" not in names and "debug.log" not in names
    assert temp_dirs and not any(os.path.exists(d) for d in temp_dirs)


def test_result_offers_review_and_switch_commands(repo: Path):
    result = vcs.commit_to_branch(vcs.find_repo(repo), {"app.py": b"x = 1\n"}, branch="migrator/qwen", message="m")
    assert result.review_command == "git diff HEAD...migrator/qwen"
    assert result.switch_command == "git switch migrator/qwen"
    # The review command really shows the change from the user's checkout.
    assert "+x = 1" in git(repo, *result.review_command.split()[1:])


def test_existing_branch_gets_a_unique_name_and_is_not_moved(repo: Path):
    info = vcs.find_repo(repo)
    git(repo, "branch", "migrator/compat")
    old_sha = refs(repo)["refs/heads/migrator/compat"]
    second = vcs.commit_to_branch(info, {"app.py": b"a = 2\n"}, branch="migrator/compat", message="m")
    third = vcs.commit_to_branch(info, {"app.py": b"a = 3\n"}, branch="migrator/compat", message="m")
    assert (second.branch, third.branch) == ("migrator/compat-2", "migrator/compat-3")
    assert refs(repo)["refs/heads/migrator/compat"] == old_sha
    assert show(repo, "migrator/compat-2:app.py") == b"a = 2\n"
    assert show(repo, "migrator/compat-3:app.py") == b"a = 3\n"


def test_branch_created_concurrently_is_not_overwritten(repo: Path, monkeypatch):
    info = vcs.find_repo(repo)
    git(repo, "branch", "migrator/race")
    raced_sha = refs(repo)["refs/heads/migrator/race"]
    real = vcs._ref_exists
    lied = []

    def stale_check(repo_info, ref):
        # Pretend the branch did not exist yet when we looked: update-ref must refuse.
        if ref == "refs/heads/migrator/race" and not lied:
            lied.append(ref)
            return False
        return real(repo_info, ref)

    monkeypatch.setattr(vcs, "_ref_exists", stale_check)
    result = vcs.commit_to_branch(info, {"app.py": b"b = 1\n"}, branch="migrator/race", message="m")
    assert lied and result.branch == "migrator/race-2"
    assert refs(repo)["refs/heads/migrator/race"] == raced_sha


def test_invalid_branch_name_is_refused(repo: Path):
    with pytest.raises(GitError, match="not a valid branch name"):
        vcs.commit_to_branch(vcs.find_repo(repo), {"app.py": b"x\n"}, branch="bad..name", message="m")


@pytest.mark.parametrize(
    "name, message",
    [
        ("HEAD", "not a valid branch name"),
        ("@{-1}", "not a valid branch name"),
        ("@", "ambiguous"),
        ("FETCH_HEAD", "ambiguous"),
        ("refs/heads/x", "ambiguous"),
        ("v1", "ambiguous"),
    ],
)
def test_branch_names_git_would_read_as_another_ref_are_refused(repo: Path, name, message):
    git(repo, "tag", "v1")
    before = refs(repo)
    with pytest.raises(GitError, match=message):
        vcs.commit_to_branch(vcs.find_repo(repo), {"app.py": b"x\n"}, branch=name, message="m")
    assert refs(repo) == before


@pytest.mark.parametrize("existing, wanted", [("migrator", "migrator/deepseek-compat"), ("a/b/c", "a/b")])
def test_a_ref_namespace_clash_is_said_clearly(repo: Path, existing, wanted):
    git(repo, "branch", existing)
    before = refs(repo)
    with pytest.raises(GitError, match=f"cannot create branch '{wanted}'.*existing '{existing}'.*--branch"):
        vcs.commit_to_branch(vcs.find_repo(repo), {"app.py": b"x\n"}, branch=wanted, message="m")
    assert refs(repo) == before


def test_changes_identical_to_head_are_refused(repo: Path):
    refs_before = refs(repo)
    with pytest.raises(GitError, match="nothing to commit"):
        vcs.commit_to_branch(vcs.find_repo(repo), {"app.py": b"import openai\n"}, branch="m/x", message="m")
    assert refs(repo) == refs_before


def test_executable_bit_is_preserved_and_new_files_are_regular(repo: Path):
    result = vcs.commit_to_branch(
        vcs.find_repo(repo), {"run.sh": b"#!/bin/sh\necho hi\n", "tool.sh": b"x\n"}, branch="migrator/modes", message="m"
    )
    listing = git(repo, "ls-tree", result.branch, "run.sh", "tool.sh")
    modes = {line.split("\t")[1]: line.split()[0] for line in listing.splitlines()}
    assert modes == {"run.sh": "100755", "tool.sh": "100644"}


def test_crlf_bytes_are_preserved_in_the_commit(repo: Path):
    new = b"import dashscope\r\nclient = dashscope.Client()\r\nlast line without newline"
    result = vcs.commit_to_branch(vcs.find_repo(repo), {"crlf.py": new}, branch="migrator/crlf", message="m")
    assert show(repo, f"{result.branch}:crlf.py") == new


def test_odd_file_names_are_taken_literally(repo: Path):
    # "[1]" would be a glob character class without --literal-pathspecs.
    (repo / "a[1].py").write_bytes(b"old\n")
    (repo / "a1.py").write_bytes(b"other\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "odd names")
    result = vcs.commit_to_branch(vcs.find_repo(repo), {"a[1].py": b"new\n"}, branch="m/odd", message="m")
    assert show(repo, f"{result.branch}:a[1].py") == b"new\n"
    assert show(repo, f"{result.branch}:a1.py") == b"other\n"


def test_subdirectory_target_maps_to_repository_paths(repo: Path):
    before = snapshot(repo)
    info = vcs.find_repo(repo / "sub")
    result = vcs.commit_to_branch(info, {"pkg/mod.py": b"import dashscope\n"}, branch="migrator/sub", message="m")
    assert snapshot(repo) == before
    assert result.paths == ("pkg/mod.py",)
    assert show(repo, f"{result.branch}:sub/pkg/mod.py") == b"import dashscope\n"
    assert show(repo, f"{result.branch}:app.py") == b"import openai\n"


def test_symlink_in_head_is_not_replaced_by_a_file(repo: Path):
    os.symlink("app.py", repo / "link.py")
    git(repo, "add", "link.py")
    git(repo, "commit", "-q", "-m", "link")
    with pytest.raises(SafetyError, match="link.py"):
        vcs.commit_to_branch(vcs.find_repo(repo), {"link.py": b"x\n"}, branch="m/link", message="m")


# --------------------------------------------------------------------------
# Dirty files
# --------------------------------------------------------------------------


def test_unstaged_change_is_refused_with_the_file_listed(repo: Path):
    (repo / "app.py").write_bytes(b"import openai  # edited\n")
    before, refs_before = snapshot(repo), refs(repo)
    with pytest.raises(SafetyError) as err:
        vcs.commit_to_branch(
            vcs.find_repo(repo), {"app.py": b"import dashscope\n", "run.sh": b"echo\n"}, branch="migrator/x", message="m"
        )
    assert "app.py" in err.value.message and "run.sh" not in err.value.message
    assert snapshot(repo) == before and refs(repo) == refs_before


def test_staged_change_is_refused_even_if_worktree_matches_head(repo: Path):
    (repo / "app.py").write_bytes(b"staged\n")
    git(repo, "add", "app.py")
    (repo / "app.py").write_bytes(b"import openai\n")
    info = vcs.find_repo(repo)
    assert vcs.uncommitted_paths(info, ["app.py"]) == ["app.py"]
    with pytest.raises(SafetyError, match="app.py"):
        vcs.commit_to_branch(info, {"app.py": b"new\n"}, branch="migrator/x", message="m")


def test_untracked_and_deleted_files_count_as_uncommitted(repo: Path):
    (repo / "app.py").unlink()
    info = vcs.find_repo(repo)
    assert vcs.uncommitted_paths(info, ["app.py", "notes.txt", "run.sh", "absent.py"]) == ["app.py", "notes.txt"]


def test_stale_stat_info_is_not_mistaken_for_a_change(repo: Path):
    # Same content, new mtime: git's index stat data is stale but the file is clean.
    os.utime(repo / "app.py", (1, 1))
    before = snapshot(repo)
    assert vcs.uncommitted_paths(vcs.find_repo(repo), ["app.py"]) == []
    assert snapshot(repo) == before  # and the index was not refreshed behind the user's back


def test_dirty_file_elsewhere_does_not_block(repo: Path):
    (repo / "run.sh").write_bytes(b"#!/bin/sh\nedited\n")
    result = vcs.commit_to_branch(vcs.find_repo(repo), {"app.py": b"ok\n"}, branch="migrator/x", message="m")
    assert result.dirty_paths == ()
    assert show(repo, f"{result.branch}:run.sh") == b"#!/bin/sh\npython app.py\n"


def test_allow_dirty_commits_given_content_and_reports_it(repo: Path):
    (repo / "app.py").write_bytes(b"import openai  # edited\n")
    before = snapshot(repo)
    result = vcs.commit_to_branch(
        vcs.find_repo(repo), {"app.py": b"import dashscope  # edited\n"}, branch="migrator/x", message="m", allow_dirty=True
    )
    assert result.includes_uncommitted and result.dirty_paths == ("app.py",)
    assert show(repo, f"{result.branch}:app.py") == b"import dashscope  # edited\n"
    assert snapshot(repo) == before


# --------------------------------------------------------------------------
# HEAD states
# --------------------------------------------------------------------------


def test_detached_head_is_refused_with_advice(repo: Path):
    git(repo, "checkout", "-q", "--detach")
    with pytest.raises(GitError, match="detached.*switch"):
        vcs.commit_to_branch(vcs.find_repo(repo), {"app.py": b"x\n"}, branch="m/x", message="m")


def test_unborn_branch_is_refused_with_advice(tmp_path: Path):
    root = init_repo(tmp_path / "empty")
    (root / "app.py").write_bytes(b"import openai\n")
    with pytest.raises(GitError, match="commit something first"):
        vcs.commit_to_branch(vcs.find_repo(root), {"app.py": b"x\n"}, branch="m/x", message="m")
    assert git(root, "for-each-ref") == ""


# --------------------------------------------------------------------------
# Interruption
# --------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["_write_tree", "_commit_tree", "_create_branch"])
def test_keyboard_interrupt_leaves_no_trace(repo: Path, monkeypatch, temp_dirs, step: str):
    before, refs_before = snapshot(repo), refs(repo)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(vcs, step, interrupted)
    with pytest.raises(KeyboardInterrupt):
        vcs.commit_to_branch(vcs.find_repo(repo), {"app.py": b"x\n"}, branch="m/x", message="m")
    assert refs(repo) == refs_before
    assert snapshot(repo) == before
    assert not any(os.path.exists(d) for d in temp_dirs)


def test_interrupt_inside_git_while_building_the_tree_cleans_the_temp_index(repo: Path, monkeypatch, temp_dirs):
    real = vcs._git

    def fail_on_write_tree(repo_info, *args, **kwargs):
        if "write-tree" in args:
            assert os.path.exists(kwargs["env"]["GIT_INDEX_FILE"])  # the temp index really existed
            raise KeyboardInterrupt
        return real(repo_info, *args, **kwargs)

    monkeypatch.setattr(vcs, "_git", fail_on_write_tree)
    before = snapshot(repo)
    with pytest.raises(KeyboardInterrupt):
        vcs.commit_to_branch(vcs.find_repo(repo), {"app.py": b"x\n"}, branch="m/x", message="m")
    assert temp_dirs and not any(os.path.exists(d) for d in temp_dirs)
    assert snapshot(repo) == before
    assert "refs/heads/m/x" not in refs(repo)


# --------------------------------------------------------------------------
# History queries for `check --base`
# --------------------------------------------------------------------------


@pytest.fixture
def feature(repo: Path) -> Path:
    """main has one more commit after the fork; feature changes, adds, renames and deletes files."""
    git(repo, "switch", "-q", "-c", "feature")
    (repo / "app.py").write_bytes(b"import openai  # feature\n")
    (repo / "sub/pkg/new.py").write_bytes(b"import openai\n")
    git(repo, "mv", "sub/pkg/mod.py", "sub/pkg/renamed.py")
    git(repo, "rm", "-q", "crlf.py")
    git(repo, "add", "app.py", "sub/pkg/new.py")
    git(repo, "commit", "-q", "-m", "feature work")
    git(repo, "switch", "-q", "main")
    (repo / "run.sh").write_bytes(b"#!/bin/sh\nmain moved on\n")
    git(repo, "commit", "-q", "-am", "main work")
    git(repo, "switch", "-q", "feature")
    return repo


def test_merge_base_and_unknown_ref(feature: Path):
    info = vcs.find_repo(feature)
    fork = git(feature, "merge-base", "main", "feature").strip()
    assert vcs.merge_base(info, "main") == fork
    with pytest.raises(GitError, match="unknown ref 'nope'"):
        vcs.merge_base(info, "nope")
    with pytest.raises(GitError, match="unknown ref '--all'"):
        vcs.merge_base(info, "--all")


def test_changed_paths_since_committed_only(feature: Path):
    info = vcs.find_repo(feature)
    changed = vcs.changed_paths_since(info, "main", include_uncommitted=False)
    # run.sh changed on main only; crlf.py was deleted: neither is listed.
    assert changed == ["app.py", "sub/pkg/new.py", "sub/pkg/renamed.py"]


def test_changed_paths_since_includes_worktree_and_untracked(feature: Path):
    (feature / "run.sh").write_bytes(b"edited\n")
    (feature / "sub/pkg/new.py").unlink()
    before = snapshot(feature)
    changed = vcs.changed_paths_since(vcs.find_repo(feature), "main")
    assert changed == ["app.py", "notes.txt", "run.sh", "sub/pkg/renamed.py"]
    assert snapshot(feature) == before


def test_changed_paths_since_in_subdirectory(feature: Path):
    info = vcs.find_repo(feature / "sub")
    assert vcs.changed_paths_since(info, "main") == ["pkg/new.py", "pkg/renamed.py"]
    with pytest.raises(GitError, match="unknown ref 'nope'"):
        vcs.changed_paths_since(info, "nope")


def test_renamed_paths_follow_renames(feature: Path):
    info = vcs.find_repo(feature)
    base = vcs.merge_base(info, "main")
    assert vcs.renamed_paths(info, base) == {"sub/pkg/renamed.py": "sub/pkg/mod.py"}
    assert vcs.renamed_paths(vcs.find_repo(feature / "sub"), base) == {"pkg/renamed.py": "pkg/mod.py"}
    with pytest.raises(GitError, match="unknown ref 'nope'"):
        vcs.renamed_paths(info, "nope")


def test_file_at(feature: Path):
    info = vcs.find_repo(feature)
    base = vcs.merge_base(info, "main")
    assert vcs.file_at(info, base, "app.py") == b"import openai\n"
    assert vcs.file_at(info, base, "crlf.py") == CRLF
    assert vcs.file_at(info, "HEAD", "crlf.py") is None
    assert vcs.file_at(info, base, "sub") is None  # a directory
    assert vcs.file_at(vcs.find_repo(feature / "sub"), base, "pkg/mod.py") == b"from openai import OpenAI\n"
    with pytest.raises(GitError, match="unknown ref 'nope'"):
        vcs.file_at(info, "nope", "app.py")


def test_history_queries_on_unborn_head(tmp_path: Path):
    info = vcs.find_repo(init_repo(tmp_path / "empty"))
    with pytest.raises(GitError, match="unknown ref 'HEAD'"):
        vcs.file_at(info, "HEAD", "app.py")
    with pytest.raises(GitError):
        vcs.changed_paths_since(info, "HEAD")


def test_untracked_files_are_never_committed(repo: Path):
    (repo / ".env").write_bytes(b"DEEPSEEK_API_KEY=sk-x\n")
    info = vcs.find_repo(repo)
    assert vcs.untracked_paths(info, [".env", "app.py", "new.toml", "notes.txt"]) == [".env", "notes.txt"]
    before = snapshot(repo)
    with pytest.raises(SafetyError, match=r"does not track[\s\S]*\.env"):
        vcs.commit_to_branch(info, {".env": b"X=\n", "app.py": b"ok\n"}, branch="migrator/x", message="m", allow_dirty=True)
    assert snapshot(repo) == before and "migrator/x" not in git(repo, "branch", "--list")


def test_an_unchanged_committed_symlink_is_not_dirty(repo: Path):
    (repo / "link.py").symlink_to("app.py")
    git(repo, "add", "link.py")
    git(repo, "commit", "-qm", "link")
    info = vcs.find_repo(repo)
    assert vcs.uncommitted_paths(info, ["link.py"]) == []
    os.unlink(repo / "link.py")
    (repo / "link.py").symlink_to("run.sh")
    assert vcs.uncommitted_paths(info, ["link.py"]) == ["link.py"]
