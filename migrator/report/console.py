"""Shared Rich consoles: data on stdout, progress and diagnostics on stderr."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence

from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from migrator.analyzer.secrets import redact_text
from rich.markup import escape

if TYPE_CHECKING:
    from rich.progress import TaskID

# C0/C1 controls (ESC starts a terminal escape sequence) and the bidirectional overrides that
# reorder what a reader sees; tab stays
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _shown(match: "re.Match[str]") -> str:
    char = match.group()
    if "\udc80" <= char <= "\udcff":  # an undecodable byte of a file name (surrogateescape)
        return f"\\x{ord(char) - 0xDC00:02x}"
    return char.encode("unicode_escape", "backslashreplace").decode("ascii")


def printable(text: str, lines: bool = False) -> str:
    """Text from the user's tree (file names, source quoted in messages) as it may reach a
    terminal: control characters, escape sequences and undecodable bytes shown as ``\\xNN``
    (``lines``: line breaks kept, for a diff)."""
    if lines:
        return "\n".join(_UNPRINTABLE.sub(_shown, line) for line in text.split("\n"))
    return _UNPRINTABLE.sub(_shown, text)


def safe(text: object) -> str:
    """``printable`` text inside Rich markup: ``[...]`` in a file name is shown, never interpreted."""
    return escape(printable(str(text)))


_OUT: Optional[Console] = None
_ERR: Optional[Console] = None


class _RedactingConsole(Console):
    """A console that shows hard-coded keys redacted, whatever it is given to print: the
    last line of defence behind the messages' own redaction.  Each segment is redacted,
    then the rendered text (where no colour codes split it: pipes, CI logs); a key a
    wrapped line splits is not seen here."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        segments = (Segment(redact_text(s.text), s.style, s.control) for s in buffer)
        return redact_text(super()._render_buffer(segments))

    def print(self, *objects: Any, soft_wrap: Optional[bool] = None, **kwargs: Any) -> None:
        # piped or written to a file, a line of text is never broken where Rich would wrap it: a
        # path:line:col, a summary and a message stay whole for grep, CI logs and editors (tables
        # and panels are still laid out to the width)
        if soft_wrap is None and not self.is_terminal and all(isinstance(o, (str, Text)) for o in objects):
            soft_wrap = True
        super().print(*objects, soft_wrap=soft_wrap, **kwargs)


def console() -> Console:
    global _OUT
    if _OUT is None:
        _OUT = _RedactingConsole(highlight=False, soft_wrap=False)
    return _OUT


def error_console() -> Console:
    global _ERR
    if _ERR is None:
        _ERR = _RedactingConsole(stderr=True, highlight=False)
    return _ERR


def report_console(file: IO[str]) -> Console:
    """A console writing a text report into ``file`` (for --output): 120 columns, no colour."""
    return _RedactingConsole(file=file, width=120, highlight=False, no_color=True)


def reset() -> None:
    """Forget the consoles (tests swap sys.stdout between runs)."""
    global _OUT, _ERR
    _OUT = _ERR = None


@contextmanager
def progress(label: str, enabled: bool = True, min_total: int = 0) -> Iterator[Optional[Callable[[int, int], None]]]:
    """A transient progress bar on stderr, only when stderr is a terminal."""
    with progress_stages([label], enabled, min_total) as (update,):
        yield update


@contextmanager
def progress_stages(
    labels: Sequence[str], enabled: bool = True, min_total: int = 0
) -> Iterator[List[Optional[Callable[[int, int], None]]]]:
    """A transient bar per stage of a run (``update(done, total)`` each), on stderr, only when
    stderr is a terminal; a bar shows once a stage has at least ``min_total`` files (a short run
    is not worth one).  Nones when disabled."""
    err = error_console()
    if not enabled or not err.is_terminal:
        yield [None] * len(labels)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )  # (only a terminal shows one)

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True
    )
    tasks: Dict[int, TaskID] = {}

    def updater(index: int) -> Callable[[int, int], None]:
        def update(done: int, total: int) -> None:
            if index not in tasks:
                if total < min_total:
                    return
                if not tasks:
                    bar.start()
                tasks[index] = bar.add_task(labels[index], total=total)
            bar.update(tasks[index], completed=done, total=total)

        return update

    try:
        yield [updater(i) for i in range(len(labels))]
    finally:
        if tasks:
            bar.stop()


@contextmanager
def paged(out: Console, enabled: bool = True) -> Iterator[None]:
    """What ``out`` prints inside, shown through a pager (``$PAGER``, else ``less``) when ``out``
    is a terminal and it is longer than the terminal; printed as it is otherwise.  Off when
    ``enabled`` is false or ``MIGRATOR_PAGER=0``; never when ``out`` is a pipe or a file."""
    if not enabled or not out.is_terminal or os.environ.get("MIGRATOR_PAGER", "").strip() in ("0", "false", "no"):
        yield
        return
    with out.capture() as captured:
        yield
    text = captured.get()
    if text.count("\n") < out.size.height or not _page(text):
        out.file.write(text)
        out.file.flush()


def _page(text: str) -> bool:
    """Pipe ``text`` into the pager; False when there is none to run (then it is printed)."""
    import shlex
    import signal
    import subprocess
    import sys

    command = shlex.split(os.environ.get("PAGER") or "less")
    if not command:
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # as git: colours kept, quit at once if it fits, the screen not cleared
    try:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    try:  # Ctrl-C belongs to the pager (less scrolls back with it), as in git
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        previous = None
    try:
        from migrator.escapes import ESCAPE_ERRORS

        proc.communicate(text.encode(getattr(sys.stdout, "encoding", None) or "utf-8", ESCAPE_ERRORS))
    except BrokenPipeError:  # the reader quit the pager before the end
        proc.wait()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return True
