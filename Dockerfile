# One image for every service: api, worker, scheduler and the one-shot migrate all run it with a
# different command (see docker-compose.yml). Builds with the classic builder (DOCKER_BUILDKIT=0) too,
# so it uses no BuildKit-only syntax (no cache mounts, no heredocs).

# --- the web UI, built once; only its static output reaches the final image -----------------------
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
# Dependencies first, so a change to the UI source does not reinstall node_modules.
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- the Python services ---------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LOG_FORMAT=json \
    FRONTEND_DIST=/app/frontend/dist

WORKDIR /app

# A fixed uid/gid so files written to bind mounts (backups, exports) have a predictable owner.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# The worker image is built with CHROMIUM=true (docker-compose.yml): Debian's Chromium and the
# "render" extra (Playwright) for crawls with render: "chromium". The api, scheduler and migrate
# image goes without both (about 450 MB). Chromium is not pinned on purpose: every build takes
# Debian's current security release of it.
ARG CHROMIUM=false
# hadolint ignore=DL3008
RUN if [ "$CHROMIUM" = "true" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends chromium fonts-liberation fonts-noto-core \
        && rm -rf /var/lib/apt/lists/*; \
    fi

# Runtime dependencies come from pyproject.toml's [project] dependencies (the single source of
# truth), plus the "render" extra in the worker image; installing only them keeps this layer cached
# until the dependency list changes. The code itself runs from /app (python -m services.api), so
# the package is not installed twice.
COPY pyproject.toml ./
RUN python -c "import os, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; deps = p['dependencies'] + (p['optional-dependencies']['render'] if os.environ.get('CHROMIUM') == 'true' else []); open('/tmp/requirements.txt', 'w').write(chr(10).join(deps))" \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY shared/ shared/
COPY services/ services/
COPY cli/ cli/
COPY migrations/ migrations/
COPY --from=frontend /src/frontend/dist/ frontend/dist/

# Numeric, so the host and Kubernetes-style runtimes can tell it is not root without /etc/passwd.
USER 10001:10001

# api, worker and scheduler (health and metrics); compose publishes only 8000.
EXPOSE 8000 8001 8002

# The api by default; compose sets the command of every other service.
CMD ["python", "-m", "services.api"]
