"""The deployment docs tell the truth about this project.

A user follows docs/DEPLOY.ru.md (or DEPLOY.md, OPERATIONS.md) command by command; every script
it names must exist and be executable, every compose service, profile and file it names must exist,
every `python -m` module must be importable, every setting the code reads must be documented, and
the facts of the original Russian guide must still be there.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from shared.platform.settings import Settings
from tests import composefile
from tests.composefile import COMPOSE_FILES, ROOT

DOCS = ROOT / "docs"
GUIDES = [DOCS / "DEPLOY.ru.md", DOCS / "DEPLOY.md"]
ALL_DOCS = [*GUIDES, DOCS / "OPERATIONS.md", DOCS / "PORTS_AND_SERVICES.md", ROOT / "README.md"]
# Variables only docker compose reads (the code never does).
COMPOSE_ONLY = {"API_PUBLISH", "SERVER_NAME", "COMPOSE_PROFILES"}
POSTGRES = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}

# The user-facing facts of the original guide (/work/shared/seed), kept true in both languages.
SEED_FACTS = [
    "./scripts/docker-compose-build.sh up -d --build",
    "DOCKER_BUILDKIT=0 docker compose up -d --build",
    "curl -s http://localhost:8000/health",
    "docker compose ps",
    "docker compose down",
    "docker compose down -v",
    "`pgdata`",
    "`parsequeue`",
    "`8000`",
    "`3000`",
    "`5432`",
    "POSTGRES_USER=local",
    "POSTGRES_PASSWORD=",
    "POSTGRES_DB=local",
    "git pull",
    "docker system df -v",
    "docker container prune -f",
    "docker image prune -f",
    "docker builder prune -f",
    "docker builder prune -a -f",
    "docker system prune -a -f",
    "docker buildx rm --all-inactive",
    "docker buildx create --use",
    "docker buildx inspect --bootstrap",
    "docker compose build --no-cache",
    "DOCKER_BUILDKIT=0 docker compose build",
    "x-docker-expose-session-sharedkey",
    "cd frontend && npm",
    "npm run dev",
]


def _env_name(name: str, field: Any) -> str:
    alias = field.validation_alias
    if isinstance(alias, str):
        return alias.upper()
    return name.upper()


def code_variables() -> set[str]:
    """Every variable the code reads: the Settings fields (read from the env by name)."""
    return {_env_name(name, field) for name, field in Settings.model_fields.items()}


def compose_variables() -> set[str]:
    """Every variable the compose files interpolate."""
    names: set[str] = set()
    for path in COMPOSE_FILES:
        text = re.sub(r"\$\$", "", path.read_text())
        names |= set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    return names


def _documented_in_env_example() -> set[str]:
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))


def test_only_the_settings_module_reads_the_environment() -> None:
    """What the variable checks below rely on: Settings is the one list of what the services read."""
    readers = [
        str(path.relative_to(ROOT))
        for package in ("shared", "services")
        for path in (ROOT / package).rglob("*.py")
        if re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text()) and path.name != "settings.py"
    ]
    assert not readers, f"read the environment through shared/platform/settings.py instead: {readers}"


def test_every_variable_is_in_env_example() -> None:
    wanted = code_variables() | POSTGRES | compose_variables()
    missing = wanted - _documented_in_env_example()
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_names_nothing_stale() -> None:
    known = code_variables() | POSTGRES | compose_variables() | COMPOSE_ONLY
    stale = _documented_in_env_example() - known
    assert not stale, f".env.example names variables nothing reads: {sorted(stale)}"


@pytest.mark.parametrize("doc", GUIDES, ids=lambda p: p.name)
def test_every_variable_is_in_the_guides(doc: Path) -> None:
    text = doc.read_text()
    wanted = code_variables() | POSTGRES | compose_variables() | COMPOSE_ONLY
    missing = {name for name in wanted if f"`{name}`" not in text}
    assert not missing, f"{doc.name} does not document {sorted(missing)}"


def _normalise(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.mark.parametrize("doc", GUIDES, ids=lambda p: p.name)
def test_documented_defaults_are_the_real_ones(doc: Path) -> None:
    defaults = {_env_name(n, f): f.default for n, f in Settings.model_fields.items() if f.default_factory is None}
    checked = 0
    for line in doc.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3:
            continue
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0])
        if not re.fullmatch(r"`[^`]*`( / `[^`]*`)*", cells[1]):
            continue  # a described default ("built from POSTGRES_*"), not a literal value
        values = re.findall(r"`([^`]*)`", cells[1])
        if not names or len(names) != len(values):
            continue
        for name, value in zip(names, values, strict=True):
            if name in defaults and defaults[name] is not None:
                assert value == _normalise(defaults[name]), f"{doc.name}: {name} defaults to {defaults[name]!r}"
                checked += 1
    assert checked >= 10, "the settings table is there and was read"


@pytest.mark.parametrize("doc", GUIDES, ids=lambda p: p.name)
def test_the_original_guides_facts_still_hold(doc: Path) -> None:
    text = doc.read_text()
    missing = [fact for fact in SEED_FACTS if fact not in text]
    assert not missing, f"{doc.name} lost {missing}"


def _code(text: str) -> list[str]:
    """Shell lines from fenced blocks and inline code spans, continuation lines joined."""
    blocks = re.findall(r"^\s*```[a-z]*\n(.*?)^\s*```", text, re.MULTILINE | re.DOTALL)
    lines: list[str] = []
    for block in blocks:
        lines += re.sub(r"\\\n\s*", " ", block).splitlines()
    prose = re.sub(r"^\s*```[a-z]*\n.*?^\s*```", "", text, flags=re.MULTILINE | re.DOTALL)
    lines += re.findall(r"`([^`\n]+)`", prose)
    return [line.strip() for line in lines if line.strip()]


def _commands(line: str) -> list[list[str]]:
    """Simple commands in a shell line (split on pipes and lists; comments and redirections dropped)."""
    line = re.sub(r"(^|\s)#.*$", "", line)
    out = []
    for part in re.split(r"\|\||&&|[|;]", line):
        try:
            words = shlex.split(part)
        except ValueError:
            continue
        words = [w for w in words if not re.match(r"^\d?>", w)]
        while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):  # VAR=value prefixes
            words = words[1:]
        if words and words[0] == "sudo":
            words = words[1:]
        if words:
            out.append(words)
    return out


COMPOSE_VALUE_OPTIONS = {"-f", "--file", "-p", "--project-name", "--profile", "--env-file"}
SUB_VALUE_OPTIONS = {"--scale", "--since", "--until", "--tail", "-n", "-e", "--env", "-u", "--user", "-w"}
SUB_VALUE_OPTIONS |= {"--workdir", "--timeout", "-t", "--index", "--format"}
SERVICE_SUBCOMMANDS = {"up", "start", "stop", "restart", "logs", "ps", "build", "pull", "rm", "kill", "create"}


def _check_compose(words: list[str]) -> list[str]:
    """Problems with one `docker compose ...` command."""
    errors = []
    args = words[2:]
    files, enabled = [], set()
    while args and args[0].startswith("-"):
        option = args.pop(0)
        value = args.pop(0) if option in COMPOSE_VALUE_OPTIONS and args else ""
        if option in ("-f", "--file"):
            path = ROOT / Path(value).name if value.startswith("/") else ROOT / value
            if not path.exists():
                return [*errors, f"no compose file {value}"]
            files.append(path)
        if option == "--profile":
            enabled.add(value)
    if not args:
        return errors
    doc = composefile.load(files[0] if files else ROOT / "docker-compose.yml")
    services = set(doc["services"])
    errors += [f"no profile {p}" for p in enabled - composefile.profiles(doc)]
    sub, rest = args[0], args[1:]
    named: list[str] = []
    if sub in ("exec", "run"):
        while rest and rest[0].startswith("-"):
            option = rest.pop(0)
            if option in SUB_VALUE_OPTIONS and rest:
                rest.pop(0)
        if rest:
            named.append(rest[0])
            inner = rest[1:]
            if inner[:2] == ["python", "-m"] and len(inner) > 2 and importlib.util.find_spec(inner[2]) is None:
                errors.append(f"no module {inner[2]}")
    elif sub in SERVICE_SUBCOMMANDS:
        i = 0
        while i < len(rest):
            word = rest[i]
            if word == "--scale" and i + 1 < len(rest):
                named.append(rest[i + 1].split("=")[0])
                i += 2
                continue
            if word in SUB_VALUE_OPTIONS:
                i += 2
                continue
            if not word.startswith("-"):
                named.append(word)
            i += 1
    errors += [f"no service {s}" for s in named if s not in services and not s.startswith("<")]
    return errors


def _check_command(words: list[str]) -> list[str]:
    errors = []
    for word in words:
        script = re.fullmatch(r"(?:\./|/opt/local/)?(scripts/[\w.-]+\.sh)", word)
        if script:
            path = ROOT / script[1]
            if not path.is_file():
                errors.append(f"no script {script[1]}")
            elif not path.stat().st_mode & 0o111:
                errors.append(f"{script[1]} is not executable")
    if words[:2] == ["docker", "compose"]:
        errors += _check_compose(words)
    if words[0] in ("python", "python3") and words[1:2] == ["-m"] and importlib.util.find_spec(words[2]) is None:
        errors.append(f"no module {words[2]}")
    if words[0] == "make" and len(words) > 1:
        makefile = (ROOT / "Makefile").read_text()
        errors += [f"no make target {t}" for t in words[1:] if not re.search(rf"^{re.escape(t)}:", makefile, re.M)]
    if "flask" in words:
        errors.append("flask is the old product")
    return errors


@pytest.mark.parametrize("doc", ALL_DOCS, ids=lambda p: p.name)
def test_every_command_in_the_docs_is_right_for_this_project(doc: Path) -> None:
    problems = []
    checked = 0
    for line in _code(doc.read_text()):
        for words in _commands(line):
            checked += 1
            problems += [f"{' '.join(words)!r}: {e}" for e in _check_command(words)]
    assert checked, "the doc has commands"
    assert not problems, "\n".join(problems)


def test_the_command_checker_catches_mistakes() -> None:
    wrong = [
        "./scripts/deploy.sh up",
        "docker compose logs app",
        "docker compose up -d --scale workers=3",
        "docker compose --profile tls up -d",
        "docker compose -f docker-compose.prod.yml up -d",
        "docker compose exec api python -m services.api.nonexistent",
        "docker compose exec app flask db upgrade",
        "make deploy",
    ]
    for line in wrong:
        assert any(_check_command(words) for words in _commands(line)), line
    right = "docker compose --profile proxy up -d --scale worker=3 && docker compose logs -f api | grep x"
    assert not [e for words in _commands(right) for e in _check_command(words)]


def _slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("doc", ALL_DOCS, ids=lambda p: p.name)
def test_links_between_docs_resolve(doc: Path) -> None:
    for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text()):
        if re.match(r"^[a-z]+://", target):
            continue
        path_part, _, anchor = target.partition("#")
        path = (doc.parent / path_part) if path_part else doc
        assert path.exists(), f"{doc.name} links to missing {target}"
        if anchor:
            headings = re.findall(r"^#+\s+(.+)$", path.read_text(), re.MULTILINE)
            assert anchor in {_slug(h) for h in headings}, f"{doc.name}: no heading for #{anchor} in {path.name}"


@pytest.mark.parametrize("doc", ALL_DOCS, ids=lambda p: p.name)
def test_repository_paths_named_in_the_docs_exist(doc: Path) -> None:
    text = doc.read_text()
    named = set(re.findall(r"`((?:tests|scripts|deploy|docs|shared|services|migrations|frontend)/[\w./-]*\w)`", text))
    named |= set(re.findall(r"`((?:\.env\.example|docker-compose[\w.]*\.yml|Dockerfile|Makefile))`", text))
    created_by_the_user = {"docker-compose.override.yml"}
    missing = sorted(p for p in named - created_by_the_user if not (ROOT / p).exists())
    assert not missing, f"{doc.name} names missing paths: {missing}"


def test_readme_links_the_deployment_guides() -> None:
    readme = (ROOT / "README.md").read_text()
    for doc in ("docs/DEPLOY.md", "docs/DEPLOY.ru.md", "docs/OPERATIONS.md", "docs/PORTS_AND_SERVICES.md"):
        assert f"]({doc})" in readme, doc


def test_ports_page_matches_the_compose_file() -> None:
    text = (DOCS / "PORTS_AND_SERVICES.md").read_text()
    rows = {port: rest for port, rest in re.findall(r"^\|[^|]+\|\s*([\d, ]+?)\s*\|(.*)$", text, re.MULTILINE)}
    assert {"8000", "8001", "8002", "3000", "5432", "80, 443"} <= set(rows)
    services = composefile.render(composefile.load(ROOT / "docker-compose.yml"), {}, {"proxy"})["services"]
    published = {p.split(":")[-1] for s in services.values() for p in s.get("ports", [])}
    assert published == {"8000", "80", "443"}
    assert "never published" in rows["5432"]
    for port in ("8001", "8002"):
        assert "internal network only" in rows[port], port
    assert "dev only" in rows["3000"] and "proxies `/api` to 8000" in rows["3000"]
