"""What ``migrator scan`` does, top-down: read the project's config, analyse every interesting
file (``migrator.scan.scan_paths``; the rule packs load meanwhile), and plan every provider and
plan on the result (``migrator.readiness``).  Writes nothing; the CLI renders the report."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Dict, List, Optional, Sequence

from migrator.commands.common import config_and_excludes, jobs_option
from migrator.discovery import DEFAULT_MAX_BYTES, resolve_root
from migrator.errors import EXIT_OK
from migrator.models import ScanResult
from migrator.scan import ScanOptions, scan_paths

if TYPE_CHECKING:
    from migrator.config import Config
    from migrator.ruleset import ProviderFile


@dataclass(frozen=True)
class ScanRequest:
    path: str = "."
    provider: Optional[str] = None  # narrow the readiness matrix to one provider
    exclude: Sequence[str] = ()
    rules: Sequence[str] = ()
    jobs: int = 0
    use_cache: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass
class ScanOutcome:
    root: str
    result: ScanResult
    readiness: Optional[List[Dict[str, Any]]]
    code: int = EXIT_OK


def run(
    request: ScanRequest, scanning: Callable[[], ContextManager[Optional[Callable[[int, int], None]]]] = nullcontext
) -> ScanOutcome:
    """``scanning()``: a context giving the progress callback of the analysis (or None)."""
    root = resolve_root(request.path)
    cfg, excludes = config_and_excludes(root, request.exclude)
    options = ScanOptions(
        excludes=excludes, jobs=jobs_option(request.jobs), use_cache=request.use_cache, max_bytes=request.max_bytes
    )
    rules = list(request.rules) or None
    packs: Dict[str, List[ProviderFile]] = {}

    def load_packs() -> None:  # while the workers scan; an error surfaces in _readiness
        try:
            from migrator.ruleset import load_all

            packs["loaded"] = load_all(list(cfg.rules) + list(rules or []))
        except Exception:  # noqa: BLE001 - re-raised, with its message, by the load in _readiness
            pass

    with scanning() as update:
        result = scan_paths(root, options, update, meanwhile=load_packs)
    readiness = _readiness(result, root, cfg, request.provider, rules, packs.get("loaded"), request.use_cache)
    return ScanOutcome(root, result, readiness)


def _readiness(
    result: ScanResult,
    root: str,
    cfg: Config,
    provider: Optional[str],
    rules: Optional[List[str]],
    packs: Optional[List[ProviderFile]] = None,
    use_cache: bool = False,
) -> Optional[List[Dict[str, Any]]]:
    try:
        from migrator.readiness import cached_readiness_matrix
    except ModuleNotFoundError:
        return None
    return cached_readiness_matrix(
        result, root=root, config=cfg, provider=provider, extra_rules=rules or [], providers=packs, use_cache=use_cache
    )
