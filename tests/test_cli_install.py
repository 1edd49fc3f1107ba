"""The distribution name: what pip installs is what the README and docs say to install.

``pip install migrator`` fetches an unrelated 2015 package from PyPI, so the distribution has a
name of its own; every install line in the docs must install this project.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from migrator import __version__

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def project_name() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]


def installed_distribution() -> metadata.Distribution:
    """The installed distribution whose console script ``migrator`` runs this package."""
    found = [
        d
        for d in metadata.distributions()
        if any(
            ep.group == "console_scripts" and ep.name == "migrator" and ep.value == "migrator.cli:main" for ep in d.entry_points
        )
    ]
    assert len(found) == 1, [d.metadata["Name"] for d in found]
    return found[0]


def test_the_installed_distribution_is_the_name_the_readme_gives():
    dist = installed_distribution()
    name = dist.metadata["Name"]
    assert name == project_name() != "migrator"
    assert dist.version == __version__
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"named `{name}`" in readme and "not yet\non PyPI" in readme


def _install_lines():
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for match in re.finditer(r"pip install ([^\n&|;`]+)", line):
                if "`pip install migrator`" in line:  # the warning that names the wrong package
                    continue
                targets = [a for a in match.group(1).split() if not a.startswith("-")]
                if targets and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", t) for t in targets):
                    continue  # pinned third-party packages (a separate venv for a framework test), not this project
                if doc.name == "rules.md":
                    continue  # the generated rule reference: its hints install a provider's or framework's package
                yield f"{doc.name}:{number}", match.group(1).strip()


@pytest.mark.parametrize("where,args", list(_install_lines()))
def test_every_install_line_installs_this_project(where, args):
    targets = [a.strip("'\"") for a in args.split() if not a.startswith("-")]
    ours = {".", ".[test]", project_name()}
    assert any(t in ours or t.startswith("git+") for t in targets), f"{where}: pip install {args}"
    assert "migrator" not in targets, f"{where}: `pip install migrator` installs an unrelated PyPI package"


def test_version_command_reports_the_installed_version():
    for argv in (["migrator", "--version"], [sys.executable, "-m", "migrator", "--version"]):
        exe = Path(sys.executable).with_name("migrator") if argv[0] == "migrator" else None
        proc = subprocess.run([str(exe)] + argv[1:] if exe else argv, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout == f"migrator {installed_distribution().version}\n", proc
