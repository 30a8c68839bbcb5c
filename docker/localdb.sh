#!/usr/bin/env bash
# Private PostgreSQL 15 cluster for development and tests, with no Docker.
#   localdb.sh start DIR PORT   init (once) and start a cluster in DIR listening on 127.0.0.1:PORT
#   localdb.sh stop DIR         stop it (only a cluster this script started lives in DIR)
#   localdb.sh port DIR         print the port of the cluster running in DIR (exit 1 if none)
#   localdb.sh url DIR PORT DB  print the libpq URL for database DB (TCP on 127.0.0.1)
#   localdb.sh socket-url DIR PORT DB  the same over the cluster's Unix socket (faster)
#   localdb.sh createdb|dropdb DIR PORT DB
# PostgreSQL refuses to run as root, so the cluster belongs to the 'postgres' system user
# (created by Debian's postgresql package); its password is generated into DIR/../pg.pass.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
cmd=${1:?usage: localdb.sh start|stop|url|createdb|dropdb DIR [PORT] [DB]}
dir=$(realpath -m "${2:?data directory required}")  # resolves a link to /tmp (see start)
port=${3:-54329}
passfile="$(dirname "$(realpath -ms "$2")")/pg.pass"  # beside the link, not in /tmp

as_owner() {
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

password() {
    [ -s "$passfile" ] || { umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$passfile"; }
    cat "$passfile"
}

url() { printf 'postgresql://propdesk:%s@127.0.0.1:%s/%s\n' "$(password)" "$port" "$1"; }
socket_url() { printf 'postgresql://propdesk:%s@/%s?host=%s&port=%s\n' "$(password)" "$1" "$dir" "$port"; }

psql_admin() { as_owner "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres "$@"; }

case "$cmd" in
start)
    if [ "$(id -u)" = 0 ] && [ ! -e "$dir" ]; then
        mkdir -p "$(dirname "$dir")"
        # a checkout inside a private folder (e.g. /root) is out of the postgres user's reach:
        # keep the cluster in /tmp and link it here
        if ! runuser -u postgres -- test -x "$(dirname "$dir")"; then
            away=/tmp/propdesk-pg-$(echo "$dir" | sha256sum | cut -c1-12)
            mkdir -p "$away"
            ln -s "$away" "$dir"
            dir=$(realpath "$dir")
        fi
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$dir"
        if ! runuser -u postgres -- test -x "$dir"; then
            echo "localdb: user postgres cannot reach $dir; set DATABASE_URL instead." >&2
            exit 1
        fi
    fi
    chmod 700 "$dir"
    pw=$(password)
    if [ ! -f "$dir/PG_VERSION" ]; then
        as_owner "$PGBIN/initdb" -D "$dir" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
            -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if as_owner "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        exit 0
    fi
    as_owner "$PGBIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB -c fsync=on" >/dev/null
    psql_admin <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'propdesk') THEN
    CREATE ROLE propdesk LOGIN CREATEDB;
  END IF;
END \$\$;
ALTER ROLE propdesk PASSWORD '$pw';
SQL
    ;;
stop)
    if [ -f "$dir/postmaster.pid" ]; then
        as_owner "$PGBIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
    ;;
port)
    [ -f "$dir/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1 || exit 1
    sed -n 4p "$dir/postmaster.pid"
    ;;
url)
    url "${4:-propdesk}"
    ;;
socket-url)
    socket_url "${4:-propdesk}"
    ;;
createdb)
    db=${4:?database name}
    psql_admin -c "CREATE DATABASE \"$db\" OWNER propdesk" 2>/dev/null || true
    ;;
dropdb)
    db=${4:?database name}
    psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
    ;;
*)
    echo "localdb: unknown command $cmd" >&2; exit 2 ;;
esac
