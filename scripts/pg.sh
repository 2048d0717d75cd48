# Sourced by scripts/test.sh and scripts/bench.sh: finds or starts PostgreSQL and exports
# OUTREACHBOT_TEST_DATABASE_URL.
#
# Order: $OUTREACHBOT_TEST_DATABASE_URL as given; a server answering on 127.0.0.1:5432 (user
# postgres, trust auth); otherwise a private server started with initdb in a temporary folder
# (installed with apt-get when the machine has none) and stopped when the script exits.
# OUTREACHBOT_TEST_PG=private forces the private server.

log() { printf 'test.sh: %s\n' "$*" >&2; }

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return 0; }; done
  return 1
}

start_private_pg() {
  local bin dir port
  if ! bin=$(pg_bin); then
    log "no PostgreSQL here; installing it with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null
    bin=$(pg_bin)
  fi
  dir=$(mktemp -d /tmp/outreachbot-pg.XXXXXX)
  port=$(( 20000 + RANDOM % 20000 ))
  chmod 755 "$dir"
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$dir"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300" start >/dev/null
  PRIVATE_PG=("${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop)
  PRIVATE_PG_DIR=$dir
  trap 'log "stopping the private PostgreSQL"; "${PRIVATE_PG[@]}" >/dev/null || true; rm -rf "$PRIVATE_PG_DIR"' EXIT
  OUTREACHBOT_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  log "started a private PostgreSQL on port $port"
}

if [ -z "${OUTREACHBOT_TEST_DATABASE_URL:-}" ] && [ "${OUTREACHBOT_TEST_PG:-}" = private ]; then
  start_private_pg # forced, e.g. to test this script on a machine that has a server running
elif [ -z "${OUTREACHBOT_TEST_DATABASE_URL:-}" ]; then
  url="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432 -t 3 \
    && psql "$url" -Atqc 'select 1' >/dev/null 2>&1; then
    OUTREACHBOT_TEST_DATABASE_URL=$url
    log "using PostgreSQL on 127.0.0.1:5432"
  else
    start_private_pg
  fi
fi
export OUTREACHBOT_TEST_DATABASE_URL
