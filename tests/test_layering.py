"""The house's one-way arrows (issue 18): the engine and the analyzer know nothing of the CLI,
the terminal or git; reporting knows nothing of git or of the command modules; the commands'
workflows (``migrator.commands``) never touch the terminal, and only ``migrator.cli`` imports
typer, click or rich's prompts; only ``migrator.vcs`` talks to git.  Read from the source with ``ast``, so an import anywhere in a
module (a function's body included) counts.  The few exceptions that exist today are listed
and must shrink: one that is no longer needed fails the test too."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Set, Tuple

PACKAGE = Path(__file__).resolve().parent.parent / "migrator"

# module prefix -> imports it must never make
FORBIDDEN: Dict[str, Tuple[str, ...]] = {
    "migrator.analyzer": ("migrator.cli", "migrator.report", "migrator.vcs", "rich", "typer", "click", "git"),
    "migrator.engine": ("migrator.cli", "migrator.report", "migrator.vcs", "rich", "typer", "click", "git"),
    "migrator.ruleset": ("migrator.cli", "migrator.report", "migrator.vcs", "rich", "typer", "click", "git"),
    "migrator.report": ("migrator.vcs", "migrator.cli", "migrator.commands", "migrator.apply", "migrator.scan",
                        "migrator.check", "git"),
    # the front door (one workflow per command) never touches the terminal: the CLI passes what asks
    "migrator.commands": ("migrator.cli", "typer", "click", "rich"),
    # the result types reports read: values only, never what computes them
    "migrator.results": ("migrator.apply", "migrator.scan", "migrator.check", "migrator.cli", "migrator.report",
                         "migrator.vcs", "rich", "typer", "click", "git"),
}
GIT_MODULES = ("git",)  # gitpython; only migrator.vcs imports it or runs the git command
TERMINAL_MODULES = ("typer", "click", "rich.prompt")  # options and prompts: only migrator.cli

# (module, what it reaches) allowed against the rules above: none since issue 18 moved the result
# types out of the orchestration modules (migrator.results); keep it empty
KNOWN: Set[Tuple[str, str]] = set()


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path = PACKAGE) -> Set[str]:
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.add(module)
            out |= {f"{module}.{alias.name}" for alias in node.names}
    return out


def runs_git(path: Path) -> bool:
    """A subprocess call whose first argument starts with the string "git"."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            first = node.args[0]
            if isinstance(first, (ast.List, ast.Tuple)) and first.elts:
                head = first.elts[0]
                if isinstance(head, ast.Constant) and head.value == "git":
                    return True
    return False


def reaches(prefix: str, target: str) -> bool:
    return target == prefix or target.startswith(prefix + ".")


def test_every_arrow_points_one_way():
    found: Set[Tuple[str, str]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        targets = imports(path)
        for layer, forbidden in FORBIDDEN.items():
            if reaches(layer, name):
                found |= {(name, f) for f in forbidden if any(reaches(f, t) for t in targets)}
        if not reaches("migrator.cli", name):
            found |= {(name, t) for t in TERMINAL_MODULES if any(reaches(t, i) for i in targets)}
        if not reaches("migrator.vcs", name):
            found |= {(name, g) for g in GIT_MODULES if any(reaches(g, t) for t in targets)}
            if runs_git(path):
                found.add((name, "runs git"))
    assert found - KNOWN == set(), f"new arrows against the layering: {sorted(found - KNOWN)}"
    assert KNOWN - found == set(), f"gone (remove them from KNOWN): {sorted(KNOWN - found)}"


def test_the_checker_sees_an_arrow(tmp_path):
    # the test above cannot pass vacuously: the reader finds a relative import of the CLI from
    # an engine module, and a git command
    root = tmp_path / "migrator"
    (root / "engine").mkdir(parents=True)
    probe = root / "engine" / "probe.py"
    probe.write_text("from ..cli import common\nimport subprocess\nsubprocess.run(['git', 'status'])\n", encoding="utf-8")
    assert "migrator.cli.common" in imports(probe, root) and runs_git(probe)
    assert module_name(probe, root) == "migrator.engine.probe"
