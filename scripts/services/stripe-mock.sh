#!/usr/bin/env bash
# Stripe's official stripe-mock, for checking that every Stripe request Kith
# makes is one the real Stripe API would accept.
#
#   scripts/services/stripe-mock.sh start|stop|status|url
#
# stripe-mock is stateless: it validates each request (method, path, every
# parameter's name and type) against Stripe's OpenAPI spec and answers with a
# canned object. It does not remember what was created, so the tests keep
# localstripe for state and send each request to both (see
# tests/stripe_mock.py).
#
# Idempotent: `start` on a running server and `stop` on a stopped one are
# no-ops. Listens for plain HTTP on 127.0.0.1 only; its HTTPS listener (on by
# default in stripe-mock, on every interface) is moved to a unix socket in the
# state directory. `url` prints the base URL for STRIPE_MOCK_URL.
#
# When the pinned version is not yet in $KITH_SERVICES_DIR/stripe-mock it is
# built with `go install github.com/stripe/stripe-mock@<version>` (Go 1.22 or
# newer on PATH; about a minute and a half the first time).
#
# Environment:
#   KITH_SERVICES_DIR          where service data lives (see README.md)
#   KITH_STRIPE_MOCK_VERSION   default v0.203.0
#   KITH_STRIPE_MOCK_PORT      HTTP port; unset: 12111 if free, else any free
#                              port; 0: any free port; a number: that port
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ "$(id -u)" = 0 ]; then
    DEFAULT_SERVICES_DIR=/var/lib/kith-services
else
    DEFAULT_SERVICES_DIR=$REPO/.services
fi
SERVICES_DIR=${KITH_SERVICES_DIR:-$DEFAULT_SERVICES_DIR}
VERSION=${KITH_STRIPE_MOCK_VERSION:-v0.203.0}
DEFAULT_PORT=12111
MODULE=github.com/stripe/stripe-mock
STATE=$SERVICES_DIR/stripe-mock
BIN_DIR=$STATE/$VERSION
BIN=$BIN_DIR/stripe-mock
PIDFILE=$STATE/stripe-mock.pid
PORTFILE=$STATE/port
LOG=$STATE/stripe-mock.log
START_TIMEOUT=60

say() { printf 'stripe-mock.sh: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pid_alive() {
    local pid
    [ -s "$PIDFILE" ] || return 1
    pid=$(cat "$PIDFILE")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

running_port() {
    # The port of the running server, from the address it announced in its log.
    [ -s "$PORTFILE" ] && cat "$PORTFILE"
}

url() {
    local port
    if pid_alive && port=$(running_port) && [ -n "$port" ]; then
        echo "http://127.0.0.1:$port"
    else
        echo "http://127.0.0.1:${KITH_STRIPE_MOCK_PORT:-$DEFAULT_PORT}"
    fi
}

find_go() {
    # The go on PATH, else the official tarball's usual place.
    if command -v go >/dev/null 2>&1; then command -v go; return 0; fi
    [ -x /usr/local/go/bin/go ] && { echo /usr/local/go/bin/go; return 0; }
    return 1
}

ensure_installed() {
    [ -x "$BIN" ] && return 0
    local go t0=$SECONDS
    go=$(find_go) \
        || die "go not found (PATH, /usr/local/go/bin); stripe-mock $VERSION is built with 'go install' and needs Go 1.22+ (https://go.dev/dl/; Debian 12's golang-go 1.19 is too old)."
    mkdir -p "$BIN_DIR"
    say "building $MODULE@$VERSION with $("$go" version | cut -d' ' -f3) (once per version)"
    GOBIN=$BIN_DIR GOFLAGS=-buildvcs=false "$go" install "$MODULE@$VERSION" \
        || die "go install $MODULE@$VERSION failed"
    [ -x "$BIN" ] || die "go install finished but $BIN is missing"
    say "installed $VERSION in $((SECONDS - t0)) s"
}

choose_port() {
    if [ -n "${KITH_STRIPE_MOCK_PORT:-}" ]; then
        if [ "$KITH_STRIPE_MOCK_PORT" != 0 ] && port_in_use "$KITH_STRIPE_MOCK_PORT"; then
            die "port $KITH_STRIPE_MOCK_PORT on 127.0.0.1 is in use by another program. Stop it or set KITH_STRIPE_MOCK_PORT (0 = any free port)."
        fi
        echo "$KITH_STRIPE_MOCK_PORT"
    elif port_in_use "$DEFAULT_PORT"; then
        say "port $DEFAULT_PORT is taken; letting the system choose a free port"
        echo 0
    else
        echo "$DEFAULT_PORT"
    fi
}

cmd_start() {
    local t0=$SECONDS port pid announced=""
    if pid_alive && [ -n "$(running_port)" ] && port_in_use "$(running_port)"; then
        say "already running at $(url) (pid $(cat "$PIDFILE"))"
        return 0
    fi
    if pid_alive; then
        say "pid $(cat "$PIDFILE") is alive but not answering; stopping it first"
        cmd_stop
    fi
    ensure_installed
    mkdir -p "$STATE"
    rm -f "$PIDFILE" "$PORTFILE" "$STATE/https.sock"
    port=$(choose_port)
    # setsid: the server outlives this shell and is not sent the caller's signals.
    setsid "$BIN" -http-addr "127.0.0.1:$port" -https-unix "$STATE/https.sock" \
        >"$LOG" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PIDFILE"
    while [ $((SECONDS - t0)) -lt "$START_TIMEOUT" ]; do
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOG" >&2 || true; die "stripe-mock exited; log: $LOG"; }
        announced=$(sed -n 's/^Listening for HTTP at address: 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$LOG" 2>/dev/null | head -1 || true)
        if [ -n "$announced" ] && port_in_use "$announced"; then
            echo "$announced" >"$PORTFILE"
            say "started $VERSION at http://127.0.0.1:$announced in $((SECONDS - t0)) s (pid $pid, log $LOG)"
            return 0
        fi
        sleep 0.2
    done
    kill -TERM "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
    tail -n 20 "$LOG" >&2 || true
    die "stripe-mock did not answer within $START_TIMEOUT s; log: $LOG"
}

cmd_stop() {
    if ! pid_alive; then
        rm -f "$PIDFILE" "$PORTFILE"
        say "not running"
        return 0
    fi
    local pid _
    pid=$(cat "$PIDFILE")
    kill -TERM "$pid"
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "still running after 5 s; sending KILL to $pid"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE" "$PORTFILE" "$STATE/https.sock"
    say "stopped"
}

cmd_status() {
    if pid_alive && [ -n "$(running_port)" ] && port_in_use "$(running_port)"; then
        echo "stripe-mock: running at $(url) (pid $(cat "$PIDFILE"), $VERSION, log $LOG)"
        return 0
    fi
    echo "stripe-mock: stopped"
    return 3
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) url ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
