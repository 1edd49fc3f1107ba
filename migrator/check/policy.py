"""The policies: strict or compat, the endpoints compat allows, the hosts that are OpenAI's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

from migrator.config import Config
from migrator.errors import UsageError
from migrator.i18n import _

POLICIES = ("strict", "compat")


@dataclass(frozen=True)
class Policy:
    name: str = "strict"
    forbidden_modules: Tuple[str, ...] = ()  # extra modules, on top of the built-in wrapper list
    allow_endpoints: Tuple[str, ...] = ()
    listed: bool = False  # allow_endpoints is the user's own list: nothing else passes

    def allows(self, url: str) -> bool:
        if endpoint_allowed(url, self.allow_endpoints) or self_hosted(url):
            return True
        # without a list of their own, a server that is not OpenAI's (another provider, a gateway)
        # is not OpenAI usage
        return not self.listed and not openai_host(url)


def openai_host(url: str) -> bool:
    """A server that is, or may be, OpenAI's: api.openai.com, an Azure OpenAI resource, a host
    that names OpenAI (an OpenAI proxy), a public IP address, or no host at all."""
    import ipaddress

    match = re.match(r"(?i)^(?:https?://)?(\[[^\]]+\]|[^/:?#]+)", url.strip())
    host = match.group(1).strip("[]").lower() if match else ""
    try:
        ipaddress.ip_address(host)
        return True  # a bare address names no service (a private one is self-hosted, see above)
    except ValueError:
        pass
    return "." not in host or "openai" in host


def self_hosted(url: str) -> bool:
    """A server on this machine or a private network (Ollama, vLLM, a gateway in the office):
    an OpenAI-compatible client talking to it is not OpenAI usage."""
    import ipaddress

    match = re.match(r"(?i)^(?:https?://)?(\[[^\]]+\]|[^/:?#]+)", url.strip())
    host = match.group(1).strip("[]").lower() if match else ""
    if host in ("localhost", "host.docker.internal") or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified


def load_policy(
    cfg: Config, override: Optional[str] = None, default_endpoints: Optional[Callable[[], List[str]]] = None
) -> Policy:
    """The policy from ``--policy``, else ``[tool.migrator.check] policy``, else strict."""
    name = override or cfg.check.policy or "strict"
    if name not in POLICIES:
        raise UsageError(_("unknown policy '{name}'; use strict or compat").format(name=name))
    endpoints: Sequence[str] = cfg.check.allow_endpoints
    if name == "compat" and not endpoints:
        endpoints = (default_endpoints or _pack_endpoints)()
    return Policy(
        name,
        tuple(m.strip() for m in cfg.check.forbidden_modules if m.strip()),
        tuple(normalize_endpoint(e) for e in endpoints if e.strip()),
        listed=bool(cfg.check.allow_endpoints),
    )


def _pack_endpoints() -> List[str]:
    from migrator.ruleset import endpoints, load_all

    return endpoints(load_all())


def normalize_endpoint(url: str) -> str:
    url = url.strip().rstrip("/")
    match = re.match(r"(?i)^(https?://)?([^/]*)(.*)$", url)
    if not match:
        return url
    scheme, host, rest = match.groups()
    return f"{(scheme or '').lower()}{host.lower()}{rest}"


def endpoint_allowed(url: str, allowed: Iterable[str]) -> bool:
    """``url`` equals an allowed endpoint or lies below it (``https://x/v1`` allows ``https://x/v1/``)."""
    norm = normalize_endpoint(url)
    bare = re.sub(r"^https?://", "", norm)
    for entry in allowed:
        entry_bare = re.sub(r"^https?://", "", entry)
        candidate = norm if entry.startswith(("http://", "https://")) else bare
        target = entry if entry.startswith(("http://", "https://")) else entry_bare
        if candidate == target or candidate.startswith(target + "/"):
            return True
    return False


def _module_forbidden(module: str, forbidden: Sequence[str]) -> Optional[str]:
    for entry in forbidden:
        if module == entry or module.startswith(entry + "."):
            return entry
    return None
