"""Errors that stop a command, and the exit codes they map to."""

from __future__ import annotations

from typing import List, Optional

EXIT_OK = 0
EXIT_FINDINGS = 1  # check: new findings; apply --dry-run: changes pending
EXIT_USAGE = 2  # usage, configuration, rule file or safety refusal
EXIT_PARTIAL = 3  # apply: some files could not be migrated


class MigratorError(Exception):
    """A fatal problem the user can fix; the CLI prints it and exits with ``exit_code``."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, path: Optional[str] = None, line: Optional[int] = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.render())

    def render(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}: {self.message}"
        if self.path:
            return f"{self.path}: {self.message}"
        return self.message


class UsageError(MigratorError):
    pass


class ConfigError(MigratorError):
    pass


class RuleFileError(MigratorError):
    """One or more problems in rule files; ``problems`` holds every ``path:line: what`` line."""

    def __init__(self, problems: List[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class GitError(MigratorError):
    pass


class SafetyError(MigratorError):
    """migrator refuses to act because it could damage the user's work."""
