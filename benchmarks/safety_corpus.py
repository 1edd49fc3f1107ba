"""Real-corpus safety run: migrate pinned PyPI sdists that use OpenAI with every provider and plan.

    python benchmarks/safety_corpus.py [--only NAME]... [--json FILE] [--jobs N]

Downloads (once, with pip, into ``$MIGRATOR_SAFETY_CACHE`` or ``~/.cache/migrator-safety-corpus``)
the sdists pinned in ``CORPUS``, unpacks each into a temp directory and runs ``migrate_tree``
(what ``migrator apply`` computes) for every provider and plan in ``rules/`` that is offered.
Nothing is written into the unpacked trees.  Per provider/plan it reports:

* files changed;
* crashes: an exception out of ``migrate_tree``, or a file refused with "internal error" (must be 0);
* parse failures: a changed Python file whose new bytes do not parse (must be 0), and files the
  engine refused because its rewrite would not parse (caught by the safety net; a rule bug);
* idempotence failures: a changed Python file that a second run changes again (must be 0), and
  files the engine refused as unstable (caught; a rule bug);
* check failures: a changed Python file where apply left no site for a person, but which
  ``migrator check`` still fails under the policy apply records (the plan's, or its compat plan's
  when a client unit went hybrid; apply and check must agree; must be 0);
* scan_apply: Python files where the calls scan's readiness matrix counts as left on OpenAI differ
  from those apply left (the two must plan alike; must be 0);
* coherence: disagreements ``migrator.engine.selfcheck.introduced(original, migrated, ruleset)``
  finds in the changed Python files apply would write (a key sent to the wrong endpoint, an
  exception that does not match the client whose call it guards, v0 keywords on an openai>=1
  call; must be 0).  Files the self-check itself refused are counted apart as self-check refusals.

Exit status 1 when any must-be-0 count is not 0.  Not part of the test suite (needs PyPI).
"""

from __future__ import annotations

import argparse
import dataclasses
import ast
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import tokenize
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Exact versions: the run must be reproducible.  A mix of openai>=1 code, wrappers, and
# legacy openai<1 code (guidance 0.0.64, marvin 1.0.0, embedchain 0.1.128 era).
CORPUS = [
    "instructor==1.17.0",
    "langchain-openai==1.7.4",
    "llama-index-llms-openai==0.8.3",
    "shell-gpt==1.5.1",
    "magentic==0.41.1",
    "gpt-engineer==0.3.1",
    "ell-ai==0.0.17",
    "openai-agents==0.24.0",
    "embedchain==0.1.128",
    "guidance==0.0.64",
    "marvin==1.0.0",
]


def cache_dir() -> Path:
    path = Path(os.environ.get("MIGRATOR_SAFETY_CACHE") or Path.home() / ".cache" / "migrator-safety-corpus")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _normal(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def find_sdist(spec: str, where: Path):
    name, version = spec.split("==")
    for candidate in sorted(where.iterdir()):
        stem = candidate.name
        for ext in (".tar.gz", ".zip"):
            if stem.endswith(ext) and _normal(stem[: -len(ext)]) == _normal(f"{name}-{version}"):
                return candidate
    return None


def download(spec: str, where: Path) -> Path:
    found = find_sdist(spec, where)
    if found:
        return found
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", str(where), spec], check=True
    )
    found = find_sdist(spec, where)
    if not found:
        raise SystemExit(f"pip downloaded nothing recognisable for {spec}")
    return found


def unpack(archive: Path, into: Path) -> Path:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(into)
    else:
        with tarfile.open(archive) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(into, filter="data")
            else:  # pragma: no cover - Python < 3.12 without the backport
                tf.extractall(into)
    entries = list(into.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else into


def _parses(data: bytes) -> bool:
    try:
        ast.parse(data)
        return True
    except (SyntaxError, ValueError):
        return False


def _text(data: bytes) -> str:
    """A Python file's bytes as the text the engine reads (its declared encoding, no BOM)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return data.decode("utf-8", errors="replace")


def run_one(tree: Path, providers, provider: str, plan: str, jobs: int) -> Dict[str, object]:
    from migrator.apply import migrate_python_bytes, migrate_tree
    from migrator.analyzer import analyze_bytes
    from migrator.engine.selfcheck import SELF_CHECK, introduced
    from migrator.ruleset import select
    from migrator.scan import ScanOptions

    row: Dict[str, object] = defaultdict(int)
    ruleset = select(providers, provider, plan)
    options = ScanOptions(jobs=jobs, use_cache=False)
    try:
        result = migrate_tree(str(tree), ruleset, options)
    except Exception as exc:  # noqa: BLE001 - this is what we count
        row["crashes"] += 1
        row.setdefault("crash_details", []).append(f"migrate_tree: {type(exc).__name__}: {exc}")
        return row
    row["files_changed"] = len(result.changes)
    row["sites_rewritten"] = result.code_sites  # code only, as apply's summary counts them
    row["file_edits"] = result.file_edits
    row["left_for_review"] = len(result.manual)
    row["clients_hybrid"] = len(result.hybrids)
    row["clients_left_whole"] = len(result.units_left)
    details = row.setdefault("details", [])
    for failure in result.failures:
        msg = failure.message
        if "internal error" in msg:
            row["crashes"] += 1
            details.append(f"crash {failure.path}: {msg}")
        elif msg.startswith(SELF_CHECK):
            row["self_check_refusals"] += 1
            details.append(f"refused (self-check) {failure.path}: {msg}")
        elif "would not parse" in msg:
            row["refused_unparseable"] += 1
            details.append(f"refused (would not parse) {failure.path}: {msg}")
        elif "not stable" in msg or "could not be checked for stability" in msg:
            row["refused_unstable"] += 1
            details.append(f"refused (unstable) {failure.path}: {msg}")
        else:
            row["input_not_migratable"] += 1  # e.g. the input itself is Python 2
    # scan's readiness matrix plans as apply does: the calls it counts as left on OpenAI are the
    # ones apply left (a "scan_apply" disagreement is a prediction gap; must be 0)
    from migrator.readiness import predicted_left

    predicted_by_path = predicted_left(str(tree), result.scan, ruleset)  # (the modules agreeing, as scan plans them)
    for path in sorted(
        p for p in set(predicted_by_path) | set(result.left) if not p.endswith(".ipynb")
    ):  # (none kept per notebook)
        predicted, actual = predicted_by_path.get(path, frozenset()), result.left.get(path, frozenset())
        if set(predicted) != set(actual):
            row["scan_apply"] += 1
            details.append(f"SCAN/APPLY {path}: scan {sorted(predicted)[:3]} apply {sorted(actual)[:3]}")
    from migrator.check import check_bytes, load_policy
    from migrator.config import Config

    # the policy apply records for check (a hybrid keeps the openai SDK: the compat plan's)
    policy = load_policy(Config(), result.check_policy)
    manual_files = {d.path for d in result.manual}
    for change in result.changes:
        if change.kind != "python":
            continue
        if change.path not in manual_files and _parses(change.new):
            checked = check_bytes(change.path, change.new, policy)
            if checked.findings:
                row["check_failures"] += 1
                details.append(
                    f"CHECK FAILURE {change.path}: " + "; ".join(f"{f.rule} {f.line}: {f.message}" for f in checked.findings[:3])
                )
        if not _parses(change.new):
            row["parse_failures"] += 1
            details.append(f"PARSE FAILURE {change.path}")
            continue
        found = introduced(_text(change.original), _text(change.new), ruleset)
        if found:
            row["coherence"] += len(found)
            details.append(f"COHERENCE {change.path}: " + "; ".join(f"line {d.line}: {d.message}" for d in found[:3]))
        analysis = analyze_bytes(change.path, change.new)
        # a second apply plans the tree again: a client left on OpenAI still keeps loose OPENAI_* reads
        again_ruleset = dataclasses.replace(ruleset, tree_stays=result.tree_stays) if result.tree_stays else ruleset
        try:
            again, second = migrate_python_bytes(change.path, change.new, again_ruleset, analysis)
        except Exception as exc:  # noqa: BLE001
            row["crashes"] += 1
            details.append(f"crash on second run {change.path}: {type(exc).__name__}: {exc}")
            continue
        if (again is not None and again != change.new) or (second.error and "internal error" in second.error):
            row["idempotence_failures"] += 1
            details.append(f"IDEMPOTENCE FAILURE {change.path}: {second.error or 'second run changed it'}")
    return row


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="only these package names")
    parser.add_argument("--json", help="write the raw results here")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--provider", action="append", default=[], help="only these providers")
    args = parser.parse_args(argv)

    from migrator.ruleset import load_all

    providers = load_all()
    plans = [
        (pf.name, name)
        for pf in providers
        for name, plan in sorted(pf.plans.items())
        if not plan.refuse and (not args.provider or pf.name in args.provider)
    ]
    specs = [s for s in CORPUS if not args.only or s.split("==")[0] in args.only]
    where = cache_dir()
    totals: Dict[str, Dict[str, int]] = {f"{p}/{q}": defaultdict(int) for p, q in plans}
    per_package: Dict[str, Dict[str, object]] = {}
    started = time.time()
    for spec in specs:
        archive = download(spec, where)
        with tempfile.TemporaryDirectory(prefix="migrator-safety-") as tmp:
            tree = unpack(archive, Path(tmp))
            py_files = sum(1 for _ in tree.rglob("*.py"))
            per_package[spec] = {"python_files": py_files}
            for provider, plan in plans:
                row = run_one(tree, providers, provider, plan, args.jobs)
                per_package[spec][f"{provider}/{plan}"] = dict(row)
                for key, value in row.items():
                    if isinstance(value, int):
                        totals[f"{provider}/{plan}"][key] += value
                for line in row.get("details", []) + row.get("crash_details", []):  # type: ignore[operator]
                    print(f"  {spec} {provider}/{plan}: {line}")
        print(f"{spec}: {per_package[spec]['python_files']} .py files", flush=True)
    elapsed = time.time() - started
    cols = [
        "files_changed",
        "sites_rewritten",
        "left_for_review",
        "parse_failures",
        "idempotence_failures",
        "crashes",
        "check_failures",
        "coherence",
        "scan_apply",
        "self_check_refusals",
        "clients_hybrid",
        "clients_left_whole",
        "refused_unparseable",
        "refused_unstable",
        "input_not_migratable",
    ]
    print()
    print("| provider/plan | " + " | ".join(c.replace("_", " ") for c in cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for key, row in totals.items():
        print(f"| {key} | " + " | ".join(str(row.get(c, 0)) for c in cols) + " |")
    print(
        f"\n{len(specs)} packages, {sum(p['python_files'] for p in per_package.values())} .py files, "
        f"{len(plans)} provider/plan pairs, {elapsed:.0f}s"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"totals": totals, "packages": per_package}, indent=2, default=str))
    must_be_0 = ("parse_failures", "idempotence_failures", "crashes", "check_failures", "coherence", "scan_apply")
    bad = sum(row.get(c, 0) for row in totals.values() for c in must_be_0)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
