"""Keep the Chinese catalogue in step with the code (a development tool, not shipped).

    python scripts/i18n_catalog.py          # add new msgids to the .po, drop unused ones, compile the .mo
    python scripts/i18n_catalog.py --check  # exit 1 if the .po lacks a msgid or a translation

Messages are found with an AST walk over ``_("...")``, ``N_("...")`` and ``ngettext("...", "...", n)``
calls in every module; the .mo is compiled by GNU ``msgfmt``.  A message marked with ``N_()`` outside
migrator/cli and migrator/report is a text made in English where it is found (a finding, a file's
problem: kept English in JSON and in the analysis cache) and translated where it is shown by
``i18n.localize``; it is filed under the context ``shown`` (key ``"shown\x04<msgid>"``, as gettext
keys a context), the only messages ``localize`` matches with their placeholders filled.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("migrator",)  # every module: errors, findings and file problems reach the user from all of them
PO = ROOT / "migrator/locale/zh_CN/LC_MESSAGES/migrator.po"
SHOWN = "shown\x04"  # the context of texts translated where shown (i18n.SHOWN)
MO = PO.with_suffix(".mo")
HEADER = (
    'msgid ""\nmsgstr ""\n'
    '"Project-Id-Version: migrator\\n"\n'
    '"PO-Revision-Date: 2026-12-06 00:00+0000\\n"\n'
    '"Last-Translator: migrator developers\\n"\n'
    '"Language-Team: Chinese (simplified)\\n"\n'
    '"Language: zh_CN\\n"\n'
    '"MIME-Version: 1.0\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Content-Transfer-Encoding: 8bit\\n"\n'
    '"Plural-Forms: nplurals=1; plural=0;\\n"\n'
)


@dataclass
class Message:
    msgid: str
    plural: Optional[str] = None
    msgstr: List[str] = field(default_factory=list)  # one per plural form (Chinese has one)
    where: List[str] = field(default_factory=list)


def source_files() -> List[Path]:
    files: List[Path] = []
    for name in SOURCES:
        path = ROOT / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def _text(node: ast.AST) -> Optional[str]:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract(files: Optional[List[Path]] = None) -> Dict[str, Message]:
    """Every message the code marks, in the order met; a marked call whose argument is not a
    literal string is an error (it could never be in the catalogue)."""
    found: Dict[str, Message] = {}
    for path in files or source_files():
        rel = path.relative_to(ROOT).as_posix()
        calls = [
            n
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        ]
        for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
            name = node.func.id
            if name not in ("_", "N_", "ngettext"):
                continue
            texts = [_text(a) for a in node.args[: 2 if name == "ngettext" else 1]]
            if not texts or None in texts:
                dynamic = name == "_" and node.args and not isinstance(node.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp))
                if dynamic or path.name == "i18n.py":  # a message marked with N_() where it is defined
                    continue
                raise SystemExit(f"{rel}:{node.lineno}: {name}() needs a literal string")
            key = texts[0]
            if name == "N_" and not rel.startswith(("migrator/cli/", "migrator/report/")):
                key = SHOWN + key
            msg = found.setdefault(key, Message(key, texts[1] if name == "ngettext" else None))
            msg.where.append(f"{rel}:{node.lineno}")
    return found


RULES = ROOT / "rules"


def rule_messages() -> Dict[str, Message]:
    """The texts of the built-in rule packs a user reads, from the packs as the loader reads them
    (a rule counts wherever it is written): each provider's ``summary``, each plan's ``title``,
    ``summary`` and ``refuse``, each rule's ``message`` and ``note``, and each operation's ``message``
    (a diagnostic, a TODO's text); and the docstrings of the operations (docs/rules.md prints them).
    Keyed by ``i18n.rule_key``, as the page and the CLI look them up: in the context ``shown``, the
    text stripped, with ``${var}`` as the placeholder ``{var}`` (the pack's values are filled in
    before a message is shown)."""
    import inspect

    if str(ROOT) not in sys.path:  # run as a script
        sys.path.insert(0, str(ROOT))
    from migrator.engine.ops import OPS
    from migrator.i18n import rule_key
    from migrator.ruleset import load_file, pack_files

    found: Dict[str, Message] = {}

    def add(text: object, where: str) -> None:
        if isinstance(text, str) and text.strip():
            key = rule_key(text)
            found.setdefault(key, Message(key)).where.append(where)

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                add(value, where) if name == "message" else walk(value, where)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    problems: List[str] = []
    for path in pack_files(RULES):
        rel = path.relative_to(RULES.parent).as_posix()  # "rules/x.yaml"
        pack = load_file(path, problems)
        if pack is None:
            continue
        add(pack.summary, rel)
        for plan in pack.plans.values():
            add(plan.title, rel)
            add(plan.refuse, rel)  # why the provider does not offer the plan
            add(plan.summary, rel)
        for rule in pack.rules:
            where = f"{rel} {rule.id}"
            add(rule.message, where)
            add(rule.note, where)
            walk([op.params for op in rule.ops], where)
    if problems:
        raise SystemExit("\n".join(problems))
    for name in sorted(OPS):  # docs/rules.md prints each operation's docstring as inspect shows it
        source = Path(inspect.getsourcefile(OPS[name]) or "").resolve()  # ops is a package: the module defining it
        add(inspect.cleandoc(OPS[name].__doc__ or ""), f"{source.relative_to(ROOT).as_posix()} {name}")
    return found


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a .po string is a C string: Python reads the escapes we write


def read_po(path: Path = PO) -> Dict[str, Message]:
    """A .po as written by ``write_po`` (no contexts, no obsolete entries)."""
    messages: Dict[str, Message] = {}
    current: Optional[Message] = None
    key = context = ""
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line or line.startswith("#"):
            if current is not None and key and not line:
                messages[current.msgid] = current
                current, key = None, ""
            continue
        if line.startswith('"'):
            value = _unquote(line)
            if key == "msgid":
                current.msgid += value
            elif key == "msgid_plural":
                current.plural = (current.plural or "") + value
            else:
                current.msgstr[-1] += value
            continue
        word, rest = line.split(" ", 1)
        if word == "msgctxt":
            context = _unquote(rest) + "\x04"
        elif word == "msgid":
            current, key = Message(context + _unquote(rest)), "msgid"
            context = ""
        elif word == "msgid_plural":
            current.plural, key = _unquote(rest), "msgid_plural"
        elif word.startswith("msgstr"):
            current.msgstr.append(_unquote(rest))
            key = "msgstr"
    messages.pop("", None)  # the header
    return messages


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def _brace_format(text: str) -> bool:
    """Whether ``text`` is a format string of named fields (a rule message may quote code with
    braces, ``response_format={"type": ...}``, which msgfmt must not check as one)."""
    import string

    try:
        return all(name is None or name.isidentifier() for _l, name, _s, _c in string.Formatter().parse(text))
    except ValueError:
        return False


def write_po(messages: List[Message], path: Path = PO) -> None:
    out = [HEADER]
    for m in messages:
        block = [f"#: {' '.join(m.where)}"] if m.where else []
        if any("{" in t for t in [m.msgid, m.plural or ""]) and all(_brace_format(t) for t in [m.msgid, m.plural or ""]):
            block.append("#, python-brace-format")
        context, _sep, msgid = m.msgid.rpartition("\x04")
        if _sep:
            block.append(f"msgctxt {_quote(context)}")
        block.append(f"msgid {_quote(msgid)}")
        if m.plural is not None:
            block.append(f"msgid_plural {_quote(m.plural)}")
            block.append(f"msgstr[0] {_quote(m.msgstr[0] if m.msgstr else '')}")
        else:
            block.append(f"msgstr {_quote(m.msgstr[0] if m.msgstr else '')}")
        out.append("\n".join(block) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")


def compile_mo(po: Path = PO, mo: Path = MO) -> None:
    subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)


def main(argv: List[str]) -> int:
    code = extract()
    for key, message in rule_messages().items():
        code.setdefault(key, message)
    known = read_po() if PO.exists() else {}
    merged = []
    for msgid, m in code.items():
        old = known.get(msgid)
        if old is not None and old.plural == m.plural:
            m.msgstr = old.msgstr
        merged.append(m)
    missing = [m.msgid for m in merged if not any(m.msgstr)]
    if "--check" in argv:
        for msgid in missing:
            print(f"untranslated: {msgid!r}")
        return 1 if missing or set(known) != set(code) else 0
    write_po(merged)
    compile_mo()
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
