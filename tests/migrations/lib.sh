# Shared by the migration tests (tests/migrations/NNNN_*.sh BIN DATABASE_URL, on an empty
# database): `migrate_before NNNN` applies every migration before NNNN and seeds the demo
# org, so the test can write data in the old shape; `migrate_rest` applies the others;
# `sql` runs psql on the database; `check WHAT SQL` prints ok/FAIL (the SQL returns t) and
# leaves $fail at 1 on a failure.
set -euo pipefail
BIN=$1 URL=$2
cd "$(dirname "$0")/../.."
WORK=$(mktemp -d /tmp/propdesk-mig.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail=0

sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$URL" "$@"; }

migrate_before() {
    for f in sql/migrations/*.sql; do
        [ "$(basename "$f" | cut -c1-4)" -lt "$1" ] && cp "$f" "$WORK/"
    done
    DATABASE_URL=$URL MIGRATIONS_DIR="$WORK" "$BIN" migrate >/dev/null
    DATABASE_URL=$URL JWT_SECRET=unused-unused-unused-unused-unused "$BIN" seed-demo >/dev/null
}

migrate_rest() { DATABASE_URL=$URL "$BIN" migrate >/dev/null; }

check() {
    local got
    got=$(sql -c "$2" 2>&1) || true
    if [ "$got" = t ]; then echo "  ok   $1"; else echo "  FAIL $1: $got"; fail=1; fi
}
