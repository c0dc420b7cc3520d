#!/usr/bin/env bash
# Run kiemdiem locally: migrate, compile translations, seed demo data, then run the
# web server, a Celery worker and Celery beat together until Ctrl-C.
# Assumes scripts/provision.sh has been run (make run does that first).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
PORT="${PORT:-8000}"
PY=.venv/bin/python
CELERY=.venv/bin/celery

say() { printf '==> %s\n' "$*"; }

if [ ! -x "$PY" ] || [ ! -x "$CELERY" ]; then
    echo "==> ERROR: .venv is missing or incomplete; run 'make provision' first" >&2
    exit 1
fi

say "Applying migrations"
"$PY" manage.py migrate --noinput
say "Compiling translations"
"$PY" manage.py compilemessages --ignore=.venv -v0
say "Seeding demo data"
"$PY" manage.py seed_demo
"$PY" manage.py seed_demo_period

# Job control: each background process gets its own process group (pgid = its pid),
# so a Ctrl-C on the terminal reaches only this script, and cleanup can stop each
# process together with its children (Celery's pool processes).
set -m

pids=()
names=()

cleanup() {
    local status=$1
    trap - INT TERM EXIT
    if [ "${#pids[@]}" -gt 0 ]; then
        say "Stopping ${names[*]}"
        local pid
        # A process that already exited may have left children in its group: signal
        # every group this script created (a pgid cannot be reused while it exists).
        for pid in "${pids[@]}"; do
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        done
        for pid in "${pids[@]}"; do
            wait "$pid" 2>/dev/null || true
        done
    fi
    exit "$status"
}
trap 'cleanup 130' INT
trap 'cleanup 143' TERM
trap 'cleanup $?' EXIT

start() {
    local name=$1
    shift
    "$@" </dev/null &
    pids+=("$!")
    names+=("$name")
}

start web "$PY" manage.py runserver "127.0.0.1:$PORT" --noreload
start worker "$CELERY" -A config worker -l info --concurrency 2 -Q celery,documents,reminders
start beat "$CELERY" -A config beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler

echo
echo "Mở http://127.0.0.1:$PORT — Ctrl-C để dừng"
echo "Open http://127.0.0.1:$PORT — press Ctrl-C to stop"
echo

# Wait until any one of the three exits; then stop the others and fail.
died=""
rc=0
wait -n -p died "${pids[@]}" || rc=$?
name="?"
for i in "${!pids[@]}"; do
    if [ "${pids[$i]}" = "$died" ]; then
        name=${names[$i]}
    fi
done
echo "==> ERROR: $name (pid ${died:-?}) exited with status $rc; stopping the others" >&2
cleanup 1
