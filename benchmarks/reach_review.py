"""Reach on unseen real code (issue 15): scan and apply five pinned PyPI packages, per provider/plan.

    python benchmarks/reach_review.py [--set 1|2|3|4|5|6|7] [--out FILE.md] [--json FILE] [--only NAME]...

Five sets of five packages, each with its plans (``SETS``).  Set 1 (the default, written to
``benchmarks/reach_review.md``): wheels, each fetched once with ``pip download --no-deps
--only-binary :all:`` (the helper of ``benchmarks/corpus.py``).  Set 2 (``reach_review2.md``):
sdists, fetched with ``pip download --no-deps --no-binary :all:`` (the helper of
``benchmarks/safety_corpus.py``), so the packages' own tests are part of the repository; set 3
(``reach_review3.md``), set 4 (``reach_review4.md``) set 5 (``reach_review5.md``), set 6 (``reach_review6.md``) and set 7 (``reach_review7.md``): five more sdists each, measured as set 2.  Either
is cached in ``$MIGRATOR_REACH_CACHE`` (default: a folder under the system temp dir), copied into a
fresh git repository in a temp dir (``git init``, one commit), and measured with the real
commands, as a user runs them:

* ``migrator scan --format json --no-cache``: OpenAI-bound clients and API call sites before, and
  scan's readiness row (automatic / manual) for each provider/plan;
* ``migrator apply --provider P --plan X --dry-run --format json --no-cache``: sites rewritten,
  hybrids, clients left whole, self-check refusals, files failed, and every diagnostic for a person
  grouped by rule id;
* in process, ``migrate_tree`` (what apply computes) for the call sites it leaves on OpenAI
  (``left``), compared file by file with what scan's readiness planner predicts;
* once per package, a real ``migrator apply --provider dashscope --plan compat --yes`` onto a
  branch (set 2: also once per native plan it measures); the branch is checked out into a temp worktree, ``python -m compileall -q`` must pass
  on it, and it is scanned again (clients and calls by endpoint kind).

Writes the measured tables (Markdown) to ``--out`` between the markers below, leaving the hand
review in that file as it is.  Network: only ``pip download``.  Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402  (benchmarks/corpus.py: pinned wheel download + unpack)

#: exact versions: never used by the project before (not in corpus.py, safety_corpus.py,
#: realcode_counts.md or coherence_review.md)
PINS: List[Tuple[str, str]] = [
    ("agno", "3.1.10"),
    ("camel-ai", "0.2.90"),
    ("mem0ai", "2.2.1"),
    ("pydantic-ai-slim", "2.68.0"),
    ("deepeval", "4.3.1"),
]
PLANS = [("dashscope", "compat"), ("dashscope", "native"), ("qianfan", "compat"), ("qianfan", "native"), ("deepseek", "compat")]
REAL = [("dashscope", "compat")]  # the plans applied for real to a branch, once per package

#: set 2: sdists (with their tests), none used by the project before (not in corpus.py,
#: safety_corpus.py, realcode_counts.md, coherence_review.md, framework_review.md or set 1)
PINS2: List[Tuple[str, str]] = [
    ("griptape", "1.13.0"),
    ("langroid", "0.69.16"),
    ("ragas", "0.4.3"),
    ("lightrag-hku", "1.5.7"),
    ("smolagents", "1.26.0"),
]
PLANS2 = [
    ("dashscope", "compat"),
    ("dashscope", "native"),
    ("qianfan", "native"),
    ("deepseek", "compat"),
    ("deepseek", "native"),
    ("zhipu", "native"),
]
REAL2 = [("dashscope", "compat"), ("dashscope", "native")]
#: set 3: sdists again, none used before (not in the lists above, sets 1-2, framework_review.md,
#: nor aider-chat/phidata/gptme/promptflow-core/openai-agents-mcp of realcode_counts.md); same plans
PINS3: List[Tuple[str, str]] = [
    ("browser-use", "0.13.14"),
    ("kani", "1.10.0"),
    ("strands-agents", "1.65.0"),
    ("khoj", "1.42.10"),
    ("gpt-command-line", "0.4.3"),
]
#: set 4: sdists again, none used before (not in the lists above, sets 1-3, framework_review.md,
#: realcode_counts.md); clients built from constructor parameters (textgrad, chatlab), dataclass
#: fields with instructor (fast-graphrag), config dicts (aisuite: ``openai.OpenAI(**config)`` and
#: a dozen provider classes on the OpenAI SDK pointing elsewhere), ``openai.OpenAI(**kwargs)`` from
#: a model's ``api_base`` (llm); same plans as sets 2-3
PINS4: List[Tuple[str, str]] = [
    ("textgrad", "0.1.8"),
    ("aisuite", "0.2.0"),
    ("llm", "0.36"),
    ("fast-graphrag", "0.0.5"),
    ("chatlab", "2.1.1"),
]
#: set 5: sdists again, none used before (not in the lists above, sets 1-4, framework_review.md,
#: realcode_counts.md); clients from a settings object through ``OpenAI(**kwargs)`` (shell-gpt),
#: from a ``client_args`` dict beside ``AzureOpenAI`` (llmx), ``OpenAI()`` made inside default
#: ``llm`` functions (taskgen-ai), ``openai.Client(base_url=..., api_key=...)`` from constructor
#: parameters (fructose), ``OpenAI(api_key=...)`` from configs plus the Assistants API (embedchain);
#: same plans as sets 2-4
PINS5: List[Tuple[str, str]] = [
    ("shell-gpt", "1.5.1"),
    ("llmx", "0.0.21a0"),
    ("taskgen-ai", "4.0.1"),
    ("fructose", "0.0.13"),
    ("embedchain", "0.1.128"),
]
#: set 6: sdists again, none used before (not in the lists above, sets 1-5, framework_review.md,
#: realcode_counts.md); a ``default_client`` per model registry beside clients for other services
#: (ell-ai), ``AsyncClient`` from a pydantic settings object (marvin), ``AsyncOpenAI()`` held in
#: pydantic model fields (paper-qa), v0 and v1 adapters side by side (gptcache), a model class
#: taking ``api_key`` and v0 ``Completion`` calls (promptify); same plans as sets 2-5
PINS6: List[Tuple[str, str]] = [
    ("ell-ai", "0.0.17"),
    ("marvin", "2.3.8"),
    ("paper-qa", "4.9.0"),
    ("gptcache", "0.1.44"),
    ("promptify", "2.0.3"),
]
#: set 7: sdists again, none used before (not in the lists above, sets 1-6, framework_review.md,
#: realcode_counts.md); ``OpenAI()`` from a ``Secret``-typed key and ``api_base_url`` parameters
#: (haystack-ai), a client handed to ``Swarm(client=None)`` (openai-swarm), an
#: ``OpenAI(**kwargs)`` endpoint built by a provider class (trulens-providers-openai), a wrapper
#: proxying ``openai`` (promptlayer), an LLM class reading ``api_base``/``api_token`` (pandasai);
#: same plans as sets 2-6
PINS7: List[Tuple[str, str]] = [
    ("haystack-ai", "3.4.1"),
    ("openai-swarm", "0.1.1"),
    ("trulens-providers-openai", "2.16.0"),
    ("promptlayer", "1.5.16"),
    ("pandasai", "2.3.2"),
]
#: set -> (pins, plans, plans applied for real, how the packages are fetched)
SETS = {
    "1": (PINS, PLANS, REAL, "wheel"),
    "2": (PINS2, PLANS2, REAL2, "sdist"),
    "3": (PINS3, PLANS2, REAL2, "sdist"),
    "4": (PINS4, PLANS2, REAL2, "sdist"),
    "5": (PINS5, PLANS2, REAL2, "sdist"),
    "6": (PINS6, PLANS2, REAL2, "sdist"),
    "7": (PINS7, PLANS2, REAL2, "sdist"),
}
BEGIN, END = "<!-- reach_review.py: begin -->", "<!-- reach_review.py: end -->"
GIT = ["git", "-c", "user.name=reach", "-c", "user.email=reach@example.invalid", "-c", "commit.gpgsign=false"]


def cache_dir() -> Path:
    path = Path(os.environ.get("MIGRATOR_REACH_CACHE") or Path(tempfile.gettempdir()) / "migrator-reach-review")
    path.mkdir(parents=True, exist_ok=True)
    return path


def fetch(pins: List[Tuple[str, str]]) -> List[Path]:
    """The unpacked wheels, through corpus.fetch pointed at the cache (not benchmarks/.corpus)."""
    where = cache_dir()
    corpus.CORPUS, corpus.DOWNLOADS = where / "unpacked", where / "downloads"
    return corpus.fetch(pins)


def fetch_sdists(pins: List[Tuple[str, str]]) -> List[Path]:
    """The unpacked sdists (source, tests included), through safety_corpus's download/unpack."""
    import safety_corpus  # noqa: E402  (benchmarks/safety_corpus.py)

    where = cache_dir() / "sdists"
    where.mkdir(parents=True, exist_ok=True)
    out = []
    for name, version in pins:
        target = where / "unpacked" / f"{name}-{version}"
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            root = safety_corpus.unpack(safety_corpus.download(f"{name}=={version}", where), target)
            (target / ".complete").write_text(str(root.relative_to(target)) + "\n")
        out.append(target / (target / ".complete").read_text().strip())
    return out


def git_repo(unpacked: Path, into: Path) -> Path:
    shutil.copytree(unpacked, into, ignore=shutil.ignore_patterns(".complete"))
    subprocess.run(GIT + ["init", "-q", "-b", "main"], cwd=into, check=True)
    subprocess.run(GIT + ["add", "-A"], cwd=into, check=True)
    subprocess.run(GIT + ["commit", "-qm", "import"], cwd=into, check=True)
    return into


def migrator(args: List[str], cwd: Path) -> Tuple[int, dict, str]:
    proc = subprocess.run([sys.executable, "-m", "migrator"] + args, cwd=cwd, capture_output=True, text=True)
    try:
        data = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else {}
    except json.JSONDecodeError:
        data = {}
    return proc.returncode, data, proc.stderr


def scan_counts(data: dict) -> Dict[str, object]:
    findings = data.get("findings", [])
    clients = [f for f in findings if f["kind"] == "client"]
    calls = [f for f in findings if f["kind"] == "call"]
    return {
        "clients": len(clients),
        "calls": len(calls),
        "client_endpoints": dict(Counter(c.get("endpoint", "?") for c in clients)),
        "call_endpoints": dict(Counter(c.get("endpoint", "?") for c in calls)),
        "readiness": {f"{r['provider']}/{r['plan']}": r for r in data.get("readiness", [])},
    }


_UNSUPPORTED = (
    "audio",
    "images",
    "moderations",
    "files",
    "batches",
    "responses",
    "unsupported-api",
    "vector-stores",
    "assistants",
    "fine-tuning",
    "realtime",
    "moderation",
)


def category(rule: str) -> str:
    """A coarse reason for a diagnostic left for a person, from its rule id."""
    name = rule.split("/", 1)[-1]
    if name == "azure-client":
        return "Azure client"
    if rule == "check/openai-client-endpoint":
        return "endpoint set at run time / not allow-listed"
    if rule == "check/openai-url":
        return "OpenAI URL literal"
    if rule == "check/openai-import":
        return "openai import (native plan)"
    if rule == "migrator/unresolved":
        return "receiver not resolved"
    if rule == "migrator/unit":
        return "client left whole"
    if name in _UNSUPPORTED:
        return "API the provider lacks"
    if name == "model":
        return "model not a literal"
    if name.endswith("exceptions"):
        return "exception without counterpart"
    return "other"


def in_process(tree: Path, provider: str, plan: str) -> Dict[str, object]:
    """apply's left call sites and the scan/apply agreement, per file (as safety_corpus.py)."""
    from migrator.apply import migrate_tree
    from migrator.readiness import predicted_left
    from migrator.ruleset import load_all, select
    from migrator.scan import ScanOptions

    ruleset = select(load_all(), provider, plan)
    result = migrate_tree(str(tree), ruleset, ScanOptions(jobs=1, use_cache=False))
    left = sum(len(v) for v in result.left.values())
    disagreements = []
    # planned as scan's readiness matrix plans them: the project's modules agreeing on the clients,
    # models and client parameters they share, a client left anywhere weighed (readiness)
    predicted = predicted_left(str(tree), result.scan, ruleset)
    for path in sorted(
        p for p in set(predicted) | set(result.left) if not p.endswith(".ipynb")
    ):  # (apply keeps no left per notebook)
        if set(predicted.get(path, ())) != set(result.left.get(path, ())):
            disagreements.append(
                f"{path}: scan predicts {len(predicted.get(path, ()))} left, apply left {len(result.left.get(path, ()))}"
            )
    return {"left": left, "file_disagreements": disagreements}


def real_apply(tree: Path, work: Path, provider: str, plan: str) -> Dict[str, object]:
    branch = f"reach/{provider}-{plan}"
    rc, data, err = migrator(
        ["apply", ".", "--provider", provider, "--plan", plan, "--yes", "--no-cache", "--branch", branch, "--format", "json"],
        tree,
    )
    out: Dict[str, object] = {"rc": rc, "stderr": err.strip()[-500:]}
    exists = subprocess.run(["git", "rev-parse", "--verify", "-q", branch], cwd=tree, capture_output=True).returncode == 0
    out["branch"] = exists
    # no branch when apply changed nothing: the checkout must still be untouched
    out["status_clean"] = subprocess.run(["git", "status", "--porcelain"], cwd=tree, capture_output=True, text=True).stdout == ""
    if not exists:
        return out
    checkout = work / f"migrated-{provider}-{plan}"
    subprocess.run(GIT + ["worktree", "add", "-q", str(checkout), branch], cwd=tree, check=True)
    comp = subprocess.run([sys.executable, "-m", "compileall", "-q", "."], cwd=checkout, capture_output=True, text=True)
    out["compileall"] = comp.returncode
    out["compileall_output"] = (comp.stdout + comp.stderr).strip()[-800:]
    _rc, after, _err = migrator(["scan", ".", "--format", "json", "--no-cache"], checkout)
    out["after"] = {k: v for k, v in scan_counts(after).items() if k != "readiness"}
    out["status_clean"] = subprocess.run(["git", "status", "--porcelain"], cwd=tree, capture_output=True, text=True).stdout == ""
    return out


def measure(
    name: str, version: str, unpacked: Path, plans: List[Tuple[str, str]], reals: List[Tuple[str, str]], keep: str = ""
) -> Dict[str, object]:
    """One package's row; with ``keep`` its repository and migrated checkouts stay in keep/<name>."""
    with tempfile.TemporaryDirectory(prefix="migrator-reach-") as tmp:
        work = Path(keep) / name if keep else Path(tmp)
        if keep:
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
        tree = git_repo(unpacked, work / "repo")
        row: Dict[str, object] = {"package": name, "version": version, "py_files": sum(1 for _ in tree.rglob("*.py"))}
        _rc, scan, _err = migrator(["scan", ".", "--format", "json", "--no-cache"], tree)
        row["scan"] = scan_counts(scan)
        runs = {}
        for provider, plan in plans:
            rc, data, err = migrator(
                ["apply", ".", "--provider", provider, "--plan", plan, "--dry-run", "--format", "json", "--no-cache"], tree
            )
            manual = [d for d in data.get("diagnostics", []) if d.get("severity") == "manual"]
            by_rule = Counter(d["rule"] for d in manual)
            warnings = Counter(d["rule"] for d in data.get("diagnostics", []) if d.get("severity") == "warning")
            run = {
                "rc": rc,
                "summary": data.get("summary", {}),
                "manual_by_rule": dict(by_rule),
                "warnings_by_rule": dict(warnings),
                "files": [f["path"] for f in data.get("files", [])],
                "diffs": data.get("files", []),
                "errors": data.get("errors", []),
                "stderr": err.strip()[-300:] if rc not in (0, 1) else "",
            }
            run.update(in_process(tree, provider, plan))
            runs[f"{provider}/{plan}"] = run
        row["runs"] = runs
        row["reals"] = {f"{provider}/{plan}": real_apply(tree, work, provider, plan) for provider, plan in reals}
        row["real"] = row["reals"][f"{reals[0][0]}/{reals[0][1]}"]
        # the repository itself is left as it was: same HEAD, clean status
        for provider, plan in [] if keep else reals:
            subprocess.run(
                GIT + ["worktree", "remove", "--force", str(work / f"migrated-{provider}-{plan}")], cwd=tree, capture_output=True
            )
    return row


def render(rows: List[Dict[str, object]], elapsed: float, reals: List[Tuple[str, str]]) -> str:
    import platform

    from migrator import __version__ as mversion

    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    out = [
        BEGIN,
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node() or '?'} "
        f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}), "
        f"migrator {mversion} at `{head}`; {elapsed:.0f}s.",
        "",
        "### Packages",
        "",
        "| package | version | .py files | OpenAI clients (scan) | API call sites (scan) | client endpoints | call endpoints |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        s = r["scan"]
        out.append(
            f"| {r['package']} | {r['version']} | {r['py_files']} | {s['clients']} | {s['calls']} | "
            f"{_fmt(s['client_endpoints'])} | {_fmt(s['call_endpoints'])} |"
        )
    out += [
        "",
        "### Per provider/plan (apply --dry-run, and apply's left sites in process)",
        "",
        "*left*: API call sites and wrapper constructions apply leaves on OpenAI with a blocked unit "
        "(`MigrationResult.left`). *scan auto / diag / manual*: scan's readiness row (automatic, with "
        "diagnostics, manual). *agree*: every file's predicted left spans equal apply's, and scan does "
        "not call sites automatic in a row where apply rewrote none. *manual − left*: sites scan "
        "sends to a person that apply does not count in `left` (rewritten with a report, or on a "
        "client apply leaves for its run-time endpoint).",
        "",
        "| package | provider/plan | files changed | sites rewritten | left on OpenAI | scan auto / diag / manual | manual − left | agree | "
        "for a person | hybrids | left whole | self-check refusals | files failed |",
        "|---|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    disagreements = []
    for r in rows:
        for key, run in r["runs"].items():
            s = run["summary"]
            ready = r["scan"]["readiness"].get(key, {})
            # the project's invariant: every file's predicted left spans equal apply's; and scan must
            # not promise automatic moves in a row where apply rewrote nothing.  scan's manual count
            # is at least apply's left count: it also counts sites apply rewrites but reports for a
            # person (a model that is not a literal) and calls on clients apply leaves unreported
            # in `left` (a run-time endpoint); the difference is shown, not flagged
            moves = (ready.get("automatic") or 0) + (ready.get("with_diagnostics") or 0)
            agree = not run["file_disagreements"] and not (moves and not s.get("sites_rewritten"))
            if not agree:
                disagreements.append(
                    (
                        r["package"],
                        key,
                        moves,
                        ready.get("manual"),
                        run["left"],
                        s.get("sites_rewritten"),
                        run["file_disagreements"],
                    )
                )
            out.append(
                f"| {r['package']} | {key} | {s.get('files_changed', '?')} | {s.get('sites_rewritten', '?')} | "
                f"{run['left']} | {ready.get('automatic', '?')} / {ready.get('with_diagnostics', '?')} / {ready.get('manual', '?')} | "
                f"{(ready.get('manual') or 0) - run['left']} | "
                f"{'yes' if agree else '**no**'} | {s.get('left_for_review', '?')} | {s.get('clients_hybrid', '?')} | "
                f"{s.get('clients_left_whole', '?')} | {s.get('self_check_refusals', '?')} | "
                f"{s.get('files_failed', '?')} |"
            )
    out += [
        "",
        "### Left for a person, by rule id (manual diagnostics)",
        "",
        "| package | provider/plan | by reason | by rule id |",
        "|---|---|---|---|",
    ]
    for r in rows:
        for key, run in r["runs"].items():
            by_category: Counter = Counter()
            for rule, n in run["manual_by_rule"].items():
                by_category[category(rule)] += n
            out.append(f"| {r['package']} | {key} | {_fmt(by_category)} | {_fmt(run['manual_by_rule'])} |")
    out += ["", "### Scan's readiness vs apply: disagreements", ""]
    if not disagreements:
        out.append("None.")
    for pkg, key, auto, manual, left, rewritten, files in disagreements:
        out.append(
            f"- {pkg} {key}: scan automatic (with or without diagnostics) {auto}, manual {manual}; "
            f"apply left {left}, rewrote {rewritten}" + (f"; files: {'; '.join(files[:4])}" if files else "")
        )
    for provider, plan in reals:
        key = f"{provider}/{plan}"
        out += [
            "",
            f"### Real apply ({key}) to a branch, compileall, re-scan of the branch",
            "",
            "| package | exit | branch | compileall | checkout untouched | clients after (by endpoint) | calls after (by endpoint) |",
            "|---|---:|---|---|---|---|---|",
        ]
        for r in rows:
            real = r.get("reals", {}).get(key) or r["real"]
            after = real.get("after", {})
            out.append(
                f"| {r['package']} | {real['rc']} | {'yes' if real.get('branch') else 'no'} | "
                f"{'ok' if real.get('compileall') == 0 else real.get('compileall', '-')} | "
                f"{'yes' if real.get('status_clean') else 'no'} | {_fmt(after.get('client_endpoints', {}))} | "
                f"{_fmt(after.get('call_endpoints', {}))} |"
            )
    out += ["", END]
    return "\n".join(out)


def _fmt(counter: Dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))) or "-"


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="Markdown file to write the tables into (between the markers)")
    parser.add_argument("--json", help="write the raw measurements (with every diff) here")
    parser.add_argument("--only", action="append", default=[], help="only these package names")
    parser.add_argument("--from-json", help="render the tables from an earlier --json file (no runs)")
    parser.add_argument(
        "--set",
        choices=sorted(SETS),
        default="1",
        help="which five packages: 1 (wheels, reach_review.md), 2 to 7 (sdists, reach_review2.md to reach_review7.md)",
    )
    parser.add_argument(
        "--keep", default="", help="make each package's repository (and its migrated checkouts) in KEEP/<name>, kept"
    )
    args = parser.parse_args(argv)
    all_pins, plans, reals, kind = SETS[args.set]
    pins = [p for p in all_pins if not args.only or p[0] in args.only]
    started = time.time()
    earlier = json.loads(Path(args.from_json).read_text()) if args.from_json else {"rows": []}
    rows = earlier["rows"] if isinstance(earlier, dict) else earlier
    if args.from_json and isinstance(earlier, dict):
        started = time.time() - earlier["elapsed"]
    unpacked = [] if args.from_json else (fetch_sdists if kind == "sdist" else fetch)(pins)
    for (name, version), where in zip(pins, unpacked):
        rows.append(measure(name, version, where, plans, reals, args.keep))
        print(f"{name} {version}: done ({time.time() - started:.0f}s)", file=sys.stderr, flush=True)
    elapsed = time.time() - started
    text = render(rows, elapsed, reals)
    if args.json:
        Path(args.json).write_text(json.dumps({"elapsed": elapsed, "rows": rows}, indent=1, default=str))
    if args.out:
        path = Path(args.out)
        old = path.read_text() if path.exists() else ""
        if BEGIN in old and END in old:
            text = old[: old.index(BEGIN)] + text + old[old.index(END) + len(END) :]
        else:
            text = old + ("\n" if old else "") + text + "\n"
        path.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
