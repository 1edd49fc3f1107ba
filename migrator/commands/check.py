"""What ``migrator check`` does, top-down: find the project (run from a sub-folder, it is where
its config or baseline is), then ``migrator.check.run_check``: the policy, the files, their
findings, which of them are new (against ``--base`` or the baseline), the baseline written when
asked.  The exit code: 1 when a finding is new.  The CLI renders the result."""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable, ContextManager, Optional, Sequence

from migrator.discovery import DEFAULT_MAX_BYTES
from migrator.errors import EXIT_FINDINGS, EXIT_OK
from migrator.results import CheckResult


@dataclass(frozen=True)
class CheckRequest:
    paths: Sequence[str] = ()  # relative to the current directory
    base: Optional[str] = None
    baseline: Optional[str] = None
    update_baseline: bool = False
    policy: Optional[str] = None
    root: Optional[str] = None
    exclude: Sequence[str] = ()
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass
class CheckOutcome:
    result: CheckResult
    code: int


def run(
    request: CheckRequest, checking: Callable[[], ContextManager[Optional[Callable[[int, int], None]]]] = nullcontext
) -> CheckOutcome:
    """``checking()``: a context giving the progress callback (or None)."""
    from migrator.check import DEFAULT_BASELINE, CheckOptions, run_check
    from migrator.config import project_dir
    from migrator.discovery import resolve_root

    # run from a sub-folder, the project is where its config (or baseline) is
    options = CheckOptions(
        root=resolve_root(request.root) if request.root is not None else str(project_dir(".", markers=(DEFAULT_BASELINE,))),
        paths=tuple(os.path.abspath(p) for p in request.paths or ()),
        base=request.base,
        baseline=request.baseline,
        update_baseline=request.update_baseline,
        policy=request.policy,
        excludes=tuple(request.exclude or ()),
        max_bytes=request.max_bytes,
    )
    with checking() as update:
        result = run_check(options, progress=update)
    return CheckOutcome(result, EXIT_FINDINGS if result.failed else EXIT_OK)
