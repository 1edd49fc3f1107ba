"""Click's own words in the chosen language (issue 17): ``Usage:``, ``Options:``, ``Arguments:``,
``Commands:``, ``Error: ...``, ``Try '... -h' for help.``, the help option's text and Click's
usage errors ("No such option: --x", "Missing argument 'x'.").

Typer vendors Click with these words written in English; they are looked up in migrator's
catalogue (the messages listed in ``i18n.CLICK_WORDS``) where they are shown: the usage line's
prefix, the definition lists of a help page, and the two ``show`` methods of Click's exceptions.
In English every function here prints exactly what Click prints.
"""

from __future__ import annotations

from typing import IO, Any, Optional

from migrator.i18n import localize

_INSTALLED = [False]


def install() -> None:
    """Route Click's words through the catalogue (once per process; English is unchanged)."""
    if _INSTALLED[0]:
        return
    import typer.core
    from typer._click import exceptions, formatting
    from typer._click._compat import get_text_stderr
    from typer._click.utils import echo

    # "Options", "default: {default}", "required"; (gettext's parameter is named message, localize's text)
    typer.core._ = localize  # type: ignore[assignment]
    write_usage, write_dl = formatting.HelpFormatter.write_usage, formatting.HelpFormatter.write_dl

    def heading(self: Any, heading: str) -> None:  # "Options:"; Chinese puts a full-width colon
        self.write(f"{'':>{self.current_indent}}{localize('{heading}:').format(heading=heading)}\n")

    def usage(self: Any, prog: str, args: str = "", prefix: Optional[str] = None) -> None:
        write_usage(self, prog, args, localize("Usage: ") if prefix is None else prefix)

    def rows(self: Any, rows: Any, *args: Any, **kwargs: Any) -> None:
        write_dl(self, [(term, localize(text)) for term, text in rows], *args, **kwargs)

    def error(exc: Any, file: Optional[IO[Any]], color: Optional[bool]) -> None:
        echo(localize("Error: {message}").format(message=localize(exc.format_message())), file=file, color=color)

    def show(self: Any, file: Optional[IO[Any]] = None) -> None:
        error(self, file or get_text_stderr(), self.show_color)

    def show_usage(self: Any, file: Optional[IO[Any]] = None) -> None:
        file = file or get_text_stderr()
        color, hint = None, ""
        if self.ctx is not None and self.ctx.command.get_help_option(self.ctx) is not None:
            hint = (
                localize("Try '{command} {option}' for help.").format(
                    command=self.ctx.command_path, option=self.ctx.help_option_names[0]
                )
                + "\n"
            )
        if self.ctx is not None:
            color = self.ctx.color
            echo(f"{self.ctx.get_usage()}\n{hint}", file=file, color=color)
        error(self, file, color)

    # Click has no hook for its words: its methods are replaced (what mypy's method-assign flags)
    formatting.HelpFormatter.write_heading = heading  # type: ignore[method-assign]
    formatting.HelpFormatter.write_usage = usage  # type: ignore[method-assign]
    formatting.HelpFormatter.write_dl = rows  # type: ignore[method-assign]
    exceptions.ClickException.show = show  # type: ignore[method-assign]
    exceptions.UsageError.show = show_usage  # type: ignore[method-assign]
    _INSTALLED[0] = True
