#!/usr/bin/env bash
# A private PostgreSQL server for the fleet tests, from Debian's postgresql package.
#
#   pg-server.sh start DIR    initdb under DIR, start it, create database augur_test, write the
#                             libpq conninfo to DIR/conninfo
#   pg-server.sh stop DIR     stop it (fast) and remove DIR
#   pg-server.sh pause DIR    stop it, keeping its data (tests of an outage)
#   pg-server.sh resume DIR   start it again
#
# When AUGUR_TEST_PG_CONNINFO is set (a CI runner serving every suite from one server), start
# and stop do nothing: the tests use that conninfo.
#
# The server listens on a Unix socket only (listen_addresses=''), in DIR/sock, so parallel
# build trees never race for a TCP port. It runs as the postgres OS user when started by root
# (the server refuses to run as root). Durability is off (fsync, full pages): test data only.
# max_connections is 300 for the load benchmark's simulated hosts. Role augur_pw with password
# "augur-right-password" authenticates by scram-sha-256 (the password-leak tests); every
# other local connection is trusted.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|pause|resume DIR" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2

if [[ -n ${AUGUR_TEST_PG_CONNINFO:-} && ($cmd == start || $cmd == stop) ]]; then
  echo "pg-server.sh: AUGUR_TEST_PG_CONNINFO is set; using that server"
  exit 0
fi

bindir=${PG_BINDIR:-}
if [[ -z $bindir ]]; then
  # The newest installed major version.
  bindir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
[[ -x $bindir/initdb ]] || { echo "pg-server.sh: no initdb under '$bindir'" >&2; exit 1; }

# As the postgres user when root; as ourselves otherwise.
as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_ctl_() {
  as_server_user "$bindir/pg_ctl" -D "$dir/data" "$@"
}

server_running() {
  [[ -f $dir/data/postmaster.pid ]] && pg_ctl_ status >/dev/null 2>&1
}

stop_server() {
  if server_running; then
    pg_ctl_ stop -m fast -w -t 60 >/dev/null
  fi
}

start_server() {
  pg_ctl_ start -w -t 60 -l "$dir/server.log" >/dev/null || {
    echo "pg-server.sh: the server did not start; its log:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
  }
}

psql_() {
  as_server_user "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$port" -U postgres "$@"
}

case $cmd in
start)
  # A leftover of an interrupted run: stop it and start afresh.
  if [[ -d $dir ]]; then
    stop_server || true
    rm -rf "$dir"
  fi
  mkdir -p "$dir/sock"
  dir=$(cd "$dir" && pwd)
  # The socket path must fit sockaddr_un (107 bytes): fall back to a short /tmp folder.
  sock=$dir/sock
  if ((${#sock} > 80)); then
    sock=$(mktemp -d /tmp/augur-pg-sock.XXXXXX)
    echo "$sock" >"$dir/sockdir-tmp"
    rmdir "$dir/sock"
    ln -s "$sock" "$dir/sock"
  fi
  port=5432
  if [[ $(id -u) -eq 0 ]]; then
    chown -R postgres:postgres "$dir" "$sock"
    chmod 755 "$dir"
  fi
  as_server_user "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$sock'
port = $port
max_connections = 300
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  {
    echo "local all augur_pw scram-sha-256"
    cat "$dir/data/pg_hba.conf"
  } >"$dir/data/pg_hba.conf.new"
  mv "$dir/data/pg_hba.conf.new" "$dir/data/pg_hba.conf"
  [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$dir/data/pg_hba.conf"
  start_server
  # An ICU collation that orders text unlike bytes ("db" before "Web"), as production
  # databases usually do: the store must not depend on the database's collation.
  psql_ -d postgres \
    -c "CREATE DATABASE augur_test TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'" \
    -c "CREATE ROLE augur_pw LOGIN PASSWORD 'augur-right-password'"
  echo "host=$sock port=$port dbname=augur_test user=postgres" >"$dir/conninfo"
  echo "pg-server.sh: serving $(cat "$dir/conninfo")"
  ;;
stop)
  [[ -d $dir ]] || exit 0
  stop_server
  if [[ -f $dir/sockdir-tmp ]]; then
    rm -rf "$(cat "$dir/sockdir-tmp")"
  fi
  rm -rf "$dir"
  ;;
pause)
  stop_server
  ;;
resume)
  start_server
  ;;
*)
  usage
  ;;
esac
