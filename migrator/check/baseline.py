"""Which findings are new: compared by (rule, path, symbol) and count with those at a base commit or
in the baseline file; the baseline file read and written."""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from migrator.errors import GitError, MigratorError, UsageError
from migrator.i18n import _
from migrator.results import R_UNPARSEABLE, CheckFinding, fingerprint

BASELINE_SCHEMA_VERSION = 1


DEFAULT_BASELINE = ".migrator-baseline.json"


def new_findings(
    current: Sequence[CheckFinding],
    known: Mapping[Tuple[str, str, str], int],
    known_snippets: Optional[Mapping[Tuple[str, str, str], Sequence[str]]] = None,
) -> List[CheckFinding]:
    """The findings beyond the known count of their (rule, path, symbol).

    When a fingerprint has more occurrences than before, the extra ones are
    those whose source line did not exist before (paired by text); failing
    that, the last ones in the file.
    """
    groups: Dict[Tuple[str, str, str], List[CheckFinding]] = defaultdict(list)
    for f in current:
        groups[f.key].append(f)
    out: List[CheckFinding] = []
    for key, items in groups.items():
        extra = len(items) - known.get(key, 0)
        if extra <= 0:
            continue
        items = sorted(items, key=CheckFinding.sort_key)
        if known_snippets is None:
            out += items[len(items) - extra :]
            continue
        old = Counter(known_snippets.get(key, ()))
        unmatched = []
        for f in items:
            if old[f.snippet] > 0:
                old[f.snippet] -= 1
            else:
                unmatched.append(f)
        chosen = unmatched[:extra]
        if len(chosen) < extra:
            rest = [f for f in items if f not in chosen]
            chosen += rest[len(rest) - (extra - len(chosen)) :]
        out += chosen
    return sorted(out, key=CheckFinding.sort_key)


def read_baseline(path: str) -> Tuple[Dict[Tuple[str, str, str], int], Optional[str]]:
    """({(rule, path, symbol): count}, commit) from a baseline file; UsageError if unreadable."""
    from migrator.limits import json_problem

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        problem = json_problem(text)  # json recurses: refuse a deep document before it does
        if problem:
            raise UsageError(_("cannot read baseline {path}: {reason}").format(path=path, reason=problem))
        doc = json.loads(text, parse_constant=_no_constant)
    except FileNotFoundError:
        raise UsageError(_("baseline file {path} does not exist; create it with --update-baseline").format(path=path)) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: bad JSON, NaN, a 5000-digit number
        raise UsageError(_("cannot read baseline {path}: {reason}").format(path=path, reason=exc)) from None
    except RecursionError:
        raise UsageError(_("cannot read baseline {path}: {reason}").format(path=path, reason=_("nested too deeply"))) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise UsageError(_("{path} is not a migrator check baseline (no 'findings' list)").format(path=path))
    known: Dict[Tuple[str, str, str], int] = {}
    for number, entry in enumerate(doc["findings"], start=1):
        fields: List[Any] = [entry.get(k) for k in ("rule", "path", "symbol")] if isinstance(entry, dict) else [None]
        count = entry.get("count", 1) if isinstance(entry, dict) else None
        if (
            not all(isinstance(v, str) for v in fields)
            or isinstance(count, bool)
            or not isinstance(count, int)
            or not 0 <= count <= _MAX_COUNT
        ):
            raise UsageError(
                f"{path}: "
                + _(
                    "malformed baseline entry #{number} (rule, path and symbol must be strings, "
                    "count a whole number up to {limit})"
                ).format(number=number, limit=_MAX_COUNT)
            )
        key = (fields[0], fields[1], fields[2])
        known[key] = known.get(key, 0) + count
    commit = doc.get("commit")
    return known, commit if isinstance(commit, str) else None


_MAX_COUNT = 10**9


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def baseline_json(counts: Mapping[Tuple[str, str, str], int], policy: str, commit: Optional[str]) -> str:
    from migrator import __version__

    entries = [
        {"rule": rule, "path": path, "symbol": symbol, "count": count, "fingerprint": fingerprint(rule, path, symbol)}
        for (rule, path, symbol), count in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2]))
        if count > 0
    ]
    doc = {
        "schema_version": BASELINE_SCHEMA_VERSION,
        "tool": {"name": "migrator", "version": __version__},
        "command": "check",
        "policy": policy,
        "commit": commit,
        "findings": entries,
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _under(relpath: str, paths: Sequence[str]) -> bool:
    return any(p in ("", ".") or relpath == p or relpath.startswith(p.rstrip("/") + "/") for p in paths)


def _follow_renames(root: str, known: Dict[Tuple[str, str, str], int], commit: Optional[str]) -> Dict[Tuple[str, str, str], int]:
    """Re-key baseline entries of files renamed since the baseline's commit (where git can tell)."""
    if not commit:
        return known
    try:
        from migrator import vcs

        repo = vcs.find_repo(root)
        if repo is None:
            return known
        renames = vcs.renamed_paths(repo, commit, "HEAD")
    except MigratorError:
        return known  # e.g. a shallow clone without the baseline's commit
    if not renames:
        return known
    old_to_new = {old: new for new, old in renames.items()}
    out: Counter[Tuple[str, str, str]] = Counter()
    for (rule, path, symbol), count in known.items():
        out[(rule, old_to_new.get(path, path), symbol)] += count
    return dict(out)


def _write_baseline(
    path: str, root: str, current: Sequence[CheckFinding], policy: str, paths: Sequence[str], checked: Set[str]
) -> None:
    counts: Counter[Tuple[str, str, str]] = Counter(f.key for f in current if f.rule != R_UNPARSEABLE)  # never accepted
    if paths and os.path.exists(path):
        # checking some files must not forget the others' entries
        previous, _ = read_baseline(path)
        for key, count in previous.items():
            if key[1] not in checked and not _under(key[1], paths):
                counts[key] += count
    commit = None
    try:
        from migrator import vcs

        repo = vcs.find_repo(root)
        if repo is not None:
            commit = vcs.resolve_commit(repo, "HEAD")
    except GitError:
        commit = None
    text = baseline_json(counts, policy, commit)
    from migrator.escapes import ESCAPE_ERRORS  # an undecodable file name stays a JSON \u escape
    from migrator.writer import write_user_file

    write_user_file(path, text.encode("utf-8", ESCAPE_ERRORS), "baseline")
