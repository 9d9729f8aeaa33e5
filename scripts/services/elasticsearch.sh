#!/usr/bin/env bash
# A throwaway single-node Elasticsearch for tests and local development.
#
#   scripts/services/elasticsearch.sh start|stop|status|url
#   scripts/services/elasticsearch.sh cluster-start|cluster-stop [N]|cluster-status|cluster-url
#
# Idempotent: `start` on a running node and `stop` on a stopped one are no-ops.
# The cluster-* commands run a local cluster of three nodes instead (to try
# replicas and losing a node): `cluster-stop 2` stops node 2 only, and
# `cluster-start` starts whichever nodes are not running; `cluster-url` prints
# the nodes' URLs comma-separated, as ELASTICSEARCH_URL takes them.
# The node listens on 127.0.0.1:${KITH_ES_PORT:-9200} only, with security off
# and the disk watermarks off. The distribution is the
# "integ-test-zip" build that Elastic publishes on Maven Central (the only
# Elasticsearch build reachable from our CI): it has the server core (text,
# keyword, geo_point, nested, function_score, the `standard` analyzer) but not
# the optional modules (analysis-common, painless, mapper-extras, ...). See
# scripts/services/README.md for exactly what works.
#
# As root (CI) it installs missing Debian packages (a JDK, Maven, unzip, curl)
# and runs the node as the system user `kith-es` (Elasticsearch refuses root).
# As a normal user it installs nothing and runs the node as that user.
#
# Environment:
#   KITH_SERVICES_DIR     where service data lives (see README.md for the default)
#   KITH_ES_VERSION       default 8.19.7
#   KITH_ES_PORT          HTTP port, default 9200
#   KITH_ES_ZIP           use this zip instead of downloading one
#   KITH_ES_HEAP          JVM heap, default 512m
#   KITH_ES_START_TIMEOUT seconds to wait for a yellow cluster, default 120
#   ES_JAVA_HOME          JDK to run with (default: the `java` on PATH)
#   KITH_ES_CLUSTER_HTTP_PORTS       cluster HTTP ports, default "9301 9302 9303"
#   KITH_ES_CLUSTER_TRANSPORT_PORTS  cluster transport ports, default "9401 9402 9403"
#   KITH_ES_CLUSTER_HEAP             JVM heap of each cluster node, default 512m
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1
if [ "$IS_ROOT" = 1 ]; then
    # The kith-es user must be able to traverse the path; /root is private.
    DEFAULT_SERVICES_DIR=/var/lib/kith-services
else
    DEFAULT_SERVICES_DIR=$REPO/.services
fi
SERVICES_DIR=${KITH_SERVICES_DIR:-$DEFAULT_SERVICES_DIR}
VERSION=${KITH_ES_VERSION:-8.19.7}
PORT=${KITH_ES_PORT:-9200}
HEAP=${KITH_ES_HEAP:-512m}
TIMEOUT=${KITH_ES_START_TIMEOUT:-120}
ES_USER=kith-es
DOWNLOADS=$SERVICES_DIR/downloads
ZIP=$DOWNLOADS/elasticsearch-$VERSION.zip
ES_HOME=$SERVICES_DIR/elasticsearch-$VERSION
STATE=$SERVICES_DIR/elasticsearch          # data, logs, pid file
PIDFILE=$STATE/elasticsearch.pid
URL="http://127.0.0.1:$PORT"
NODE_NAME=kith-es
LOG_NAME=kith                                # the log file is <cluster name>.log
CLUSTER_HTTP_PORTS=(${KITH_ES_CLUSTER_HTTP_PORTS:-9301 9302 9303})
CLUSTER_TRANSPORT_PORTS=(${KITH_ES_CLUSTER_TRANSPORT_PORTS:-9401 9402 9403})
CLUSTER_NODE=0                               # 1..3 while working on a cluster node

say() { printf 'elasticsearch.sh: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

apt_updated=0
apt_install() {
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

need() {
    # need COMMAND DEBIAN_PACKAGE: install the package as root, else explain.
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$IS_ROOT" = 1 ]; then
        apt_install "$2"
        command -v "$1" >/dev/null 2>&1 || die "installed $2 but still no $1"
    else
        die "$1 not found; install it (Debian/Ubuntu: sudo apt-get install $2) or run as root."
    fi
}

java_home() {
    if [ -n "${ES_JAVA_HOME:-}" ]; then echo "$ES_JAVA_HOME"; return 0; fi
    need java openjdk-17-jre-headless
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"
}

as_es() {
    if [ "$IS_ROOT" = 1 ]; then
        (cd / && runuser -u "$ES_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

pid_alive() {
    local pid
    [ -s "$PIDFILE" ] || return 1
    pid=$(cat "$PIDFILE")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

healthy() {
    curl -fsS --max-time 10 "$URL/_cluster/health?wait_for_status=yellow&timeout=5s" 2>/dev/null \
        | grep -Eq '"status":"(yellow|green)"'
}

use_node() {
    # Point PORT, STATE, PIDFILE, URL... at node $1 (1-based) of the local cluster.
    CLUSTER_NODE=$1
    [ "$1" -ge 1 ] && [ "$1" -le "${#CLUSTER_HTTP_PORTS[@]}" ] || die "no cluster node $1"
    PORT=${CLUSTER_HTTP_PORTS[$(($1 - 1))]}
    STATE=$SERVICES_DIR/elasticsearch-cluster/node-$1
    PIDFILE=$STATE/elasticsearch.pid
    URL="http://127.0.0.1:$PORT"
    NODE_NAME=kith-es-$1
    LOG_NAME=kith-cluster
    HEAP=${KITH_ES_CLUSTER_HEAP:-512m}
}

fetch() {
    [ -d "$ES_HOME" ] && return 0
    mkdir -p "$DOWNLOADS"
    if [ ! -s "$ZIP" ]; then
        if [ -n "${KITH_ES_ZIP:-}" ]; then
            [ -s "$KITH_ES_ZIP" ] || die "KITH_ES_ZIP=$KITH_ES_ZIP does not exist"
            cp "$KITH_ES_ZIP" "$ZIP.part"
        else
            local t0=$SECONDS
            need mvn maven
            say "downloading elasticsearch $VERSION (integ-test-zip) from Maven Central"
            rm -rf "$DOWNLOADS/mvn.tmp"
            mkdir -p "$DOWNLOADS/mvn.tmp"
            (cd "$DOWNLOADS/mvn.tmp" && mvn -q -B -Dstyle.color=never dependency:copy \
                "-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip" \
                "-DoutputDirectory=$DOWNLOADS/mvn.tmp") >"$DOWNLOADS/mvn.log" 2>&1 \
                || { cat "$DOWNLOADS/mvn.log" >&2; die "mvn dependency:copy failed for elasticsearch $VERSION"; }
            mv "$DOWNLOADS/mvn.tmp/elasticsearch-$VERSION.zip" "$ZIP.part"
            rm -rf "$DOWNLOADS/mvn.tmp"
            say "downloaded in $((SECONDS - t0)) s"
        fi
        mv "$ZIP.part" "$ZIP"
    fi
    need unzip unzip
    say "unpacking $ZIP"
    local tmp=$SERVICES_DIR/.unzip-es-$VERSION
    rm -rf "$tmp"
    mkdir -p "$tmp"
    unzip -q "$ZIP" -d "$tmp"
    [ -x "$tmp/elasticsearch-$VERSION/bin/elasticsearch" ] || die "unexpected zip layout in $ZIP"
    mv "$tmp/elasticsearch-$VERSION" "$ES_HOME"
    rm -rf "$tmp"
}

ensure_user() {
    [ "$IS_ROOT" = 1 ] || return 0
    if ! id -u "$ES_USER" >/dev/null 2>&1; then
        say "creating system user $ES_USER"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$ES_USER"
    fi
    chown -R "$ES_USER:" "$ES_HOME" "$STATE"
    as_es test -r "$ES_HOME/bin/elasticsearch" -a -w "$STATE" \
        || die "user $ES_USER cannot reach $SERVICES_DIR (is a parent directory private?). Set KITH_SERVICES_DIR elsewhere, e.g. /var/lib/kith-services."
}

settings() {
    # The -E flags for this distribution. Unknown settings stop the node, so the
    # security switch is only passed when the security module is present.
    local s=(
        -E "cluster.name=$LOG_NAME"
        -E "node.name=$NODE_NAME"
        -E network.host=127.0.0.1
        -E "http.port=$PORT"
    )
    if [ "$CLUSTER_NODE" = 0 ]; then
        s+=(-E discovery.type=single-node)
    else
        local seeds masters i
        seeds=$(printf '127.0.0.1:%s,' "${CLUSTER_TRANSPORT_PORTS[@]}")
        masters=$(for i in "${!CLUSTER_HTTP_PORTS[@]}"; do printf 'kith-es-%s,' $((i + 1)); done)
        s+=(
            -E "transport.port=${CLUSTER_TRANSPORT_PORTS[$((CLUSTER_NODE - 1))]}"
            -E "discovery.seed_hosts=${seeds%,}"
            -E "cluster.initial_master_nodes=${masters%,}"
        )
    fi
    s+=(
        -E "path.data=$STATE/data"
        -E "path.logs=$STATE/logs"
        # Tests may run on a nearly full disk: never go read-only for space.
        -E cluster.routing.allocation.disk.threshold_enabled=false
        # Let tests delete their indices with wildcards (kith_test_*).
        -E action.destructive_requires_name=false
    )
    if [ -d "$ES_HOME/modules/x-pack-security" ]; then
        s+=(-E xpack.security.enabled=false)
    fi
    if [ -d "$ES_HOME/modules/x-pack-ml" ]; then
        s+=(-E xpack.ml.enabled=false)
    fi
    if [ -d "$ES_HOME/modules/ingest-geoip" ]; then
        s+=(-E ingest.geoip.downloader.enabled=false)
    fi
    printf '%s\n' "${s[@]}"
}

cmd_start() {
    local t0=$SECONDS
    need curl curl
    if pid_alive && healthy; then
        say "already running at $URL (pid $(cat "$PIDFILE"))"
        return 0
    fi
    if pid_alive; then
        say "a node is running (pid $(cat "$PIDFILE")) but not healthy yet; waiting"
    else
        if curl -s --max-time 3 -o /dev/null "$URL/"; then
            die "something else is answering on $URL. Stop it or set KITH_ES_PORT."
        fi
        mkdir -p "$SERVICES_DIR"
        [ "$IS_ROOT" = 1 ] && chmod 755 "$SERVICES_DIR"
        fetch
        mkdir -p "$STATE/data" "$STATE/logs"
        ensure_user
        local jh
        jh=$(java_home)
        [ -x "$jh/bin/java" ] || die "no java at $jh/bin/java; set ES_JAVA_HOME to a JDK 17+"
        rm -f "$PIDFILE"
        local -a flags
        mapfile -t flags < <(settings)
        say "starting elasticsearch $VERSION (java: $jh, heap $HEAP) on $URL"
        as_es env ES_JAVA_HOME="$jh" ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" ES_PATH_CONF="$ES_HOME/config" \
            "$ES_HOME/bin/elasticsearch" -d -p "$PIDFILE" "${flags[@]}" \
            >"$STATE/logs/launcher.out" 2>&1 \
            || { cat "$STATE/logs/launcher.out" >&2; tail -n 40 "$STATE/logs/$LOG_NAME.log" >&2 2>/dev/null || true
                 die "elasticsearch failed to start; logs in $STATE/logs"; }
    fi
    [ "${NO_WAIT:-0}" = 1 ] && return 0
    local deadline=$((SECONDS + TIMEOUT))
    until healthy; do
        if ! pid_alive; then
            tail -n 40 "$STATE/logs/$LOG_NAME.log" >&2 2>/dev/null || true
            die "elasticsearch exited; logs in $STATE/logs"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            die "elasticsearch not healthy after ${TIMEOUT} s; logs in $STATE/logs"
        fi
        sleep 2
    done
    say "ready at $URL in $((SECONDS - t0)) s (pid $(cat "$PIDFILE"), logs $STATE/logs)"
}

cmd_stop() {
    if ! pid_alive; then
        rm -f "$PIDFILE"
        say "not running"
        return 0
    fi
    local pid _
    pid=$(cat "$PIDFILE")
    kill -TERM "$pid"
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "still running after 30 s; sending KILL to $pid"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    say "stopped"
}

cmd_status() {
    if pid_alive; then
        if healthy; then
            echo "elasticsearch: running at $URL (pid $(cat "$PIDFILE"), home $ES_HOME)"
            return 0
        fi
        echo "elasticsearch: process $(cat "$PIDFILE") alive but $URL not healthy (starting?)"
        return 1
    fi
    echo "elasticsearch: stopped"
    return 3
}

cluster_nodes() { seq 1 "${#CLUSTER_HTTP_PORTS[@]}"; }

cmd_cluster_start() {
    # Launch every node that is not running, then wait until they have formed
    # one cluster (no node is healthy on its own: a master needs a majority).
    local i t0=$SECONDS
    for i in $(cluster_nodes); do
        (use_node "$i"; NO_WAIT=1 cmd_start)
    done
    use_node 1
    local n=${#CLUSTER_HTTP_PORTS[@]} deadline=$((SECONDS + TIMEOUT))
    for i in $(cluster_nodes); do
        use_node "$i"
        pid_alive && break
    done
    until curl -fsS --max-time 10 \
        "$URL/_cluster/health?wait_for_nodes=$n&wait_for_status=yellow&timeout=5s" 2>/dev/null \
        | grep -q "\"number_of_nodes\":$n,"; do
        [ "$SECONDS" -ge "$deadline" ] && die "cluster not formed after ${TIMEOUT} s; logs in $SERVICES_DIR/elasticsearch-cluster"
        sleep 2
    done
    say "cluster of $n ready at $(cmd_cluster_url) in $((SECONDS - t0)) s"
}

cmd_cluster_stop() {
    local i
    for i in ${1:-$(cluster_nodes)}; do
        (use_node "$i"; say "node $i ($URL)"; cmd_stop)
    done
}

cmd_cluster_status() {
    local i rc=0
    for i in $(cluster_nodes); do
        (use_node "$i"; printf 'node %s: ' "$i"; cmd_status) || rc=$?
    done
    return "$rc"
}

cmd_cluster_url() {
    local port urls=()
    for port in "${CLUSTER_HTTP_PORTS[@]}"; do urls+=("http://127.0.0.1:$port"); done
    (IFS=,; echo "${urls[*]}")
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) echo "$URL" ;;
    cluster-start) cmd_cluster_start ;;
    cluster-stop) cmd_cluster_stop "${2:-}" ;;
    cluster-status) cmd_cluster_status ;;
    cluster-url) cmd_cluster_url ;;
    *) echo "usage: $0 start|stop|status|url|cluster-start|cluster-stop [N]|cluster-status|cluster-url" >&2
       exit 2 ;;
esac
