"""Everything migrator does with git; the only module that imports GitPython.

Branch commits are built with plumbing (blobs, a temporary index file,
``commit-tree``, ``update-ref``) so the user's HEAD, index and working tree are
never touched. All paths in this API are ``/``-separated and relative to the
*target* directory (``RepoInfo.target``), which may be a subdirectory of the
repository; they are mapped to repository paths here.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from migrator.errors import GitError, SafetyError
from migrator.i18n import _

_REGULAR_MODES = ("100644", "100755")
_MAX_BRANCH_TRIES = 1000
# Settings that would make our temporary index spill files into .git or behave differently.
_INDEX_CONFIG = ("-c", "core.splitIndex=false", "-c", "index.sparse=false")


@dataclass(frozen=True)
class RepoInfo:
    """A git working tree and where the migration target sits inside it."""

    root: Path  # top of the working tree
    git_dir: Path
    target: Path  # the directory the user pointed migrator at
    prefix: str  # target relative to root, "/"-separated; "" when target == root

    def repo_path(self, path: str) -> str:
        """Return the repository path for a target-relative ``path``; raise SafetyError if it escapes."""
        from migrator.writer import normalize_relpath  # (the writer: not loaded where git only lists files)

        norm = normalize_relpath(path)
        full = f"{self.prefix}/{norm}" if self.prefix else norm
        if full.split("/", 1)[0] == ".git":
            raise SafetyError(_("refusing to touch git's own files"), path=path)
        return full

    def target_path(self, repo_path: str) -> Optional[str]:
        """Return ``repo_path`` relative to the target, or None when it lies outside the target."""
        if not self.prefix:
            return repo_path
        head = self.prefix + "/"
        return repo_path[len(head) :] if repo_path.startswith(head) else None


@dataclass(frozen=True)
class BranchResult:
    """What ``commit_to_branch`` created."""

    branch: str
    commit: str
    base: str  # sha of the commit the branch was built on (the user's HEAD)
    base_branch: str  # the user's current branch, e.g. "main"
    paths: Tuple[str, ...]  # target-relative paths committed
    dirty_paths: Tuple[str, ...] = ()  # paths committed from uncommitted working-tree content

    @property
    def includes_uncommitted(self) -> bool:
        return bool(self.dirty_paths)

    @property
    def review_command(self) -> str:
        return f"git diff HEAD...{shlex.quote(self.branch)}"

    @property
    def switch_command(self) -> str:
        return f"git switch {shlex.quote(self.branch)}"


@dataclass(frozen=True)
class _Entry:
    mode: str
    kind: str  # blob, tree, commit
    sha: str


# --------------------------------------------------------------------------
# Discovery and running git
# --------------------------------------------------------------------------


# ------------------------------------------------------------------ the files of a tree (discovery)


def listed_files(root: str, under: Sequence[str] = ()) -> Optional[List[str]]:
    """Files git knows under ``root`` (tracked + untracked not ignored), relative to it, or None
    outside a work tree or in a folder git ignores (discovery then walks it).  ``under``: only
    these root-relative files and directories (taken literally), so git lists and searches for
    untracked files nowhere else."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--full-name", "--", *(under or ["."])],
            cwd=root,
            capture_output=True,
            timeout=120,
            env={**os.environ, "GIT_LITERAL_PATHSPECS": "1"} if under else None,
        )
        if out.returncode != 0:  # not a work tree: no second git process
            return None
        top = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if top.returncode != 0:
        return None
    if _ignored_by_git(root):
        return None  # the user pointed at an ignored folder on purpose: walk it
    prefix = top.stdout.decode("utf-8", "surrogateescape").strip()
    files = []
    for raw in out.stdout.split(b"\0"):
        if not raw:
            continue
        name = raw.decode("utf-8", "surrogateescape")
        if prefix and name.startswith(prefix):
            name = name[len(prefix) :]
        files.append(name)
    return sorted(set(files))


def _ignored_by_git(root: str) -> bool:
    try:
        done = subprocess.run(["git", "check-ignore", "-q", "."], cwd=root, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def find_repo(path: "os.PathLike[str] | str") -> Optional[RepoInfo]:
    """Return the git working tree containing directory ``path``, or None if there is none.

    A file ``path`` stands for its directory. Raises GitError if git is not
    installed, or ``path`` is inside a bare repository or a ``.git`` directory.
    """
    git = _import_gitpython()
    target = Path(path).resolve()
    if target.is_file():
        target = target.parent
    try:
        repo = git.Repo(target, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    try:
        if repo.bare or repo.working_tree_dir is None:
            raise GitError(_("{path} is inside a bare git repository; point migrator at a working tree").format(path=target))
        root, git_dir = Path(repo.working_tree_dir).resolve(), Path(repo.git_dir).resolve()
    finally:
        repo.close()
    if target == git_dir or git_dir in target.parents:
        raise GitError(_("{path} is inside a .git directory; point migrator at the working tree").format(path=target))
    prefix = target.relative_to(root).as_posix()
    return RepoInfo(root=root, git_dir=git_dir, target=target, prefix="" if prefix == "." else prefix)


def _import_gitpython():
    # Imported lazily: GitPython fails at import time when no git executable exists.
    try:
        import git
    except ImportError as exc:
        raise GitError(_("git is not available: {reason}").format(reason=exc)) from exc
    return git


def _run(
    repo: RepoInfo, *args: str, input: Optional[bytes] = None, env: Optional[Mapping[str, str]] = None
) -> subprocess.CompletedProcess:
    # --literal-pathspecs: file names like "a[1].py" must not be read as globs.
    # GIT_OPTIONAL_LOCKS=0: read-only commands (status) must not rewrite the user's index.
    full_env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", **(env or {})}
    try:
        proc = subprocess.run(
            ["git", "--literal-pathspecs", *args],
            cwd=repo.root,
            input=input,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
        )
    except FileNotFoundError as exc:
        raise GitError(_("git is not installed or not on PATH")) from exc
    if proc.returncode != 0 and b"dubious ownership" in proc.stderr:
        # not "unknown ref" or "detached": git will not work in this repository at all
        raise GitError(_("git refused the repository: ") + proc.stderr.decode("utf-8", "replace").strip())
    return proc


def _git(repo: RepoInfo, *args: str, input: Optional[bytes] = None, env: Optional[Mapping[str, str]] = None) -> bytes:
    """Run git in the repository root; return stdout; raise GitError with git's message on failure."""
    proc = _run(repo, *args, input=input, env=env)
    if proc.returncode != 0:
        command = next(a for a in args if not a.startswith("-") and "=" not in a)
        detail = proc.stderr.decode("utf-8", "replace").strip() or _("exit status {code}").format(code=proc.returncode)
        raise GitError(_("git {command} failed: {detail}").format(command=command, detail=detail))
    return proc.stdout


def _text(out: bytes) -> str:
    return out.decode("utf-8", "surrogateescape").strip()


def _split_z(out: bytes) -> List[str]:
    return [os.fsdecode(item) for item in out.split(b"\0") if item]


# --------------------------------------------------------------------------
# Refs
# --------------------------------------------------------------------------


def current_branch(repo: RepoInfo) -> Tuple[str, str]:
    """Return (branch name, HEAD commit sha) of the checked-out branch.

    Raises GitError for a detached HEAD or a branch without commits.
    """
    proc = _run(repo, "symbolic-ref", "-q", "--short", "HEAD")
    if proc.returncode != 0:
        raise GitError(_("HEAD is detached; switch to a branch first (git switch <branch>), then run migrator again"))
    branch = _text(proc.stdout)
    head = _run(repo, "rev-parse", "-q", "--verify", "HEAD^{commit}")
    if head.returncode != 0:
        raise GitError(
            _("branch '{branch}' has no commits yet; commit something first, then run migrator again").format(branch=branch)
        )
    return branch, _text(head.stdout)


def resolve_commit(repo: RepoInfo, ref: str) -> str:
    """Return the commit sha ``ref`` names; raise GitError "unknown ref 'X'" if none."""
    if not ref or ref.startswith("-") or any(ch in ref for ch in "\0\n"):
        raise GitError(_("unknown ref '{ref}'").format(ref=ref))
    proc = _run(repo, "rev-parse", "-q", "--verify", f"{ref}^{{commit}}")
    if proc.returncode != 0:
        raise GitError(_("unknown ref '{ref}'").format(ref=ref))
    return _text(proc.stdout)


def merge_base(repo: RepoInfo, ref: str) -> str:
    """Return the merge-base sha of HEAD and ``ref``.

    Raises GitError for an unknown ref, an unborn HEAD, or unrelated histories.
    """
    other = resolve_commit(repo, ref)
    head = _run(repo, "rev-parse", "-q", "--verify", "HEAD^{commit}")
    if head.returncode != 0:
        raise GitError(_("HEAD has no commits yet; commit something first"))
    proc = _run(repo, "merge-base", _text(head.stdout), other)
    if proc.returncode != 0:
        raise GitError(_("HEAD and '{ref}' have no common ancestor").format(ref=ref))
    return _text(proc.stdout)


def _ref_exists(repo: RepoInfo, ref: str) -> bool:
    return _run(repo, "show-ref", "--verify", "-q", ref).returncode == 0


def _check_branch_name(repo: RepoInfo, name: str) -> None:
    """Refuse what ``git check-ref-format --branch`` refuses or would expand (``@{-1}``), and
    names a rev would read as something else (``@``, ``HEAD``, ``FETCH_HEAD``, ``refs/...``, a tag)."""
    proc = None if name.startswith("-") else _run(repo, "check-ref-format", "--branch", name)
    if (
        proc is None
        or proc.returncode != 0
        or _text(proc.stdout) != name
        or _run(repo, "check-ref-format", f"refs/heads/{name}").returncode != 0
    ):
        raise GitError(_("'{name}' is not a valid branch name").format(name=name))
    if (
        name == "@"
        or (name.endswith("HEAD") and name.upper() == name)
        or name.startswith("refs/")
        or _ref_exists(repo, f"refs/tags/{name}")
    ):
        raise GitError(
            _("'{name}' is ambiguous as a branch name (git would read it as another ref); choose another").format(name=name)
        )


def _ref_clash(repo: RepoInfo, ref: str) -> Optional[str]:
    """The existing ref that keeps ``ref`` from being created: one named like a folder of it
    (``refs/heads/migrator`` for ``refs/heads/migrator/x``) or one inside it; None if none."""
    parts = ref.split("/")
    for end in range(3, len(parts)):
        prefix = "/".join(parts[:end])
        if _ref_exists(repo, prefix):
            return prefix
    inside = _text(_git(repo, "for-each-ref", "--count=1", "--format=%(refname)", ref + "/"))
    return inside or None


# --------------------------------------------------------------------------
# Reading history (for `check --base`)
# --------------------------------------------------------------------------


def file_at(repo: RepoInfo, rev: str, path: str) -> Optional[bytes]:
    """Return the raw blob bytes of target-relative ``path`` at ``rev``, or None if no regular file is there.

    Raises GitError for an unknown rev, SafetyError for a path escaping the target.
    """
    commit = resolve_commit(repo, rev)
    repo_path = repo.repo_path(path)
    entry = _tree_entries(repo, commit, [repo_path]).get(repo_path)
    if entry is None or entry.kind != "blob" or entry.mode not in _REGULAR_MODES:
        return None
    return _git(repo, "cat-file", "blob", entry.sha)


def changed_paths_since(repo: RepoInfo, base_ref: str, *, include_uncommitted: bool = True) -> List[str]:
    """Return sorted target-relative paths of files added or modified since merge-base(HEAD, ``base_ref``).

    With ``include_uncommitted`` (default) uncommitted and untracked (not
    ignored) files count too, and only files present in the working tree are
    returned; otherwise only committed changes up to HEAD. Deleted files are
    never returned. Raises GitError for an unknown ref.
    """
    base = merge_base(repo, base_ref)
    scope = ["--", repo.prefix] if repo.prefix else []
    out = _git(repo, "diff-tree", "-r", "-z", "--name-only", "--no-renames", "--diff-filter=d", base, "HEAD", *scope)
    paths = set(_split_z(out))
    if include_uncommitted:
        paths |= _uncommitted_paths(repo, scope)
        paths = {p for p in paths if (repo.root / p).is_file()}
    return sorted(filter(None, (repo.target_path(p) for p in paths)))


def deleted_paths_since(repo: RepoInfo, base_ref: str) -> List[str]:
    """Return sorted target-relative paths of files at merge-base(HEAD, ``base_ref``) that are
    gone from the working tree (deleted in a commit since, or not yet committed)."""
    base = merge_base(repo, base_ref)
    scope = ["--", repo.prefix] if repo.prefix else []
    out = _git(repo, "ls-tree", "-r", "-z", "--name-only", base, *scope)
    paths = {p for p in _split_z(out) if not (repo.root / p).exists()}
    return sorted(filter(None, (repo.target_path(p) for p in paths)))


def _uncommitted_paths(repo: RepoInfo, scope: Sequence[str]) -> set:
    out = _git(repo, "status", "--porcelain=v1", "-z", "-uall", "--no-renames", "--ignore-submodules=all", *scope)
    # Entries are "XY path"; with --no-renames there is never a second path.
    return {entry[3:] for entry in _split_z(out)}


def renamed_paths(repo: RepoInfo, base: str, head: str = "HEAD") -> Dict[str, str]:
    """Return {new path: old path} for files renamed between commits ``base`` and ``head``.

    Both paths are target-relative; renames into or out of the target are left
    out. Raises GitError for an unknown ref.
    """
    base_sha, head_sha = resolve_commit(repo, base), resolve_commit(repo, head)
    out = _git(repo, "diff-tree", "-r", "-z", "-M", "--name-status", "--diff-filter=R", base_sha, head_sha)
    items = _split_z(out)
    renames: Dict[str, str] = {}
    for i in range(0, len(items) - 2, 3):  # triples: status, old, new
        old, new = repo.target_path(items[i + 1]), repo.target_path(items[i + 2])
        if old is not None and new is not None:
            renames[new] = old
    return renames


# --------------------------------------------------------------------------
# Dirty check
# --------------------------------------------------------------------------


def uncommitted_paths(repo: RepoInfo, paths: Sequence[str]) -> List[str]:
    """Return those target-relative ``paths`` whose index or working-tree content differs from HEAD.

    Untracked files count as uncommitted; files absent everywhere do not. Reads
    only: the user's index is never refreshed or rewritten. Raises GitError for
    a detached or unborn HEAD.
    """
    _, head = current_branch(repo)
    mapping = {repo.repo_path(p): p for p in paths}
    return sorted(mapping[rp] for rp in _dirty_repo_paths(repo, head, list(mapping)))


def untracked_paths(repo: RepoInfo, paths: Sequence[str]) -> List[str]:
    """Return those target-relative ``paths`` that exist in the working tree but git does not
    track (in neither HEAD nor the index). A branch commit never includes them: they are the
    user's, possibly secrets (``.env``), and migrator did not write them."""
    mapping = {repo.repo_path(p): p for p in paths}
    return sorted(mapping[rp] for rp in _untracked_repo_paths(repo, list(mapping)))


def _untracked_repo_paths(repo: RepoInfo, repo_paths: List[str]) -> List[str]:
    on_disk = [p for p in repo_paths if os.path.lexists(repo.root / p)]
    if not on_disk:
        return []
    head = _run(repo, "rev-parse", "-q", "--verify", "HEAD^{commit}")
    known = set(_index_entries(repo, on_disk))
    if head.returncode == 0:
        known |= set(_tree_entries(repo, _text(head.stdout), on_disk))
    return [p for p in on_disk if p not in known]


def _dirty_repo_paths(repo: RepoInfo, head: str, repo_paths: List[str]) -> List[str]:
    in_head = {p: e.sha for p, e in _tree_entries(repo, head, repo_paths).items()}
    in_index = _index_entries(repo, repo_paths)
    on_disk = _worktree_shas(repo, repo_paths)
    dirty = []
    for path in repo_paths:
        stages = in_index.get(path, [])
        staged = stages[0] if len(stages) == 1 else None
        conflicted = len(stages) > 1
        # Untracked files (None, None, sha) and deletions (sha, ..., None) count as dirty.
        if conflicted or not (in_head.get(path) == staged == on_disk.get(path)):
            dirty.append(path)
    return dirty


def _index_entries(repo: RepoInfo, repo_paths: List[str]) -> Dict[str, List[str]]:
    """Return {path: [sha per stage]}; more than one entry means an unresolved conflict."""
    if not repo_paths:
        return {}
    out = _git(repo, "ls-files", "-s", "-z", "--", *repo_paths)
    entries: Dict[str, List[str]] = {}
    for item in _split_z(out):
        meta, path = item.split("\t", 1)
        entries.setdefault(path, []).append(meta.split()[1])
    return entries


def _worktree_shas(repo: RepoInfo, repo_paths: List[str]) -> Dict[str, str]:
    """Hash working-tree files as ``git add`` would (clean filters, eol rules) without writing
    objects; a symbolic link is hashed as git stores it (the link's text), never followed."""
    links = [p for p in repo_paths if os.path.islink(repo.root / p)]
    shas = {p: _text(_git(repo, "hash-object", "--stdin", input=os.fsencode(os.readlink(repo.root / p)))) for p in links}
    present = [p for p in repo_paths if p not in shas and (repo.root / p).is_file()]
    if present:
        stdin = "".join(p + "\n" for p in present).encode("utf-8", "surrogateescape")
        shas.update(zip(present, _text(_git(repo, "hash-object", "--stdin-paths", input=stdin)).split()))
    return shas


def _tree_entries(repo: RepoInfo, commit: str, repo_paths: List[str]) -> Dict[str, _Entry]:
    if not repo_paths:
        return {}
    out = _git(repo, "ls-tree", "-z", "--full-tree", commit, "--", *repo_paths)
    entries = {}
    for item in _split_z(out):
        meta, path = item.split("\t", 1)
        mode, kind, sha = meta.split()
        entries[path] = _Entry(mode, kind, sha)
    return entries


# --------------------------------------------------------------------------
# Committing to a new branch
# --------------------------------------------------------------------------


def commit_to_branch(
    repo: RepoInfo, changes: Mapping[str, bytes], *, branch: str, message: str, allow_dirty: bool = False
) -> BranchResult:
    """Commit ``changes`` ({target-relative path: new bytes}) on a new branch forked from HEAD.

    The branch is ``branch``, or ``branch-2``, ``branch-3``... if taken; existing
    branches are never moved. HEAD, the index and the working tree are left
    untouched and nothing is pushed. Returns a BranchResult.

    Raises SafetyError if a file to change has uncommitted changes (unless
    ``allow_dirty``; the result's ``dirty_paths`` then lists them), is untracked
    (never committed, whatever ``allow_dirty``), is not a regular file in HEAD,
    or escapes the target; GitError for a detached or
    unborn HEAD, an invalid branch name, changes identical to HEAD, or a failing
    git command. ValueError for empty ``changes``.
    """
    if not changes:
        raise ValueError("commit_to_branch needs at least one change")
    base_branch, base = current_branch(repo)
    _check_branch_name(repo, branch)
    mapping = {repo.repo_path(p): p for p in changes}
    head_entries = _tree_entries(repo, base, list(mapping))
    _refuse_non_files(head_entries, mapping)
    untracked = sorted(mapping[p] for p in _untracked_repo_paths(repo, list(mapping)))
    if untracked:
        raise SafetyError(
            _("refusing to commit files git does not track (they stay as they are):")
            + "\n"
            + "\n".join(f"  {p}" for p in untracked)
        )
    dirty = sorted(mapping[p] for p in _dirty_repo_paths(repo, base, list(mapping)))
    if dirty and not allow_dirty:
        raise SafetyError(_dirty_message(dirty))
    commit = _build_commit(repo, base, {rp: changes[p] for rp, p in mapping.items()}, head_entries, message)
    name = _create_branch(repo, branch, commit)
    return BranchResult(
        branch=name, commit=commit, base=base, base_branch=base_branch, paths=tuple(sorted(changes)), dirty_paths=tuple(dirty)
    )


def _refuse_non_files(entries: Mapping[str, _Entry], mapping: Mapping[str, str]) -> None:
    # Writing a blob over a symlink or submodule would silently change its type.
    odd = sorted(mapping[p] for p, e in entries.items() if e.mode not in _REGULAR_MODES)
    if odd:
        raise SafetyError(
            _(
                "refusing to rewrite paths that are not regular files in HEAD (symlinks, submodules or directories): {paths}"
            ).format(paths=", ".join(odd))
        )


def _dirty_message(paths: List[str]) -> str:
    listing = "\n".join(f"  {p}" for p in paths)
    return (
        _(
            "these files have uncommitted changes; commit or stash them first, "
            "or pass --allow-dirty to migrate their working-tree content:"
        )
        + "\n"
        + listing
    )


def _build_commit(
    repo: RepoInfo, base: str, contents: Mapping[str, bytes], head_entries: Mapping[str, _Entry], message: str
) -> str:
    """Write blobs, a tree (via a throwaway index) and a commit; return the commit sha.

    Only unreachable objects remain if this is interrupted.
    """
    blobs = {path: _write_blob(repo, path, data) for path, data in contents.items()}
    modes = {p: head_entries[p].mode if p in head_entries else "100644" for p in blobs}
    tmpdir = tempfile.mkdtemp(prefix="migrator-index-")
    try:
        tree = _write_tree(repo, base, blobs, modes, os.path.join(tmpdir, "index"))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    if tree == _text(_git(repo, "rev-parse", f"{base}^{{tree}}")):
        raise GitError(_("nothing to commit: the migrated files are identical to HEAD"))
    return _commit_tree(repo, tree, base, message)


def _write_blob(repo: RepoInfo, repo_path: str, data: bytes) -> str:
    # --path applies the same clean filters and eol rules `git add` would for this file.
    return _text(_git(repo, "hash-object", "-w", "--stdin", f"--path={repo_path}", input=data))


def _write_tree(repo: RepoInfo, base: str, blobs: Mapping[str, str], modes: Mapping[str, str], index_file: str) -> str:
    env = {"GIT_INDEX_FILE": index_file}
    _git(repo, *_INDEX_CONFIG, "read-tree", base, env=env)
    info = "".join(f"{modes[p]} {sha}\t{p}\0" for p, sha in blobs.items())
    _git(repo, *_INDEX_CONFIG, "update-index", "-z", "--index-info", input=info.encode("utf-8", "surrogateescape"), env=env)
    return _text(_git(repo, *_INDEX_CONFIG, "write-tree", env=env))


def _commit_tree(repo: RepoInfo, tree: str, parent: str, message: str) -> str:
    body = message if message.endswith("\n") else message + "\n"
    return _text(_git(repo, "commit-tree", tree, "-p", parent, "-F", "-", input=body.encode("utf-8")))


def _create_branch(repo: RepoInfo, wanted: str, commit: str) -> str:
    """Point a new branch at ``commit``; return its name (``wanted`` or ``wanted-N``)."""
    for n in range(1, _MAX_BRANCH_TRIES + 1):
        name = wanted if n == 1 else f"{wanted}-{n}"
        ref = f"refs/heads/{name}"
        if _ref_exists(repo, ref):
            continue
        clash = _ref_clash(repo, ref)
        if clash is not None:
            other = clash[len("refs/heads/") :] if clash.startswith("refs/heads/") else clash
            raise GitError(
                _(
                    "cannot create branch '{name}': git cannot hold it next to the existing '{other}'; "
                    "pass --branch with another name"
                ).format(name=name, other=other)
            )
        # The empty old value makes git refuse if the ref appeared meanwhile (a race).
        proc = _run(repo, "update-ref", "-m", "migrator: create branch", ref, commit, "")
        if proc.returncode == 0:
            return name
        if not _ref_exists(repo, ref):
            detail = proc.stderr.decode("utf-8", "replace").strip()
            raise GitError(_("could not create branch '{name}': {detail}").format(name=name, detail=detail))
    raise GitError(_("could not find a free branch name starting with '{name}'").format(name=wanted))
