"""What every command reads first: the project (its root, config and excludes) and the worker count."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from migrator.config import Config, load_config
from migrator.discovery import normalize_excludes
from migrator.errors import UsageError


def config_and_excludes(root: str, excludes: Optional[Sequence[str]]) -> Tuple[Config, List[str]]:
    cfg = load_config(root)
    return cfg, normalize_excludes(list(cfg.exclude) + list(excludes or []))


def jobs_option(jobs: int) -> int:
    if jobs < 0:
        raise UsageError("--jobs must be 0 (all cores) or more")
    return jobs
