"""The ``migrator`` command line: options in, api call, report out, exit code.

Commands live one per module; this module builds the Typer app and turns
``MigratorError`` into a message on stderr and a documented exit code.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, List, Optional, Sequence

from migrator import __version__
from migrator.errors import MigratorError
from migrator.i18n import _

# Start-up is deferred (issue 19: a pre-commit `check` of one file spent 18 ms checking and
# ~175 ms importing): the Typer app is built on first use of ``app``, only the command named on
# the command line is imported, and ``--version`` answers before anything else is loaded.

COMMANDS = ("scan", "apply", "check", "rules", "cache")

_APP: List[Any] = []

if TYPE_CHECKING:  # for the checker: the class _app() builds
    from enum import Enum

    class Lang(str, Enum):
        zh = "zh"
        en = "en"


def __getattr__(name: str) -> Any:
    if name == "app":
        return _app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _app() -> Any:
    """The Typer app (built once); command modules register on it with ``@app.command()``."""
    if _APP:
        return _APP[0]
    from enum import Enum

    import typer

    from migrator import i18n

    global Lang  # a module global, where Typer resolves the annotation; built here, not at import (~2 ms)

    class Lang(str, Enum):  # the values of --lang
        zh = "zh"
        en = "en"

    app = typer.Typer(
        name="migrator",
        help=_("Move Python code off the OpenAI API onto Chinese model providers."),
        no_args_is_help=True,
        add_completion=True,  # --install-completion / --show-completion SHELL
        pretty_exceptions_enable=False,
        # help texts are plain text: Rich markup took "[tool.migrator.check]" for a style tag
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    def _version(value: bool) -> None:
        if value:
            typer.echo(f"migrator {__version__}")
            raise typer.Exit(0)

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help=_("Show the version and exit.")),
        lang: Optional[Lang] = typer.Option(
            None,
            "--lang",
            help=_(
                "Language of messages: zh or en (default: MIGRATOR_LANG, else the locale: LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."
            ),
        ),
    ) -> None:
        # main() has already chosen it from the command line (help texts are built at import);
        # this is for the app called as a library, where a run without --lang must not inherit
        # the previous run's choice
        i18n.set_language(lang.value if lang is not None else None)

    from migrator.cli import click_words

    click_words.install()  # Click's own words (Usage:, Options:, Error:) through the catalogue
    _APP.append(app)
    return app


def _register(args: Optional[Sequence[str]] = None) -> None:
    """Import the command modules (each registers its command): only the one ``args`` names
    when it names one, else all of them (help, a mistyped command, library use)."""
    names = [args[0]] if args and args[0] in COMMANDS else COMMANDS
    for name in names:
        try:
            __import__(f"migrator.cli.{name}")
        except ModuleNotFoundError as exc:  # a command still being built is simply absent
            if exc.name != f"migrator.cli.{name}":
                raise


class _Terminated(BaseException):
    """SIGTERM, raised like Ctrl-C so the same cleanup runs (temp files, in-place rollback).

    Not a KeyboardInterrupt: Typer turns those into a silent exit 130 before ``main`` sees them."""


class _Interrupted(BaseException):
    """Ctrl-C (SIGINT) in the main process; a KeyboardInterrupt would be swallowed by Typer
    (or turned into "Aborted!" by a confirmation prompt) before ``main`` could say so."""


_MAIN_PID = [0]


def _sigterm(signum, frame) -> None:
    import signal

    if os.getpid() != _MAIN_PID[0]:  # a forked worker inherited the handler: die the default way
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    raise _Terminated()


def _sigint(signum, frame) -> None:
    import signal

    if os.getpid() != _MAIN_PID[0]:  # a forked worker: a plain KeyboardInterrupt, as before
        signal.signal(signal.SIGINT, signal.default_int_handler)
        raise KeyboardInterrupt
    raise _Interrupted()


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point of the console script; exits the process."""
    import signal

    args = sys.argv[1:] if argv is None else list(argv)
    if args == ["--version"]:  # what the eager --version option prints, without loading the app
        sys.stdout.write(f"migrator {__version__}\n")
        sys.stdout.flush()
        sys.exit(0)

    _MAIN_PID[0] = os.getpid()
    try:  # Python's default SIGTERM kills without cleanup; `kill` and CI cancels send it
        signal.signal(signal.SIGTERM, _sigterm)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when started with SIGINT ignored
            signal.signal(signal.SIGINT, _sigint)
    except ValueError:  # not the main thread (embedded use): leave signals alone
        pass
    _tolerant_streams()
    _choose_language(args)
    _register(args)
    try:
        _app()(args=argv, prog_name="migrator", standalone_mode=True)
    except MigratorError as exc:
        from rich.text import Text

        from migrator.report.console import error_console, printable

        # a Text, not markup: paths may hold "[...]" and "file:100:" must not become an emoji
        error_console().print(Text.assemble((_("error: "), "bold red"), printable(exc.render(), lines=True)), highlight=False)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, _Interrupted):
        from migrator.report.console import error_console

        error_console().print(f"[bold red]{_('interrupted')}[/]")
        sys.exit(130)
    except _Terminated:
        from migrator.report.console import error_console

        error_console().print(f"[bold red]{_('interrupted')}[/] (SIGTERM)")
        sys.exit(143)
    except Exception as exc:  # a bug: one line by default, the traceback on request
        from rich.text import Text

        from migrator.analyzer.secrets import redact_text  # an exception message may quote file content
        from migrator.report.console import error_console, printable

        if os.environ.get("MIGRATOR_DEBUG"):  # the traceback, its messages redacted like every output
            import traceback

            sys.stderr.write(redact_text("".join(traceback.format_exception(type(exc), exc, exc.__traceback__))))
            sys.exit(70)
        error_console().print(
            Text.assemble(
                (_("internal error: "), "bold red"),
                f"{type(exc).__name__}: {printable(redact_text(str(exc)), lines=True)}\n",
                _("This is a bug in migrator. Run again with MIGRATOR_DEBUG=1 to see the traceback, and report it."),
            ),
            highlight=False,
        )
        sys.exit(70)


def _choose_language(args: Sequence[str]) -> None:
    """``--lang`` before anything is imported: help texts are built when their module loads.
    A value that is not zh or en is left for Typer to refuse with its usage message."""
    from migrator import i18n

    value = i18n.lang_from_args(list(args))
    if value in i18n.LANGUAGES:
        i18n.set_language(value)


def _tolerant_streams() -> None:
    """A terminal or pipe that cannot encode a character ("→", Chinese text, an undecodable file
    name) gets an escape for it, never a UnicodeEncodeError (PYTHONIOENCODING=cp1252, LANG=C)."""
    from migrator.escapes import ESCAPE_ERRORS

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors=ESCAPE_ERRORS)  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):  # replaced by a non-text stream (tests, embedding)
            pass
