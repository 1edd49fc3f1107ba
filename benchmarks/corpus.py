"""Fetch the pinned benchmark corpus into ``benchmarks/.corpus/`` (git-ignored).

Usage::

    python benchmarks/corpus.py            # download + unpack (idempotent)
    python benchmarks/corpus.py --count    # just count the Python files
    python benchmarks/corpus.py --dense    # the OpenAI-dense corpus instead, in .corpus-dense/

Wheels (pure-Python zips) are fetched with the ordinary ``pip download``
client, one exact version each, without dependencies, and unpacked into
``.corpus/<name>-<version>/``.  Re-running skips packages already unpacked.
The pins are exact so every run measures the same bytes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import List, Tuple

HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"
CORPUS_DENSE = HERE / ".corpus-dense"
DOWNLOADS = HERE / ".work" / "downloads"

#: (distribution, exact version): OpenAI-heavy packages plus large general ones
PINS: List[Tuple[str, str]] = [
    ("litellm", "1.110.2"),
    ("openai", "3.57.0"),
    ("langchain-community", "0.4.2"),
    ("langchain", "1.5.2"),
    ("instructor", "1.17.0"),
    ("crewai", "1.15.30"),
    ("mirascope", "2.8.2"),
    ("openai-agents", "0.24.0"),
    ("llama-index-core", "0.14.25"),
    ("transformers", "5.24.0"),
]

#: the OpenAI-dense corpus (issue 19): packages where much of the code talks to OpenAI, so few files
#: are skipped by the byte gate; the old single-package llama-index (0.8) is OpenAI-first throughout
DENSE_PINS: List[Tuple[str, str]] = [
    ("llama-index", "0.8.69"),
    ("mem0ai", "0.1.118"),
    ("guardrails-ai", "0.6.8"),
    ("dspy", "2.6.27"),
    *[
        (name, version)
        for name, version in PINS
        if name in ("litellm", "langchain-community", "instructor", "mirascope", "openai-agents", "openai", "crewai")
    ],
]


def _dirname(name: str, version: str) -> str:
    return f"{name}-{version}"


def fetch(pins: List[Tuple[str, str]] = PINS, python: str = sys.executable, corpus: Path = CORPUS) -> List[Path]:
    corpus.mkdir(parents=True, exist_ok=True)
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    out = []
    for name, version in pins:
        target = corpus / _dirname(name, version)
        out.append(target)
        if (target / ".complete").exists():
            continue
        dest = DOWNLOADS / _dirname(name, version)
        dest.mkdir(parents=True, exist_ok=True)
        if not list(dest.glob("*.whl")):
            subprocess.run(
                [
                    python,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                    "--dest",
                    str(dest),
                    f"{name}=={version}",
                ],
                check=True,
            )
        wheels = sorted(dest.glob("*.whl"))
        if not wheels:
            raise SystemExit(f"no wheel downloaded for {name}=={version}")
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheels[0]) as zf:
            zf.extractall(target)
        (target / ".complete").write_text(wheels[0].name + "\n")
        print(f"unpacked {wheels[0].name}", file=sys.stderr)
    return out


def count_python(root: Path = CORPUS) -> int:
    total = 0
    for _dirpath, _dirs, files in os.walk(root):
        total += sum(1 for f in files if f.endswith(".py"))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", action="store_true", help="only count the Python files already fetched")
    parser.add_argument("--dense", action="store_true", help="the OpenAI-dense corpus (DENSE_PINS, in .corpus-dense/)")
    args = parser.parse_args()
    pins, root = chosen(args.dense)
    if not args.count:
        fetch(pins, corpus=root)
    print(f"{count_python(root)} Python files under {root}")


def chosen(dense: bool) -> Tuple[List[Tuple[str, str]], Path]:
    """The pins and the folder of the corpus asked for."""
    return (DENSE_PINS, CORPUS_DENSE) if dense else (PINS, CORPUS)


if __name__ == "__main__":
    main()
