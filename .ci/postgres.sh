#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on a free loopback port and print its URL.
# Installs the server through the OS package manager when it is missing. initdb and pg_ctl refuse
# to run as root, so as root they run as the `postgres` user.
# Usage: eval "$(bash .ci/postgres.sh start)"   ...   bash .ci/postgres.sh stop "$PGDATA_DIR"
set -euo pipefail

find_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    local bin
    if ! bin=$(find_bin); then
        echo "PostgreSQL server not found; installing it" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
        bin=$(find_bin)
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home /var/lib/postgresql --shell /bin/bash postgres >&2
    fi
    local data port
    data=$(mktemp -d /tmp/forum-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres "$data"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$data/db" -U postgres -A trust --no-sync >/dev/null
    as_pg "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
        -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >&2
    echo "export PGDATA_DIR=$data"
    echo "export PG_BIN=$bin"
    echo "export TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:$port/postgres"
}

stop() {
    local data=$1 bin
    bin=$(find_bin)
    as_pg "$bin/pg_ctl" -D "$data/db" -m fast stop >&2 || true
    rm -rf "$data"
}

case "${1:-}" in
    start) start ;;
    stop) stop "$2" ;;
    *) echo "usage: $0 start | stop DATADIR" >&2; exit 2 ;;
esac
