"""Read docker-compose files the way `docker compose` does, for checks that run without Docker.

Covers what our compose files use: YAML anchors and merge keys (PyYAML resolves them), variable
interpolation (``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``, ``$$``) and
profiles (a service with ``profiles`` runs only when one of them is enabled).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILES = (ROOT / "docker-compose.yml", ROOT / "docker-compose.worker.yml")

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(ValueError):
    """A ``${VAR:?message}`` whose variable is unset: compose refuses the file."""


def load(path: Path) -> dict[str, Any]:
    """The file as YAML, anchors and ``<<`` merges resolved."""
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path} is not a mapping"
    return data


def interpolate_string(text: str, env: dict[str, str]) -> str:
    """Substitute variables as compose does."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["name"] or match["bare"]
        op, arg = match["op"], match["arg"] or ""
        value = env.get(name)
        unset_or_empty = value is None or (op is not None and op.startswith(":") and value == "")
        if op in (":-", "-") and unset_or_empty:
            return arg
        if op in (":?", "?") and unset_or_empty:
            raise MissingVariable(f"{name}: {arg}")
        return value or ""

    return _VARIABLE.sub(replace, text)


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """Interpolate every string in a loaded compose document (keys too, as compose does)."""
    if isinstance(node, str):
        return interpolate_string(node, env)
    if isinstance(node, dict):
        return {interpolate(k, env): interpolate(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env) for v in node]
    return node


def profiles(doc: dict[str, Any]) -> set[str]:
    """Every profile some service declares."""
    return {p for service in doc["services"].values() for p in service.get("profiles", [])}


def render(
    doc: dict[str, Any], env: dict[str, str], enabled: set[str] | frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The effective configuration with ``enabled`` profiles: interpolated, inactive services dropped."""
    out = interpolate(doc, env)
    out["services"] = {
        name: service
        for name, service in out["services"].items()
        if not service.get("profiles") or set(service["profiles"]) & set(enabled)
    }
    return out


def command(service: dict[str, Any]) -> list[str]:
    """A service's command as an argv list (our files use the exec form only)."""
    cmd = service["command"]
    assert isinstance(cmd, list), "use the exec form (a list), so no shell stands between Docker and Python"
    return [str(part) for part in cmd]


def env_example() -> dict[str, str]:
    """The active ``NAME=value`` lines of .env.example (what a copied .env sets)."""
    values: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values
