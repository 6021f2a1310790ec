#!/usr/bin/env bash
# A private PostgreSQL cluster from Debian's `postgresql` package — its own data folder, port and socket
# folder, listening on 127.0.0.1 only; no Docker, and the system's own cluster is left alone. Used by
# the tests (one cluster per test run, a database per test file) and the benchmark, and to try the hub
# on PostgreSQL by hand:
#   bash scripts/postgres-cluster.sh start DIR PORT [--fast]  # prints postgres://postgres@127.0.0.1:PORT/postgres
#   bash scripts/postgres-cluster.sh stop DIR
# initdb refuses to run as root, so as root the server runs as the `postgres` user (runuser).
# --fast turns fsync off: tests kill processes, never the machine, so they do not need it.
set -euo pipefail

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "使い方: bash scripts/postgres-cluster.sh start DIR PORT [--fast] | stop DIR" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL が見つかりません。apt-get install postgresql で入れてください。" >&2; exit 1; }

as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    port="${3:-}"
    [ -n "$port" ] || { echo "ポート番号を指定してください。" >&2; exit 2; }
    extra=()
    [ "${4:-}" = "--fast" ] && extra=(-c fsync=off -c full_page_writes=off)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    chmod 700 "$dir"
    as_server "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # Options go into the data folder's own configuration (not pg_ctl -o) so a restart keeps them.
    {
      echo "port = $port"
      echo "unix_socket_directories = '$dir'"
      echo "listen_addresses = '127.0.0.1'"
      echo "max_connections = 400"
      for ((i = 0; i < ${#extra[@]}; i += 2)); do echo "${extra[i+1]/=/ = }"; done
    } >>"$dir/data/postgresql.conf"
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    ;;
  *) echo "使い方: start DIR PORT [--fast] | stop DIR" >&2; exit 2 ;;
esac
