"""The deployment files, checked by the tools an operator's Docker and nginx would apply.

No Docker engine here, so: the compose files against the compose specification's JSON schema (in
every profile), hadolint on every Dockerfile, and Debian's nginx running ``nginx -t`` on the proxy
config exactly as the official image renders it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests import composefile
from tests.composefile import COMPOSE_FILES, ROOT

BIN = Path(sys.executable).parent
TEMPLATE = ROOT / "deploy" / "nginx" / "templates" / "default.conf.template"
# Variables a compose file requires (${VAR:?...}), given so the file renders at all.
REQUIRED = {"DATABASE_URL": "postgresql://seo:secret@db.internal:5432/seo"}


def _renderings(tmp_path: Path) -> list[Path]:
    """Each compose file as compose would see it with no profile and with each profile enabled."""
    out = []
    for path in COMPOSE_FILES:
        doc = composefile.load(path)
        for enabled in [set(), *({p} for p in sorted(composefile.profiles(doc)))]:
            rendered = composefile.render(doc, REQUIRED, enabled)
            services = rendered["services"]
            for name, service in services.items():
                missing = set(service.get("depends_on", {})) - set(services)
                assert not missing, f"{path.name} {name} depends on {missing}, inactive with profiles {enabled}"
            target = tmp_path / f"{path.stem}.{'-'.join(sorted(enabled)) or 'default'}.json"
            target.write_text(json.dumps(rendered))
            out.append(target)
    return out


def _check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_files_match_the_compose_specification_in_every_profile(tmp_path: Path) -> None:
    rendered = _renderings(tmp_path)
    assert any("proxy" in p.name for p in rendered), "the proxy profile is rendered and checked"
    result = _check_jsonschema(*COMPOSE_FILES, *rendered)
    assert result.returncode == 0, result.stdout + result.stderr

    # The validator does reject what Compose would: a misspelt key in a service.
    bad = composefile.load(ROOT / "docker-compose.yml")
    bad["services"]["api"]["restart_policy"] = "always"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(composefile.render(bad, {})))
    result = _check_jsonschema(broken)
    assert result.returncode != 0 and "restart_policy" in result.stdout + result.stderr


def _dockerfiles() -> list[Path]:
    skip = {".venv", "node_modules", ".git", ".data"}
    return [
        p
        for p in ROOT.rglob("*Dockerfile*")
        if p.is_file() and not skip & set(p.relative_to(ROOT).parts) and p.suffix != ".md"
    ]


def test_hadolint_passes_on_every_dockerfile() -> None:
    files = _dockerfiles()
    assert ROOT / "Dockerfile" in files
    result = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", *map(str, files)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_builds_the_ui_in_node_and_runs_python_as_non_root() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.MULTILINE | re.IGNORECASE)
    assert stages[0][0].startswith("node:20") and stages[-1][0] == "python:3.11-slim"
    assert re.search(r"^COPY --from=frontend \S*/dist/? frontend/dist/?$", text, re.MULTILINE)
    user = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    cmd = re.findall(r"^CMD\s+(.+)$", text, re.MULTILINE)
    assert json.loads(cmd[-1]) == ["python", "-m", "services.api"]
    # What the image needs at run time must not be excluded from the build context.
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for needed in ("shared", "services", "migrations", "frontend", "pyproject.toml"):
        assert needed not in ignored and f"{needed}/" not in ignored, needed
    assert ".env" in ignored, "secrets stay out of the image"


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    assert found, "nginx is missing: run scripts/install-system-deps.sh (make test does)"
    return found


def _render_template(env: dict[str, str]) -> str:
    """What the nginx image's entrypoint writes: envsubst of the variables set in the container."""
    text = TEMPLATE.read_text()
    for name, value in env.items():
        text = text.replace("${" + name + "}", value)
    return text


def test_nginx_accepts_the_proxy_config(tmp_path: Path) -> None:
    proxy = composefile.render(composefile.load(ROOT / "docker-compose.yml"), {}, {"proxy"})["services"]["proxy"]
    braced = set(re.findall(r"\$\{(\w+)\}", TEMPLATE.read_text()))
    assert braced <= set(proxy["environment"]), "every ${VAR} in the template is set in the proxy container"

    domain = "seo.example.test"
    live = tmp_path / "letsencrypt" / "live" / domain
    live.mkdir(parents=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={domain}"]
        + ["-keyout", str(live / "privkey.pem"), "-out", str(live / "fullchain.pem")],
        capture_output=True,
        check=True,
        timeout=60,
    )
    site = _render_template({"SERVER_NAME": domain}).replace("/etc/letsencrypt/", f"{tmp_path}/letsencrypt/")
    (tmp_path / "site.conf").write_text(site)
    # The official image's nginx.conf, reduced to what matters: the site is included inside http {}.
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        [_nginx(), "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr

    # A broken file is refused, so the check above means something.
    (tmp_path / "site.conf").write_text(site.replace("proxy_buffering off;", "proxy_buffering sometimes;"))
    result = subprocess.run(
        [_nginx(), "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0


def test_proxy_streams_server_sent_events_and_compresses_the_rest() -> None:
    conf = _render_template({"SERVER_NAME": "seo.example.test"})
    match = re.search(r"location\s+~\s+(?P<regex>\S+)\s*\{(?P<body>[^}]*)\}", conf)
    assert match, "a regex location for the event streams"
    for path in ("/api/crawls/6a1f0f3c-3c1e-4a53-9f57-3f8f7a0b9f11/events", "/api/crawls/events"):
        assert re.search(match["regex"], path), path
    assert not re.search(match["regex"], "/api/crawls/6a1f/pages")
    for directive in ("proxy_buffering off;", "gzip off;", "proxy_read_timeout 1h;"):
        assert directive in match["body"]
    assert "gzip on;" in conf and "application/json" in conf
    assert "ssl_certificate     /etc/letsencrypt/live/seo.example.test/fullchain.pem;" in conf
    assert "X-Forwarded-Proto $scheme" in conf


def test_env_and_compose_files_leave_nothing_secret_in_git() -> None:
    tracked = subprocess.run(["git", "ls-files", ".env"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert tracked.stdout.strip() == "", ".env holds the database password; it must not be committed"
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_the_node_stage_can_install_from_the_lock_file() -> None:
    """`npm ci` in the image refuses a package-lock.json that disagrees with package.json."""
    text = (ROOT / "Dockerfile").read_text()
    assert "COPY frontend/package.json frontend/package-lock.json ./" in text and "npm ci" in text
    package = json.loads((ROOT / "frontend" / "package.json").read_text())
    lock = json.loads((ROOT / "frontend" / "package-lock.json").read_text())
    root = lock["packages"][""]
    for key in ("dependencies", "devDependencies"):
        assert root.get(key, {}) == package.get(key, {}), f"package-lock.json is stale ({key}): run npm install"
