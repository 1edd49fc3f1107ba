"""``migrator cache``: where scan keeps its analyses, how big they are, and clearing them."""

from __future__ import annotations

import typer

from migrator.cli import app
from migrator.i18n import _

cache_app = typer.Typer(
    help=_("Show or clear the analysis cache (MIGRATOR_CACHE_DIR, else ~/.cache/migrator)."),
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(cache_app, name="cache")


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


@cache_app.command("info", help=_("Show the cache directory and the size of each migrator version's analyses in it."))
def info() -> None:
    from migrator.cache import cache_dir, max_bytes, usage
    from migrator.report.console import console, safe

    out = console()
    out.print(_("cache directory: {path}").format(path=safe(str(cache_dir()))), highlight=False)
    for name, size, current in usage():
        out.print(
            f"  {name}  {_mib(size)}"
            + (_(" (this version; kept under {limit})").format(limit=_mib(max_bytes())) if current else ""),
            highlight=False,
        )


@cache_app.command(
    "clear", help=_("Remove every analysis migrator keeps in the cache directory (the next scan reads every file again).")
)
def clear() -> None:
    from migrator.cache import cache_dir, clear as clear_cache
    from migrator.errors import UsageError
    from migrator.report.console import console, safe

    try:
        removed, freed = clear_cache()
    except OSError as exc:
        raise UsageError(_("cannot clear the cache: {reason}").format(reason=exc)) from exc
    console().print(
        _("removed {count} cache folder(s), {size}, from {path}").format(
            count=removed, size=_mib(freed), path=safe(str(cache_dir()))
        ),
        highlight=False,
    )
