#!/usr/bin/env bash
# Runs the PostgreSQL tests of the parts that lean hardest on the database (clusters of
# nodes and workers, payments and their callbacks, catalogue imports, backups) through
# PgBouncer in session mode, the mode docs/deployment.md recommends: prepared
# statements, advisory locks and `SKIP LOCKED` claims must all work through it.
# scripts/test.sh runs this once, after the suite. Needs the PostgreSQL server the suite
# uses on 127.0.0.1:5432; installs Debian's pgbouncer when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/provision.sh
command -v pgbouncer >/dev/null || ls /usr/sbin/pgbouncer >/dev/null 2>&1 || apt_install pgbouncer
provision_postgres
port="${HUDUMA_PGBOUNCER_PORT:-6432}"
run=$(mktemp -d)
chmod 755 "$run"
# Every database on the server, as the tests make their own; the test superuser only.
user=$(sed -E 's#^postgres(ql)?://([^:@/]+).*#\2#' <<<"$postgres_url")
password=$(sed -nE 's#^postgres(ql)?://[^:@/]+:([^@]*)@.*#\2#p' <<<"$postgres_url")
printf '"%s" "%s"\n' "$user" "$password" >"$run/users.txt"
cat >"$run/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = $([ -n "$password" ] && echo plain || echo trust)
auth_file = $run/users.txt
pool_mode = session
max_client_conn = 2000
default_pool_size = 40
# Stay under PostgreSQL's max_connections (100) however many test databases are open:
# past 80 server connections a client waits for one, and idle ones close after 2 s
# (every test opens its own database and leaves it).
max_user_connections = 80
server_idle_timeout = 2
# A refused server login is retried after 1 s, not 15: a restarted database is back in seconds.
server_login_retry = 1
# sqlx sets extra_float_digits at connection start; PgBouncer refuses unknown parameters.
ignore_startup_parameters = extra_float_digits
pidfile = $run/pgbouncer.pid
logfile = $run/pgbouncer.log
INI
chown -R postgres "$run"
as_root runuser -u postgres -- /usr/sbin/pgbouncer -d "$run/pgbouncer.ini"
trap 'kill "$(cat "$run/pgbouncer.pid")" 2>/dev/null || true; rm -rf "$run"' EXIT
for _ in $(seq 1 50); do [ -s "$run/pgbouncer.pid" ] && break; sleep 0.1; done
through="postgres://$user${password:+:$password}@127.0.0.1:$port/postgres"
psql "$through" -tAc 'SELECT 1' >/dev/null
echo "PgBouncer $(/usr/sbin/pgbouncer --version | head -n 1 | awk '{print $2}') in session mode on :$port"
HUDUMA_TEST_POSTGRES_URL="$through" cargo test --locked -p huduma --test it -- \
  cluster:: payments:: stk_confirm:: catalogue:: backup:: checkout:: --skip sqlite --test-threads 4
