"""``migrator check``: the CI / pre-commit gate against new OpenAI usage.

The shared analyzer finds OpenAI touchpoints; this module turns them into
*check findings* under a policy, applies inline suppressions, and decides
which findings are *new* (not at the merge-base of ``--base``, not in the
``--baseline`` file).  It knows nothing of Typer or Rich.

Policies:

``strict``
    Any import of ``openai`` or of an OpenAI framework wrapper, any
    ``api.openai.com`` URL and any OpenAI requirement in a dependency file is
    a finding.
``compat``
    The ``openai`` SDK is allowed where every client it constructs has an
    explicit ``base_url`` on the allow-list (a literal, a module constant, or
    the literal default of ``os.environ.get``/``os.getenv``).  Wrappers, URLs
    and wrapper requirements are still findings.

Identity: a finding is identified by (rule, path, symbol), never its line, and
compared by *count*, so moving code does not re-trigger it but a second
identical import in the same file does.

The package, by what each part does (read ``run`` first: ``run_check`` is the gate top-down):

- ``policy``: strict or compat, the endpoints compat allows, the hosts that are OpenAI's;
- ``source``: a module or notebook cell with its lines (parsed only where the analysis recorded
  nothing of what check reads of it: ``analyzer/facts.py``);
- ``suppressions``: ``# migrator: ignore[...] -- reason`` comments, found and applied;
- ``files``: one file's findings under a policy (``check_bytes``);
- ``fixes``: the compat rewrite of a client as text replacements;
- ``baseline``: which findings are new, against a base commit or the baseline file;
- ``run``: the gate over a project (``run_check``).

The result types and the check rules are ``migrator.results``'s; every name is importable from
``migrator.check`` as before.
"""

from migrator.check.baseline import (
    BASELINE_SCHEMA_VERSION,
    DEFAULT_BASELINE,
    baseline_json,
    new_findings,
    read_baseline,
)
from migrator.check.files import FileCheck, Fixer, check_bytes
from migrator.check.fixes import apply_fix, fixes_from_rewrite, make_fixer
from migrator.check.policy import (
    POLICIES,
    Policy,
    endpoint_allowed,
    load_policy,
    normalize_endpoint,
    openai_host,
    self_hosted,
)
from migrator.check.run import CheckOptions, run_check
from migrator.check.source import _Source, literal_url
from migrator.check.suppressions import Suppression, apply_suppressions, python_suppressions, text_suppressions
from migrator.results import (  # the result types and rules, importable from here too
    R_CASSETTE,
    R_CLIENT,
    R_DEPENDENCY,
    R_FRAMEWORK,
    R_IMPORT,
    R_NO_REASON,
    R_UNPARSEABLE,
    R_UNUSED,
    R_URL,
    RULES,
    CheckFinding,
    CheckResult,
    Fix,
    Replacement,
    RuleInfo,
    fingerprint,
)

__all__ = [  # what the package exports (mypy: no implicit re-export)
    "BASELINE_SCHEMA_VERSION",
    "DEFAULT_BASELINE",
    "baseline_json",
    "new_findings",
    "read_baseline",
    "FileCheck",
    "Fixer",
    "check_bytes",
    "apply_fix",
    "fixes_from_rewrite",
    "make_fixer",
    "POLICIES",
    "Policy",
    "endpoint_allowed",
    "load_policy",
    "normalize_endpoint",
    "openai_host",
    "self_hosted",
    "CheckOptions",
    "run_check",
    "_Source",
    "literal_url",
    "Suppression",
    "apply_suppressions",
    "python_suppressions",
    "text_suppressions",
    "R_CLIENT",
    "R_CASSETTE",
    "R_DEPENDENCY",
    "R_FRAMEWORK",
    "R_IMPORT",
    "R_NO_REASON",
    "R_UNPARSEABLE",
    "R_UNUSED",
    "R_URL",
    "RULES",
    "CheckFinding",
    "CheckResult",
    "Fix",
    "Replacement",
    "RuleInfo",
    "fingerprint",
]
