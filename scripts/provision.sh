#!/usr/bin/env bash
# Provision a Debian 12 machine for kiemdiem: system packages, PostgreSQL, Redis,
# the application's database role, and the Python virtualenv.
# Idempotent: safe to run on a fresh machine and on one where everything is in place.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_DIR=$(pwd)

export DEBIAN_FRONTEND=noninteractive
LOG=/tmp/kiemdiem-provision.log
: >"$LOG"

DB_NAME=kiemdiem
DB_USER=kiemdiem
DB_PASSWORD=kiemdiem
PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_HOST=127.0.0.1
REDIS_PORT=6379

say() { printf '==> %s\n' "$*"; }
die() {
    printf '==> ERROR: %s\n' "$*" >&2
    exit 1
}

# Run a command with its output sent to $LOG; on failure show the log's tail and stop.
quiet() {
    printf '\n$ %s\n' "$*" >>"$LOG"
    if ! "$@" >>"$LOG" 2>&1 </dev/null; then
        printf '==> ERROR: command failed: %s\n' "$*" >&2
        printf '==> last lines of %s:\n' "$LOG" >&2
        tail -n 40 "$LOG" >&2
        exit 1
    fi
}

# Privileged commands: directly as root, else through sudo when available.
if [ "$(id -u)" -eq 0 ]; then
    as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
    as_root() { sudo -n "$@"; }
else
    as_root() { die "this step needs root (no sudo): $*"; }
fi

# ---------------------------------------------------------------- Debian packages
is_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

PACKAGES=(
    postgresql redis-server chromium poppler-utils gettext
    fonts-liberation2 fonts-noto-core fonts-dejavu-core
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
    make git
    # Load generator of manage.py bench_web.
    wrk
)
if ! command -v python3 >/dev/null 2>&1; then
    PACKAGES+=(python3)
fi
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    PACKAGES+=(python3-venv)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
    say "Installing Debian packages: ${missing[*]} (log: $LOG)"
    quiet as_root apt-get update -q
    # --no-install-recommends: chromium recommends fonts-liberation (v1), which lacks
    # Vietnamese glyphs; it must not be installed.
    quiet as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    say "Debian packages already installed"
fi

if is_installed fonts-liberation; then
    case "$(fc-match -f '%{file}' 'Liberation Serif' 2>/dev/null || true)" in
        */liberation2/*) ;;
        *) say "WARNING: fonts-liberation (v1) is installed and 'Liberation Serif' does not resolve to fonts-liberation2; PDFs may miss Vietnamese glyphs" ;;
    esac
fi

# ---------------------------------------------------------------- PostgreSQL
pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" >/dev/null 2>&1; }

if pg_ready; then
    say "PostgreSQL already answering on $PG_HOST:$PG_PORT"
else
    PG_VERSION=""
    if [ -d /usr/lib/postgresql ]; then
        PG_VERSION=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V | tail -n 1)
    fi
    [ -n "$PG_VERSION" ] || die "PostgreSQL: no server found under /usr/lib/postgresql"
    say "Starting PostgreSQL $PG_VERSION"
    if ! pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
        say "Creating PostgreSQL cluster $PG_VERSION/main (UTF8, C.UTF-8)"
        quiet as_root pg_createcluster --locale C.UTF-8 --encoding UTF8 "$PG_VERSION" main
    fi
    rc=0
    as_root pg_ctlcluster "$PG_VERSION" main start >>"$LOG" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then # 2 = already running
        # Without a working systemd, pg_ctlcluster's redirect to systemctl fails.
        rc=0
        as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start >>"$LOG" 2>&1 || rc=$?
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
            tail -n 20 "$LOG" >&2
            die "PostgreSQL: could not start cluster $PG_VERSION/main (pg_ctlcluster exit $rc)"
        fi
    fi
    for _ in $(seq 60); do # at most ~30 s
        pg_ready && break
        sleep 0.5
    done
    pg_ready || die "PostgreSQL did not answer on $PG_HOST:$PG_PORT within 30 s (see /var/log/postgresql/)"
fi

# Role and database, created over the local socket as the postgres OS user.
say "Ensuring PostgreSQL role and database '$DB_NAME'"
psql_admin() {
    (cd / && as_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@")
}
psql_admin >>"$LOG" 2>&1 <<SQL || { tail -n 20 "$LOG" >&2; die "PostgreSQL: could not create role/database $DB_NAME"; }
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '$DB_USER') THEN
        CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
    ELSE
        ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
    END IF;
END
\$\$;
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER ENCODING ''UTF8'' TEMPLATE template0 LC_COLLATE ''C.UTF-8'' LC_CTYPE ''C.UTF-8'''
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = '$DB_NAME')
\gexec
ALTER DATABASE $DB_NAME OWNER TO $DB_USER;
SQL

db_encoding=$(psql_admin -tA -c "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = '$DB_NAME'" 2>>"$LOG" || true)
if [ "$db_encoding" != "UTF8" ]; then
    say "WARNING: database $DB_NAME has encoding '$db_encoding', expected UTF8"
fi

# ---------------------------------------------------------------- PostgreSQL read replica
# A streaming replica of the primary on $REPLICA_PORT (docs/scaling.md): summaries and exports
# may read from it through config/db_router.py, and the tests check that path against it.
# Built once with pg_basebackup; later runs only check that it is up and streaming, and
# rebuild it when it is not (a replica is a copy: nothing is lost by rebuilding it).
REPLICA_PORT=5433
REPLICA_CLUSTER=replica
REPL_USER=kiemdiem_replication
REPL_PASSWORD=kiemdiem_replication

replica_sql() { # as the application's role, over TCP, as the tests connect
    PGPASSWORD=$DB_PASSWORD psql -X -q -h "$PG_HOST" -p "$REPLICA_PORT" -U "$DB_USER" -d "$DB_NAME" -tA -c "$1" </dev/null 2>>"$LOG"
}
replica_streaming() { # the WAL receiver's status is shown to superusers only
    [ "$(replica_sql 'SELECT pg_is_in_recovery()' || true)" = "t" ] &&
        [ "$( (cd / && as_root runuser -u postgres -- psql -X -p "$REPLICA_PORT" -d postgres -tA -c 'SELECT status FROM pg_stat_wal_receiver') 2>>"$LOG" || true)" = "streaming" ]
}
wait_for_replica() {
    for _ in $(seq 120); do # at most ~60 s
        replica_streaming && return 0
        sleep 0.5
    done
    return 1
}
start_replica() {
    local rc=0
    as_root pg_ctlcluster "$PG_VERSION" "$REPLICA_CLUSTER" start >>"$LOG" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then # 2 = already running
        rc=0
        as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$REPLICA_CLUSTER" start >>"$LOG" 2>&1 || rc=$?
        [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]
    fi
}
build_replica() {
    local data=/var/lib/postgresql/$PG_VERSION/$REPLICA_CLUSTER
    if pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$REPLICA_CLUSTER" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
        quiet as_root pg_dropcluster --stop "$PG_VERSION" "$REPLICA_CLUSTER"
    fi
    # pg_createcluster writes Debian's configuration (/etc/postgresql/…); the data directory
    # it initialises is then replaced by a copy of the primary's.
    quiet as_root pg_createcluster --port "$REPLICA_PORT" --locale C.UTF-8 --encoding UTF8 "$PG_VERSION" "$REPLICA_CLUSTER"
    printf '%s\n' "# kiemdiem: a long export on the replica is not cancelled by replay" \
        "hot_standby = on" "hot_standby_feedback = on" "listen_addresses = '127.0.0.1'" |
        as_root tee "/etc/postgresql/$PG_VERSION/$REPLICA_CLUSTER/conf.d/kiemdiem.conf" >/dev/null
    quiet as_root find "$data" -mindepth 1 -delete
    # -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby.
    quiet as_root runuser -u postgres -- env PGPASSWORD="$REPL_PASSWORD" pg_basebackup \
        -h "$PG_HOST" -p "$PG_PORT" -U "$REPL_USER" -D "$data" -R -X stream -c fast
}

PG_VERSION=$(psql_admin -tA -c "SELECT current_setting('server_version_num')::int / 10000" 2>>"$LOG") ||
    die "PostgreSQL: cannot read the server version"
say "Ensuring the read replica (PostgreSQL $PG_VERSION, $PG_HOST:$REPLICA_PORT)"
psql_admin >>"$LOG" 2>&1 <<SQL || { tail -n 20 "$LOG" >&2; die "PostgreSQL: could not create the replication role"; }
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '$REPL_USER') THEN
        CREATE ROLE $REPL_USER LOGIN REPLICATION PASSWORD '$REPL_PASSWORD';
    ELSE
        ALTER ROLE $REPL_USER LOGIN REPLICATION PASSWORD '$REPL_PASSWORD';
    END IF;
END
\$\$;
SQL
# Replication connections match only pg_hba lines for the "replication" database.
hba_file=$(psql_admin -tA -c 'SHOW hba_file' 2>>"$LOG") || die "PostgreSQL: cannot find pg_hba.conf"
if ! as_root grep -Eq "^host[[:space:]]+replication[[:space:]]+$REPL_USER[[:space:]]+$PG_HOST/32" "$hba_file"; then
    printf 'host replication %s %s/32 scram-sha-256\n' "$REPL_USER" "$PG_HOST" | as_root tee -a "$hba_file" >/dev/null
    [ "$(psql_admin -tA -c 'SELECT pg_reload_conf()' 2>>"$LOG")" = "t" ] ||
        die "PostgreSQL: could not reload the configuration after allowing replication"
fi
if replica_streaming; then
    say "Read replica already streaming on $PG_HOST:$REPLICA_PORT"
else
    if pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$REPLICA_CLUSTER" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
        start_replica || true
    fi
    if ! wait_for_replica; then
        say "Building the read replica with pg_basebackup (a copy of the primary; log: $LOG)"
        build_replica
        start_replica || { tail -n 20 "$LOG" >&2; die "PostgreSQL: could not start the read replica (see /var/log/postgresql/postgresql-$PG_VERSION-$REPLICA_CLUSTER.log)"; }
        wait_for_replica || die "PostgreSQL: the read replica on $PG_HOST:$REPLICA_PORT is not streaming from the primary within 60 s (see /var/log/postgresql/postgresql-$PG_VERSION-$REPLICA_CLUSTER.log)"
    fi
fi

# ---------------------------------------------------------------- Redis
redis_ready() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null || true)" = "PONG" ]; }

if redis_ready; then
    say "Redis already answering on $REDIS_HOST:$REDIS_PORT"
else
    say "Starting Redis"
    (cd / && quiet as_root redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save '' --appendonly no)
    for _ in $(seq 20); do # at most ~10 s
        redis_ready && break
        sleep 0.5
    done
fi

# ---------------------------------------------------------------- Python virtualenv
cd "$REPO_DIR"
new_venv=0
if [ -d .venv ] && ! .venv/bin/python -c 'import sys' >/dev/null 2>&1; then
    say "Removing broken virtualenv .venv"
    rm -rf .venv
fi
if [ ! -d .venv ]; then
    say "Creating virtualenv .venv"
    quiet python3 -m venv .venv
    new_venv=1
fi

STAMP=.venv/.requirements.sha256
want_hash=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
have_hash=$(cat "$STAMP" 2>/dev/null || true)
if [ "$new_venv" -eq 1 ]; then
    say "Upgrading pip"
    quiet .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
fi
if [ "$want_hash" != "$have_hash" ]; then
    say "Installing Python requirements (log: $LOG)"
    quiet .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
    printf '%s\n' "$want_hash" >"$STAMP"
else
    say "Python requirements up to date"
fi

# ---------------------------------------------------------------- verification
say "Verifying"
failed=0
fail() {
    printf '==> FAILED: %s\n' "$*" >&2
    failed=1
}

pg_isready -q -h "$PG_HOST" -p "$PG_PORT" >/dev/null 2>&1 ||
    fail "PostgreSQL is not answering on $PG_HOST:$PG_PORT (pg_isready)"
PGPASSWORD=$DB_PASSWORD psql -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" -tA -c 'SELECT 1' </dev/null >/dev/null 2>&1 ||
    fail "PostgreSQL: cannot log in as $DB_USER to database $DB_NAME on $PG_HOST:$PG_PORT"
[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null || true)" = "PONG" ] ||
    fail "Redis is not answering on $REDIS_HOST:$REDIS_PORT (redis-cli ping)"
replica_streaming ||
    fail "PostgreSQL: the read replica on $PG_HOST:$REPLICA_PORT is not streaming from the primary"
[ -x /usr/bin/chromium ] || fail "Chromium: /usr/bin/chromium is missing"
command -v pdftotext >/dev/null 2>&1 || fail "poppler-utils: pdftotext is missing"
command -v pdffonts >/dev/null 2>&1 || fail "poppler-utils: pdffonts is missing"
command -v msgfmt >/dev/null 2>&1 || fail "gettext: msgfmt is missing"
[ -x .venv/bin/python ] || fail "Python virtualenv: .venv/bin/python is missing"

if [ "$failed" -ne 0 ]; then
    die "provisioning incomplete (details above; log: $LOG)"
fi
say "Provisioning OK (DATABASE_URL=postgres://$DB_USER:$DB_PASSWORD@$PG_HOST:$PG_PORT/$DB_NAME, replica port $REPLICA_PORT, Redis $REDIS_HOST:$REDIS_PORT)"
