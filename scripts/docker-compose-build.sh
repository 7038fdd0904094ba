#!/usr/bin/env bash
# docker compose with the classic builder (DOCKER_BUILDKIT=0): the recommended way to build here,
# because BuildKit fails on some Docker Desktop set-ups with a gRPC "non-printable ASCII" error.
# Usage: ./scripts/docker-compose-build.sh up -d --build   (any docker compose arguments)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOCKER_BUILDKIT=0
export COMPOSE_DOCKER_CLI_BUILD=0
exec docker compose "$@"
