#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and local development.
#
#   scripts/services/postgres.sh start|stop|status|url
#
# Idempotent: `start` on a running server and `stop` on a stopped one are no-ops.
# The server listens on 127.0.0.1:${KITH_PG_PORT:-5432} only, keeps its data in
# $KITH_SERVICES_DIR/postgres (see scripts/services/README.md for the default),
# and has a role `kith` (password `kith`, SUPERUSER so Django's test runner can
# create test_kith) owning a database `kith`.
#
# As root (CI) it installs Debian's `postgresql` package when the server
# binaries are missing and runs the server as the `postgres` OS user. As a
# normal user it never installs anything; it uses the binaries it can find.
#
# Durability is traded for speed (fsync off): never keep data you care about here.
#
# Environment:
#   KITH_SERVICES_DIR  where service data lives
#   KITH_PG_PORT       TCP port (default 5432)
#   KITH_PG_BIN        directory holding pg_ctl/initdb/postgres/psql (default: found)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1
if [ "$IS_ROOT" = 1 ]; then
    # Under /root the postgres user could not traverse the path.
    DEFAULT_SERVICES_DIR=/var/lib/kith-services
else
    DEFAULT_SERVICES_DIR=$REPO/.services
fi
SERVICES_DIR=${KITH_SERVICES_DIR:-$DEFAULT_SERVICES_DIR}
PORT=${KITH_PG_PORT:-5432}
PG_DIR=$SERVICES_DIR/postgres
DATA=$PG_DIR/data
SOCK=$PG_DIR/run
LOG=$PG_DIR/postgres.log
PG_USER=postgres   # OS user when root; also the bootstrap superuser's name
URL="postgres://kith:kith@127.0.0.1:$PORT/kith"

say() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

apt_updated=0
apt_install() {
    # Install Debian packages (root only), running apt-get update at most once
    # and not at all when the package lists are less than six hours old.
    export DEBIAN_FRONTEND=noninteractive
    if [ "$apt_updated" = 0 ]; then
        if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -360 2>/dev/null | head -1)" ]; then
            say "apt-get update"
            apt-get update -qq
        fi
        apt_updated=1
    fi
    say "apt-get install $*"
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

find_bin() {
    # Echo the directory with the server binaries, preferring (in order)
    # $KITH_PG_BIN, the version the data dir was made with, the newest Debian
    # version, then whatever is on PATH.
    local d want=""
    if [ -n "${KITH_PG_BIN:-}" ]; then
        [ -x "$KITH_PG_BIN/pg_ctl" ] || die "KITH_PG_BIN=$KITH_PG_BIN has no pg_ctl"
        echo "$KITH_PG_BIN"; return 0
    fi
    [ -r "$DATA/PG_VERSION" ] && want=$(cat "$DATA/PG_VERSION")
    if [ -n "$want" ] && [ -x "/usr/lib/postgresql/$want/bin/pg_ctl" ]; then
        echo "/usr/lib/postgresql/$want/bin"; return 0
    fi
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -n "$d" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then
        echo "$d"; return 0
    fi
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"; return 0
    fi
    return 1
}

ensure_installed() {
    if BIN=$(find_bin); then return 0; fi
    if [ "$IS_ROOT" = 1 ]; then
        local t0=$SECONDS
        # Install postgresql-common first and tell it not to create (and, where
        # systemd runs, start) its own "main" cluster on port 5432.
        if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
            apt_install postgresql-common
        fi
        sed -ri 's/^#?\s*create_main_cluster\s*=.*$/create_main_cluster = false/' \
            /etc/postgresql-common/createcluster.conf
        apt_install postgresql
        say "installed postgresql in $((SECONDS - t0)) s"
        BIN=$(find_bin) || die "postgresql installed but no server binaries found under /usr/lib/postgresql"
    else
        die "PostgreSQL server binaries (initdb, pg_ctl) not found. Install them
  (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql@16),
  or set KITH_PG_BIN to the directory holding pg_ctl, or run this script as root."
    fi
}

as_pg() {
    # Run a command as the server's OS user, from a directory it can read.
    if [ "$IS_ROOT" = 1 ]; then
        (cd / && runuser -u "$PG_USER" -- "$@")
    else
        "$@"
    fi
}

ensure_os_user() {
    [ "$IS_ROOT" = 1 ] || return 0
    if ! id -u "$PG_USER" >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash "$PG_USER"
    fi
}

is_running() {
    [ -f "$DATA/PG_VERSION" ] || return 1
    BIN=${BIN:-$(find_bin)} || return 1
    as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

free_port_from_debian_cluster() {
    # As root, a Debian-managed cluster (pg_lsclusters) running on our port is
    # stopped so that ours can start; anything else on the port is an error.
    [ "$IS_ROOT" = 1 ] && command -v pg_lsclusters >/dev/null 2>&1 || return 0
    local ver name port status
    while read -r ver name port status _; do
        if [ "$port" = "$PORT" ] && [ "$status" = online ]; then
            say "stopping Debian cluster $ver/$name, which holds port $PORT"
            pg_ctlcluster "$ver" "$name" stop || true
        fi
    done < <(pg_lsclusters -h 2>/dev/null || true)
}

init_cluster() {
    [ -f "$DATA/PG_VERSION" ] && return 0
    say "initialising a new cluster in $DATA"
    local tmp=$DATA.init
    rm -rf "$tmp"
    as_pg "$BIN/initdb" -D "$tmp" --username="$PG_USER" --encoding=UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    echo "include_if_exists = 'kith.conf'" >>"$tmp/postgresql.conf"
    [ "$IS_ROOT" = 1 ] && chown "$PG_USER:" "$tmp/postgresql.conf"
    mv "$tmp" "$DATA"
}

write_conf() {
    # Rewritten at every start so KITH_PG_PORT can change between runs.
    cat >"$DATA/kith.conf" <<EOF
# Written by scripts/services/postgres.sh at every start; edits are lost.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
# A throwaway server for tests: speed over durability.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    [ "$IS_ROOT" = 1 ] && chown "$PG_USER:" "$DATA/kith.conf"
    return 0
}

psql_admin() {
    as_pg "$BIN/psql" -X -q -h "$SOCK" -p "$PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1
}

provision() {
    psql_admin <<'SQL' >/dev/null
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kith') THEN
        CREATE ROLE kith LOGIN SUPERUSER PASSWORD 'kith';
    ELSE
        ALTER ROLE kith LOGIN SUPERUSER PASSWORD 'kith';
    END IF;
END
$$;
SELECT 'CREATE DATABASE kith OWNER kith ENCODING ''UTF8'' TEMPLATE template0'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'kith') \gexec
SQL
}

cmd_start() {
    local t0=$SECONDS
    ensure_installed
    ensure_os_user
    mkdir -p "$SERVICES_DIR"
    [ "$IS_ROOT" = 1 ] && chmod 755 "$SERVICES_DIR"
    mkdir -p "$PG_DIR" "$SOCK"
    if [ "$IS_ROOT" = 1 ]; then
        chown "$PG_USER:" "$PG_DIR" "$SOCK"
        as_pg test -w "$PG_DIR" \
            || die "the $PG_USER user cannot write to $PG_DIR (is a parent directory private?). Set KITH_SERVICES_DIR elsewhere."
    fi
    chmod 700 "$PG_DIR"
    init_cluster
    if is_running; then
        say "already running ($("$BIN/postgres" --version)) on 127.0.0.1:$PORT"
    else
        if port_in_use; then free_port_from_debian_cluster; sleep 1; fi
        port_in_use && die "port $PORT on 127.0.0.1 is already in use by another program. Stop it or set KITH_PG_PORT."
        write_conf
        as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null \
            || { tail -n 30 "$LOG" >&2 || true; die "the server did not start; log: $LOG"; }
        say "started $("$BIN/postgres" --version) on 127.0.0.1:$PORT in $((SECONDS - t0)) s (log: $LOG)"
    fi
    provision
    say "ready: $URL"
}

cmd_stop() {
    if [ ! -f "$DATA/PG_VERSION" ]; then say "not initialised; nothing to stop"; return 0; fi
    BIN=$(find_bin) || die "server binaries not found"
    if is_running; then
        as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
        say "stopped"
    else
        say "not running"
    fi
}

cmd_status() {
    if is_running; then
        echo "postgres: running on 127.0.0.1:$PORT (data $DATA) - $URL"
        return 0
    fi
    echo "postgres: stopped (data $DATA)"
    return 3
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) echo "$URL" ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
