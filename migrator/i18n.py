"""The language of migrator's own text: English or Simplified Chinese (issue 17).

``--lang zh|en`` wins, then ``MIGRATOR_LANG``, then the locale variables in gettext's order
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``); anything else is English.  Messages are
looked up in ``migrator/locale/zh_CN/LC_MESSAGES/migrator.mo`` with the stdlib ``gettext``,
loaded on the first Chinese lookup: English costs neither the import nor the file read.

Machine-read output (JSON, SARIF, GitHub lines, patches, commit messages) is not translated.
Messages carry ``{name}`` placeholders filled by ``str.format`` after the lookup, never pieces
joined around it, so a translation can put words in its own order.
"""

from __future__ import annotations

import os
from typing import Any, List, Optional

DOMAIN = "migrator"
LANGUAGES = ("en", "zh")
LOCALE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")
_ENV_ORDER = ("MIGRATOR_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_CHOSEN: List[Optional[str]] = [None]  # set by --lang (or set_language); None: from the environment
_CATALOG: List[Any] = []  # the loaded GNUTranslations, once


def normalize(value: Optional[str]) -> Optional[str]:
    """``zh``, ``zh_CN.UTF-8``, ``zh-Hans`` -> ``zh``; ``en_US`` -> ``en``; anything else None."""
    if not value:
        return None
    tag = value.strip().lower().replace("-", "_").split(".", 1)[0].split("@", 1)[0]
    if tag in ("c", "posix"):
        return "en"
    base = tag.split("_", 1)[0]
    return base if base in LANGUAGES else None


def from_environment(environ: Optional[dict] = None) -> str:
    """The language the environment asks for. ``LANGUAGE`` is a colon-separated preference
    list; the first variable that is set decides, as in gettext (``LANG=zh_CN.UTF-8`` with
    ``LC_ALL=C`` is English)."""
    env = os.environ if environ is None else environ
    for name in _ENV_ORDER:
        value = env.get(name)
        if not value:
            continue
        for part in value.split(":"):
            lang = normalize(part)
            if lang:
                return lang
        if name == "MIGRATOR_LANG":  # our own variable names a language or nothing
            continue
        return "en"
    return "en"


def language() -> str:
    return _CHOSEN[0] or from_environment()


def set_language(lang: Optional[str]) -> None:
    """Choose the language (``--lang``); None goes back to the environment's."""
    if lang is not None and normalize(lang) is None:
        raise ValueError(lang)
    _CHOSEN[0] = normalize(lang) if lang else None


class use_language:  # noqa: N801 - a context manager used like a function; contextlib costs an import
    """Text written into the user's repository (a commit message) stays English."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.before: Optional[str] = None

    def __enter__(self) -> None:
        self.before, _CHOSEN[0] = _CHOSEN[0], self.lang

    def __exit__(self, *exc: object) -> None:
        _CHOSEN[0] = self.before


def catalog_path() -> str:
    return os.path.join(LOCALE_DIR, "zh_CN", "LC_MESSAGES", f"{DOMAIN}.mo")


def _catalog() -> Any:
    if not _CATALOG:
        import gettext

        try:
            with open(catalog_path(), "rb") as fp:
                _CATALOG.append(gettext.GNUTranslations(fp))
        except OSError:  # a build without the catalogue, or a damaged one (bad magic): English, not a crash
            _CATALOG.append(gettext.NullTranslations())
    return _CATALOG[0]


def _(message: str) -> str:
    if language() == "en":
        return message
    return _catalog().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if language() == "en":
        return singular if n == 1 else plural
    return _catalog().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; ``_()`` translates it where shown."""
    return message


# Click's own words (Typer vendors Click with them in English), shown through localize() by
# migrator/cli/click_words.py: listed here so that the catalogue holds them
CLICK_WORDS = (
    N_("Usage: "),
    N_("{heading}:"),
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
    N_("(dynamic)"),
    N_("Show this message and exit."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
    N_("Try '{command} {option}' for help."),
    N_("Error: {message}"),
    N_("Aborted!"),
    N_("No such option: {option}"),
    N_("{message} (Possible options: {options})"),
    N_("No such command {name}."),
    N_("Missing command."),
    N_("Invalid value for {param}: {message}"),
    N_("Invalid value: {message}"),
    N_("{value} is not one of {choices}."),
    N_("{value} is not a valid {kind}."),
    N_("Option {option} requires an argument."),
    N_("Option {option} requires {n} arguments."),
    N_("Option {option} does not take a value."),
    N_("Missing argument {param}."),
    N_("Missing option {param}."),
    N_("Missing parameter: {param}"),
    N_("Got unexpected extra argument(s) ({args})"),
)


def did_you_mean(hints: "List[str] | tuple") -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or nothing when there is none."""
    return _(" (did you mean '{name}'?)").format(name=hints[0]) if hints else ""


SHOWN = "shown\x04"  # gettext's key of a message in the context "shown" (see scripts/i18n_catalog.py)
_ONE_WORD = frozenset(
    (
        "api",
        "name",
        "symbol",
        "module",
        "package",
        "id",
        "key",
        "ref",
        "number",
        "n",
        "line",
        "plan",
        "provider",
        "region",
        "form",
        "version",
        "code",
        "command",
        "stem",
        "branch",
        "count",
    )
)
_TEMPLATES: List[Any] = []  # [(regex, msgid)] of the catalogue's messages with placeholders, once


def _templates() -> List[Any]:
    if not _TEMPLATES:
        import re
        import string

        found = []
        for key in _catalog()._catalog if hasattr(_catalog(), "_catalog") else ():
            # only texts made in English to be shown later ("shown" context): "model {model}", a
            # column's text, must not take a diagnostic that happens to start with "model "
            if not isinstance(key, str) or not key.startswith(SHOWN) or "{" not in key:
                continue
            msgid = key[len(SHOWN) :]
            try:
                parts = list(string.Formatter().parse(msgid))
            except ValueError:
                continue
            literal = "".join(lit for lit, _name, _spec, _conv in parts)
            if len(literal) < 4:  # "{a}: {b}" would match anything
                continue
            pattern, seen = "", set()
            for lit, name, _spec, _conv in parts:
                pattern += re.escape(lit)
                if name is None:
                    continue
                if not name.isidentifier():
                    pattern = ""
                    break
                # a name, a number or an id is one word: "{api} call" must not take a sentence ending in "call"
                value = r"\S+?" if name in _ONE_WORD else ".*?"
                pattern += f"(?P={name})" if name in seen else f"(?P<{name}>{value})"
                seen.add(name)
            if pattern:  # the literal it starts with, to skip it cheaply (a scan may show 10,000 findings)
                found.append((parts[0][0], re.compile(pattern, re.DOTALL), key))
        found.sort(key=lambda item: -len(item[2]))  # the most specific template first
        _TEMPLATES.append(found)
    return _TEMPLATES[0]


def rule_key(text: str) -> str:
    """The catalogue's key of a built-in rule pack's text (a message, a note, a summary, a plan's
    title or refusal) or an operation's docstring: the text as shown, stripped, in the context
    ``shown``, with the pack's ``${var}`` written ``{var}`` (scripts/i18n_catalog.py files it so)."""
    return SHOWN + text.strip().replace("${", "{")


def rule_text(text: str) -> str:
    """A rule pack's text in the chosen language, looked up whole by ``rule_key`` (its ``${var}``
    kept as written); a text the catalogue does not hold (a pack of the user's) is shown as written."""
    if language() == "en" or not text:
        return text
    key = rule_key(text)
    translated = _catalog().gettext(key)
    if translated == key:
        return text
    import re

    for name in set(re.findall(r"\$\{(\w+)\}", text)):
        translated = translated.replace("{" + name + "}", "${" + name + "}")
    return translated


def localize(text: str, _depth: int = 0) -> str:
    """``text``, made in English where it was found (a finding, a rule message, a file's error:
    kept English in JSON and in the analysis cache), in the chosen language where it is shown.
    A text that is a catalogue message with placeholders filled (``N_("syntax error: {msg}")
    .format(...)``) is translated with the same values; any other text is shown as it is."""
    if language() == "en" or not text:
        return text
    for key in (SHOWN + text, text):
        translated = _catalog().gettext(key)
        if translated != key:
            return translated
    import string

    for prefix, regex, msgid in _templates():
        if not text.startswith(prefix):
            continue
        match = regex.fullmatch(text)
        if match is None:
            continue
        # a value may itself be a message ("cell 3: syntax error: ..."), or several joined by "; "
        # (a unit's reasons); a path or a name is left as it is
        values = {
            k: _localize_value(v, _depth + 1) if _depth < 12 and k not in _ONE_WORD else v for k, v in match.groupdict().items()
        }
        out = []
        for lit, name, _spec, _conv in string.Formatter().parse(_catalog().gettext(msgid)):
            out.append(lit)
            if name is not None:
                out.append(values.get(name, "{" + name + "}"))
        return "".join(out)
    return text


def _localize_value(value: str, depth: int) -> str:
    """A placeholder's value in the chosen language: one message, or messages joined by "; " (a
    unit's reasons, the self-check's problems).  Joined messages are tried first, part by part (the
    longest run of parts that is one message first, since a message may hold "; " itself): a
    template whose last placeholder takes anything ("line {line}: {reason}") would otherwise take
    the whole list as one message and leave every message after the first in English."""
    if "; " not in value:
        return localize(value, depth)
    parts, out, i, whole = value.split("; "), [], 0, True
    while i < len(parts):
        for j in range(len(parts) - (i == 0), i, -1):  # never the whole value: tried below
            piece = "; ".join(parts[i:j])
            translated = localize(piece, depth)
            if translated != piece or j == i + 1:
                whole = whole and translated != piece
                out.append(translated)
                i = j
                break
    if whole:  # every part is a message
        return "；".join(out)
    shown = localize(value, depth)
    return shown if shown != value else "；".join(out)


def lang_from_args(args: List[str]) -> Optional[str]:
    """The value of the global ``--lang`` option, read before Typer parses the command line so
    that help texts (built when a command module is imported) are already in that language.
    Like Typer, only the options before the command name count."""
    for i, arg in enumerate(args):
        if arg == "--lang":
            return args[i + 1] if i + 1 < len(args) else None
        if arg.startswith("--lang="):
            return arg[len("--lang=") :]
        if not arg.startswith("-"):  # the command name
            return None
    return None
