"""What an operation may use and produce while editing one site: ``Context`` and ``Sink``."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

from migrator.analyzer.secrets import redact_text
from migrator.engine.model import Site


class Context:
    """What an operation may use and produce while editing one site."""

    def __init__(self, ruleset: Any, rule: Any, site: Site, sink: "Sink"):
        self.ruleset = ruleset
        self.rule = rule
        self.site = site
        self.sink = sink

    def diag(self, message: str, severity: str = "info") -> None:
        self.sink.diag(self.rule.id, self.site, message, severity)

    def manual(self, message: str, blocking: bool = True) -> None:
        """A site left for a person: report it and, if enabled, leave a TODO comment.
        ``blocking``: the site keeps its OpenAI shape, so its client cannot migrate without it
        (False where only a value is left to choose, e.g. a model name)."""
        self.diag(message, "manual")
        self.sink.todo(self.rule.id, self.site, message)
        if blocking:
            self.sink.blocking.setdefault(id(self.site), message)

    def need_import(self, module: str, name: Optional[str] = None) -> None:
        self.sink.imports.add((module, name))

    def text(self, value: str) -> str:
        return self.ruleset.interpolate(value)  # type: ignore[no-any-return]


class Sink:
    """Collects what operations produce for one file; the transformer drains it."""

    def __init__(self, path: str, cell: Optional[int] = None, todo_comments: bool = True, todo_lang: str = "en"):
        self.path = path
        self.cell = cell
        self.todo_comments = todo_comments
        self.todo_lang = todo_lang
        self.todo_made: Dict[str, Tuple[str, str]] = {}  # a TODO's text -> (rule, message in English)
        self.diagnostics: List[Tuple[str, Site, str, str]] = []
        self.imports: Set[Tuple[str, Optional[str]]] = set()
        # an import wanted for a replaced symbol -> the names it replaces (``OpenAI``, ``openai``):
        # where those are imported only inside functions or guards, the new import goes beside them
        self.replaced: Dict[Tuple[str, Optional[str]], Set[str]] = {}
        self.todos: List[Tuple[Site, str]] = []
        self.remove: List[Site] = []
        self.bound_names: Dict[str, Optional[str]] = {}
        self.helpers: Dict[str, str] = {}  # client expression -> name of its module-level accessor
        # module settings the clients replacing openai<1 calls carry (see ClientSetting):
        # keyword -> (sync value, async value, imports), and the config sites they came from
        self.client_settings: Dict[str, Tuple[Any, Any, List[Tuple[str, Optional[str]]]]] = {}
        self.settings_from: Set[int] = set()
        self.blocking: Dict[int, str] = {}  # id(site) -> why an operation had to leave it as it was
        self.changed: Set[Tuple[int, int]] = set()  # (id(site), id(rule)) pairs whose operations edited the code
        self.code: Optional[str] = None  # the transformed module's text, once printed
        # model literals the rewrite mapped (old -> new), and those it found no model for
        self.models: Dict[str, str] = {}
        self.unmapped: Set[str] = set()

    def shared_client(self, expression: str) -> Optional[str]:
        """The name of a module-level accessor returning ``expression``, or None if no free name."""
        if expression in self.helpers:
            return self.helpers[expression]
        for index in range(1, 10):
            name = "_migrator_client" if index == 1 else f"_migrator_client_{index}"
            if name not in self.bound_names and name not in self.helpers.values():
                self.helpers[expression] = name
                return name
        return None

    def diag(self, rule: str, site: Site, message: str, severity: str) -> None:
        self.diagnostics.append((rule, site, message, severity))

    def todo(self, rule: str, site: Site, message: str) -> None:
        if self.todo_comments:  # written into the user's code: never a key quoted from the site
            text = self.todo_text(rule, message, self.todo_lang)
            self.todo_made[text] = (rule, message)
            self.todos.append((site, text))

    @staticmethod
    def todo_text(rule: str, message: str, lang: str) -> str:
        if lang == "en":
            return redact_text(f"TODO(migrator: {rule}): {message}")
        from migrator.i18n import localize, use_language

        with use_language(lang):
            return redact_text(f"TODO(migrator: {rule}): {localize(message)}")

    def todo_elsewhere(self, text: str) -> str:
        """The same TODO as a run in the other language writes it."""
        rule, message = self.todo_made[text]
        return self.todo_text(rule, message, "en" if self.todo_lang == "zh" else "zh")
