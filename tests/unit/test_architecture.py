"""The rules of docs/ARCHITECTURE.md that import-linter cannot check: no import circles, one owner per
table, one writer of a crawl's stream.

The contracts in pyproject.toml keep the layers apart (``lint-imports``); these read the source.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "services", "cli")

# Each table and the one module whose SQL writes or locks it (docs/ARCHITECTURE.md, "Tables").
OWNERS = {
    "events": "shared/eventlog/eventstore.py",
    "crawls": "shared/eventlog/projections/crawls.py",
    "parsequeue": "shared/eventlog/projections/parsequeue.py",
    "pages": "shared/eventlog/projections/pages.py",
    "links": "shared/eventlog/projections/pages.py",
    "issues": "shared/eventlog/projections/issues.py",
    "schedules": "shared/eventlog/projections/schedules.py",
    "resources": "shared/eventlog/projections/resources.py",
    "site_files": "shared/eventlog/projections/sitefiles.py",
    "frontier": "services/worker/crawl/frontier.py",
    "page_sketches": "services/worker/crawl/sketches.py",
    "api_token": "services/api/auth.py",
    "api_sessions": "services/api/auth.py",
    "api_login_failures": "services/api/auth.py",
    "sites": "shared/eventlog/projections/sites.py",
    "crawl_summaries": "shared/eventlog/projections/sites.py",
    "channels": "shared/eventlog/projections/alerts.py",
    "alert_rules": "shared/eventlog/projections/alerts.py",
    "crawl_files": "shared/eventlog/projections/alerts.py",
    "alert_checks": "shared/eventlog/projections/alerts.py",
    "alerts": "shared/eventlog/projections/alerts.py",
    "deliveries": "shared/eventlog/projections/alerts.py",
    "crawl_purges": "shared/eventlog/projections/retention.py",
    "retention_checks": "shared/eventlog/projections/retention.py",
    "vault_key": "shared/vault.py",
    "vault_secrets": "shared/vault.py",
}
# Deliberate exceptions, each explained where it is written.
ALSO_WRITES = {
    # CrawlCompleted: the status, the dequeue and the inlink counts in one round trip.
    ("shared/eventlog/projections/crawls.py", "parsequeue"),
    ("shared/eventlog/projections/crawls.py", "pages"),
    # Rebuild locks the log against writers while it replays it.
    ("shared/eventlog/rebuild.py", "events"),
    # Retention deletes a crawl's page-level data, its page events included, in one statement: the one
    # function (drop_crawl_data) that partitioning per crawl turns into partition drops (issue 14).
    ("shared/eventlog/projections/retention.py", "pages"),
    ("shared/eventlog/projections/retention.py", "links"),
    ("shared/eventlog/projections/retention.py", "issues"),
    ("shared/eventlog/projections/retention.py", "frontier"),
    ("shared/eventlog/projections/retention.py", "page_sketches"),
    ("shared/eventlog/projections/retention.py", "events"),
}

_WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|LOCK\s+TABLE|TRUNCATE)\s+([a-z_]+)", re.IGNORECASE)
_LOCKED = re.compile(r"\bFROM\s+([a-z_]+)\b(?s:.*)\bFOR\s+UPDATE\b", re.IGNORECASE)


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _texts(path: Path) -> list[str]:
    """Every string literal of a module (f-strings by their literal parts)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            out.append(
                " ".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            )
    return out


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph(*PACKAGES)
    circles = sorted(
        (module, imported)
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    )
    assert not circles, f"import circles (module, imports a module that imports it back): {circles}"


def test_each_table_is_written_and_locked_by_its_owner_only() -> None:
    strays = []
    seen: set[str] = set()
    for path in _sources():
        module = str(path.relative_to(ROOT))
        for text in _texts(path):
            tables = {m.group(1).lower() for m in _WRITE.finditer(text)}
            tables |= {m.group(1).lower() for m in _LOCKED.finditer(text)}
            seen |= tables
            for table in tables & set(OWNERS):
                if OWNERS[table] != module and (module, table) not in ALSO_WRITES:
                    strays.append(f"{module} writes or locks {table} (owned by {OWNERS[table]})")
        # COPY: the crawl's bulk writes, into links (pages' projection) and page_sketches (a page batch)
        copied = set(re.findall(r'copy_records_to_table\(\s*"([a-z_]+)"', path.read_text()))
        seen |= copied
        for table in copied:
            if OWNERS.get(table) != module:
                strays.append(f"{module} copies rows into {table}")
    assert not strays, "\n".join(strays)
    assert seen >= set(OWNERS), f"no write found for {set(OWNERS) - seen}: the scan is broken"


def test_every_table_the_migrations_create_has_an_owner() -> None:
    """A new table joins OWNERS (and the table of owners in docs/ARCHITECTURE.md) in the change that makes it."""
    forward = [p.read_text() for p in (ROOT / "migrations").glob("*.sql") if not p.name.endswith(".rollback.sql")]

    def named(statement: str) -> set[str]:
        pattern = rf"\b{statement}\s+TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([a-z_]+)"
        return {name.lower() for text in forward for name in re.findall(pattern, text, re.IGNORECASE)}

    created = named("CREATE") - named("DROP")  # a helper table a migration drops again is no table
    assert created, "no CREATE TABLE found: the scan is broken"
    assert created == set(OWNERS), f"tables without an owner: {created - set(OWNERS)}; gone: {set(OWNERS) - created}"
    documented = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    missing = sorted(table for table in OWNERS if f"`{table}`" not in documented)
    assert not missing, f"docs/ARCHITECTURE.md's table of owners lacks {missing}"


def test_only_the_crawl_stream_writer_appends_to_a_crawl_stream() -> None:
    """Appends to ``crawl-<id>`` go through shared.eventlog.crawlstream (lock, metadata, append, retry)."""
    strays = []
    for path in _sources():
        module = str(path.relative_to(ROOT))
        if module == "shared/eventlog/crawlstream.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"):
                continue
            stream = node.args[1] if len(node.args) > 1 else None
            if isinstance(stream, ast.Call) and ast.unparse(stream.func).endswith("crawl_stream"):
                strays.append(f"{module}:{node.lineno}: {ast.unparse(node)[:100]}")
    assert not strays, "append through crawlstream.write / crawlstream.start:\n" + "\n".join(strays)
