"""What the compose files promise an operator, read statically (no Docker engine here).

Each check is something a VPS user would notice: Postgres reachable from the internet, a worker
that cannot be scaled, a service that starts before the schema exists, logs filling the disk.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from shared.platform.settings import Settings
from tests import composefile
from tests.composefile import ROOT

APP_SERVICES = {"api": "services.api", "worker": "services.worker", "scheduler": "services.scheduler"}
PORTS = {"api": Settings().api_port, "worker": Settings().worker_port, "scheduler": Settings().scheduler_port}


@pytest.fixture(scope="module")
def main() -> dict[str, Any]:
    return composefile.render(composefile.load(ROOT / "docker-compose.yml"), {}, {"proxy"})


def _memory_bytes(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)b?", text.lower()).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]


def test_services_are_the_ones_the_docs_name(main: dict[str, Any]) -> None:
    assert set(main["services"]) == {"postgres", "migrate", "api", "worker", "scheduler", "proxy"}
    assert "pgdata" in main["volumes"]


def test_postgres_is_official_persistent_checked_and_never_published(main: dict[str, Any]) -> None:
    pg = main["services"]["postgres"]
    assert pg["image"].startswith("postgres:")
    assert "ports" not in pg, "Postgres must stay on the compose network"
    assert "pgdata:/var/lib/postgresql/data" in pg["volumes"]
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    assert pg["restart"] == "unless-stopped"
    # The defaults the original guide promised when there is no .env.
    assert pg["environment"] == {"POSTGRES_USER": "local", "POSTGRES_PASSWORD": "local", "POSTGRES_DB": "local"}
    settings = " ".join(pg["command"])
    assert "shared_buffers=128MB" in settings and "max_connections=" in settings


def test_migrate_runs_once_before_every_service(main: dict[str, Any]) -> None:
    migrate = main["services"]["migrate"]
    assert composefile.command(migrate) == ["python", "-m", "shared.platform.migrate"]
    assert migrate["restart"] == "no", "a one-shot must not be restarted after it exits 0"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in APP_SERVICES:
        assert main["services"][name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_each_service_runs_its_module_and_is_health_checked(main: dict[str, Any], name: str) -> None:
    service = main["services"][name]
    assert composefile.command(service) == ["python", "-m", APP_SERVICES[name]]
    assert service["restart"] == "unless-stopped"
    check = service["healthcheck"]
    assert f"http://127.0.0.1:{PORTS[name]}/health" in " ".join(check["test"])
    assert check["start_period"] and check["retries"] >= 1
    # Without a password in the URL, the PGPASSWORD variable carries it (any character allowed).
    env = service["environment"]
    assert env["DATABASE_URL"] == "postgresql://local@postgres:5432/local"
    assert env["PGPASSWORD"] == "local"


def test_only_the_api_and_the_proxy_publish_ports(main: dict[str, Any]) -> None:
    published = {name: s.get("ports", []) for name, s in main["services"].items() if s.get("ports")}
    assert published == {"api": ["8000:8000"], "proxy": ["80:80", "443:443"]}
    bound = composefile.render(composefile.load(ROOT / "docker-compose.yml"), {"API_PUBLISH": "127.0.0.1:8000"})
    assert bound["services"]["api"]["ports"] == ["127.0.0.1:8000:8000"]


def test_workers_scale(main: dict[str, Any]) -> None:
    """`--scale worker=3` fails on a container_name or a fixed host port, and would share a WORKER_ID."""
    worker = main["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker and "hostname" not in worker
    assert "WORKER_ID" not in worker["environment"]
    assert "WORKER_ID=" not in composefile.env_example(), ".env.example must not fix one id for every replica"


def test_every_container_rotates_logs_and_has_a_memory_limit(main: dict[str, Any]) -> None:
    total = 0
    for name, service in main["services"].items():
        assert service["logging"]["driver"] == "json-file", name
        assert service["logging"]["options"]["max-size"], name
        limit = _memory_bytes(service["deploy"]["resources"]["limits"]["memory"])
        assert 32 * 1024**2 <= limit <= 1024**3, name
        if name != "migrate":  # exits before the others matter
            total += limit
    # Limits are ceilings, not reservations, but one of each must fit a 2 GB VPS.
    assert total <= 2 * 1024**3


def test_proxy_profile_mounts_the_nginx_templates_and_letsencrypt(main: dict[str, Any]) -> None:
    proxy = main["services"]["proxy"]
    assert proxy["profiles"] == ["proxy"]
    assert proxy["image"].startswith("nginx:")
    sources = {v.split(":")[0]: v.split(":")[1] for v in proxy["volumes"]}
    assert sources["./deploy/nginx/templates"] == "/etc/nginx/templates"
    assert (ROOT / "deploy/nginx/templates").is_dir()
    assert sources["/etc/letsencrypt"] == "/etc/letsencrypt"
    assert proxy["depends_on"] == {"api": {"condition": "service_healthy"}}
    without = composefile.render(composefile.load(ROOT / "docker-compose.yml"), {})
    assert "proxy" not in without["services"], "nginx only with --profile proxy"


def test_env_file_values_reach_the_services_and_the_database() -> None:
    env = {"POSTGRES_USER": "seo", "POSTGRES_PASSWORD": "p@ss:/w#rd", "POSTGRES_DB": "audit"}
    doc = composefile.render(composefile.load(ROOT / "docker-compose.yml"), env)
    assert doc["services"]["postgres"]["environment"] == env
    api = doc["services"]["api"]
    assert api["environment"]["DATABASE_URL"] == "postgresql://seo@postgres:5432/audit"
    assert api["environment"]["PGPASSWORD"] == "p@ss:/w#rd"
    assert api["env_file"] == [{"path": ".env", "required": False}], "a missing .env must not stop the stack"


def test_remote_worker_file_requires_a_database_url() -> None:
    doc = composefile.load(ROOT / "docker-compose.worker.yml")
    with pytest.raises(composefile.MissingVariable, match="DATABASE_URL"):
        composefile.render(doc, {})
    worker = composefile.render(doc, {"DATABASE_URL": "postgresql://u:p@db.internal/seo"})["services"]["worker"]
    assert composefile.command(worker) == ["python", "-m", "services.worker"]
    assert "ports" not in worker and "container_name" not in worker


def test_interpolation_follows_compose_rules() -> None:
    env = {"SET": "x", "EMPTY": ""}
    assert (
        composefile.interpolate_string("${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $$HOME $SET", env)
        == "x d  d $HOME x"
    )
    with pytest.raises(composefile.MissingVariable):
        composefile.interpolate_string("${EMPTY:?needed}", env)


def test_make_run_supervises_the_same_entry_points_compose_runs(main: dict[str, Any]) -> None:
    from scripts import supervisor

    supervised = {p.name: p.argv for p in supervisor.programs_for({}, python="python")}
    assert supervised == {name: composefile.command(main["services"][name]) for name in APP_SERVICES}


def test_workers_are_built_with_chromium_and_the_rest_without(main: dict[str, Any]) -> None:
    """Any worker may claim a crawl with render: "chromium", so every worker image can render."""
    remote = composefile.render(
        composefile.load(ROOT / "docker-compose.worker.yml"), {"DATABASE_URL": "postgresql://x"}
    )
    for worker in (main["services"]["worker"], remote["services"]["worker"]):
        assert worker["build"]["args"] == {"CHROMIUM": "true"}
        assert worker["image"] == "seo-crawler-worker:latest"
        browser_mb = int(worker["environment"]["RENDER_MAX_MEMORY_MB"])
        # Chromium's bound leaves room for its driver (about 120 MB) and the crawler (about 250 MB).
        assert _memory_bytes(worker["deploy"]["resources"]["limits"]["memory"]) >= (browser_mb + 370) * 1024**2
    for name in ("api", "scheduler", "migrate"):
        assert "args" not in main["services"][name]["build"] and main["services"][name]["image"] == "seo-crawler:latest"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARG CHROMIUM=false" in dockerfile and "apt-get install -y --no-install-recommends chromium" in dockerfile
    assert "['optional-dependencies']['render'] if os.environ.get('CHROMIUM') == 'true'" in dockerfile
