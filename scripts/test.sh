#!/usr/bin/env bash
# Run the test suite (pytest configuration lives in pyproject.toml).
# Usage: scripts/test.sh [pytest args...]   (make test runs provisioning first)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DJANGO_SETTINGS_MODULE=config.settings.test

if [ ! -x .venv/bin/python ]; then
    echo "==> ERROR: .venv is missing; run 'make provision' first" >&2
    exit 1
fi

echo "==> Compiling translations"
.venv/bin/python manage.py compilemessages --ignore=.venv -v0

echo "==> Running pytest $*"
rc=0
.venv/bin/python -m pytest "$@" || rc=$?

if [ "$rc" -eq 5 ]; then
    echo "==> ERROR: pytest collected no tests (exit code 5); treating as a failure" >&2
    exit 1
fi
exit "$rc"
