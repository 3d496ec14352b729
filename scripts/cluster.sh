#!/usr/bin/env bash
# Brings Huduma up in its production shape on one machine, as a rehearsal:
#   HAProxy ─▶ 3 × `huduma serve --no-workers` ─▶ PostgreSQL
#              2 × `huduma worker`
#   an S3-compatible object store for uploaded documents: Garage, the production store
#   we name (installed with cargo the first time), or s3s-fs as in the test command;
#   a providers process: `huduma serve` in sandbox mode whose simulators (SMS, email,
#   register, M-Pesa, cards) are the providers the cluster talks to over HTTP, and whose
#   /sandbox pages show what was sent and answer the M-Pesa prompts.
#
#   scripts/cluster.sh start    builds (release), starts everything, prints the URL
#   scripts/cluster.sh status   every process with its role, PID and address; the database
#   scripts/cluster.sh stop     stops everything (SIGTERM, then SIGKILL after 35 s)
#   scripts/cluster.sh restart ROLE   restarts one process (node2, worker1…): SIGTERM, so a
#                               node drains first; a process already dead is started again
#
# Settings (environment of `start`):
#   HUDUMA_CLUSTER_PORT       the load balancer's port [8080]; nodes use the next three,
#                             the providers process +10, its SMTP sink +11, the object
#                             store +12
#   HUDUMA_CLUSTER_DIR        where logs, PIDs and files go [target/cluster]
#   HUDUMA_CLUSTER_PROFILE    cargo profile to build and run: release or debug [release]
#   HUDUMA_CLUSTER_DATABASE   the database's name on that server [huduma_cluster]
#   HUDUMA_CLUSTER_FRESH      1: drop and recreate the cluster's database first
#   HUDUMA_CLUSTER_OBJECTS    garage or s3s-fs [garage]
#   HUDUMA_TEST_POSTGRES_URL  an admin URL of a PostgreSQL server [a local one, provisioned]
#   HUDUMA_*                  any setting, passed to every node and worker; what is set
#                             wins over the defaults below (e.g. point SMS at your own
#                             receiver with HUDUMA_SMS_BASE_URL)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/provision.sh

port="${HUDUMA_CLUSTER_PORT:-8080}"
dir="${HUDUMA_CLUSTER_DIR:-$PWD/target/cluster}"
profile="${HUDUMA_CLUSTER_PROFILE:-release}"
# The other commands use the port and profile `start` used.
if [ "${1:-}" != start ] && [ -f "$dir/cluster.conf" ]; then source "$dir/cluster.conf"; fi
providers_port=$((port + 10))
smtp_port=$((port + 11))
s3_port=$((port + 12))
NODES=3
WORKERS=2

bin() { echo "$PWD/target/$profile/huduma"; }

database="${HUDUMA_CLUSTER_DATABASE:-${database:-huduma_cluster}}"
# The database URL the cluster uses, from the admin URL (same server, own database).
cluster_database_url() { echo "${1%/*}/$database"; }

without_password() { sed -E 's#//([^:/@]+):[^@]*@#//\1:***@#' <<<"$1"; }

# Starts one process in the background with its own log; records role, PID and address.
launch() {
  local role=$1 address=$2
  shift 2
  "$@" >>"$dir/logs/$role.log" 2>&1 &
  echo "$role $! $address" >>"$dir/processes"
}

wait_ready() {
  local url=$1 what=$2
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "$what did not become ready at $url; see $dir/logs" >&2
  return 1
}

start() {
  if [ -s "$dir/processes" ] && alive_any; then
    echo "a cluster is already running (scripts/cluster.sh status)" >&2
    exit 1
  fi
  command -v haproxy >/dev/null || { say "Installing Debian's haproxy"; apt_install haproxy; }
  command -v curl >/dev/null || apt_install curl
  provision_postgres
  local objects="${HUDUMA_CLUSTER_OBJECTS:-garage}"
  case "$objects" in
    garage) provision_garage ;;
    s3s-fs) provision_s3_server ;;
    *) echo "HUDUMA_CLUSTER_OBJECTS must be garage or s3s-fs" >&2; exit 2 ;;
  esac
  local database_url
  database_url=$(cluster_database_url "$postgres_url")
  if [ "${HUDUMA_CLUSTER_FRESH:-0}" = 1 ]; then
    psql "$postgres_url" -qc "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null
    rm -rf "$dir/providers" "$dir/objects" "$dir/garage" "$dir/logs"
  fi
  psql "$postgres_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 \
    || psql "$postgres_url" -qc "CREATE DATABASE \"$database\"" >/dev/null

  if [ "$profile" = release ]; then cargo build --release --locked -p huduma; else cargo build --locked -p huduma; fi

  mkdir -p "$dir/logs" "$dir/objects/huduma" "$dir/providers"
  printf 'port=%s\nprofile=%s\ndatabase=%s\n' "$port" "$profile" "$database" >"$dir/cluster.conf"
  : >"$dir/processes"
  # One secret for every process: a session made on one node is checked on another.
  [ -s "$dir/secret" ] || head -c 48 /dev/urandom | base64 | tr -d '/+=\n' >"$dir/secret"
  [ -s "$dir/s3-secret" ] || head -c 30 /dev/urandom | base64 | tr -d '/+=\n' >"$dir/s3-secret"
  local provider_key
  [ -s "$dir/provider-key" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$dir/provider-key"
  provider_key=$(cat "$dir/provider-key")
  local providers="http://127.0.0.1:$providers_port"

  # What every process is told, unless the caller's environment says otherwise.
  export HUDUMA_SMS_BASE_URL="${HUDUMA_SMS_BASE_URL:-$providers/sandbox/africastalking}"
  export HUDUMA_SMS_USERNAME="${HUDUMA_SMS_USERNAME:-sandbox}"
  export HUDUMA_SMS_API_KEY="${HUDUMA_SMS_API_KEY:-$provider_key}"
  export HUDUMA_REGISTER_URL="${HUDUMA_REGISTER_URL:-$providers/sandbox/iprs}"
  export HUDUMA_REGISTER_USERNAME="${HUDUMA_REGISTER_USERNAME:-sandbox}"
  export HUDUMA_REGISTER_PASSWORD="${HUDUMA_REGISTER_PASSWORD:-$provider_key}"
  export HUDUMA_SMTP_URL="${HUDUMA_SMTP_URL:-smtp://127.0.0.1:$smtp_port}"
  export HUDUMA_DARAJA_BASE_URL="${HUDUMA_DARAJA_BASE_URL:-$providers/sandbox/daraja}"
  export HUDUMA_DARAJA_CONSUMER_KEY="${HUDUMA_DARAJA_CONSUMER_KEY:-cluster}"
  export HUDUMA_DARAJA_CONSUMER_SECRET="${HUDUMA_DARAJA_CONSUMER_SECRET:-$provider_key}"
  # Safaricom's published test short code and passkey, which the simulator uses.
  export HUDUMA_DARAJA_SHORT_CODE="${HUDUMA_DARAJA_SHORT_CODE:-174379}"
  export HUDUMA_DARAJA_PASSKEY="${HUDUMA_DARAJA_PASSKEY:-bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919}"
  export HUDUMA_PESAPAL_BASE_URL="${HUDUMA_PESAPAL_BASE_URL:-$providers/sandbox/pesapal}"
  export HUDUMA_PESAPAL_CONSUMER_KEY="${HUDUMA_PESAPAL_CONSUMER_KEY:-cluster}"
  export HUDUMA_PESAPAL_CONSUMER_SECRET="${HUDUMA_PESAPAL_CONSUMER_SECRET:-$provider_key}"
  export HUDUMA_CATALOGUE_DIR="${HUDUMA_CATALOGUE_DIR:-$PWD/catalogue}"
  export HUDUMA_LOG_JSON="${HUDUMA_LOG_JSON:-true}"

  if [ -z "${HUDUMA_STORAGE_URL:-}" ]; then
    if [ "$objects" = garage ]; then start_garage; else start_s3s_fs; fi
  fi

  say "Providers (the sandbox's simulators) on $providers"
  launch providers "127.0.0.1:$providers_port" env -u HUDUMA_SMTP_URL \
    HUDUMA_STORAGE_URL="file://$dir/providers/files" HUDUMA_SANDBOX=true HUDUMA_LISTEN="127.0.0.1:$providers_port" HUDUMA_DATA_DIR="$dir/providers" \
    DATABASE_URL="sqlite://$dir/providers/providers.db?mode=rwc" HUDUMA_SANDBOX_SMTP_LISTEN="127.0.0.1:$smtp_port" \
    HUDUMA_SECRET_KEY="$(cat "$dir/secret")" HUDUMA_PUBLIC_URL="$providers" \
    "$(bin)" serve
  wait_ready "$providers/readyz" "the providers process"

  # The cluster proper: not a sandbox, real HTTP to the providers.
  export DATABASE_URL="${DATABASE_URL:-$database_url}"
  export HUDUMA_SANDBOX=false
  export HUDUMA_SECRET_KEY="${HUDUMA_SECRET_KEY:-$(cat "$dir/secret")}"
  export HUDUMA_PUBLIC_URL="${HUDUMA_PUBLIC_URL:-http://127.0.0.1:$port}"
  export HUDUMA_TRUSTED_PROXIES="${HUDUMA_TRUSTED_PROXIES:-127.0.0.1}"
  export HUDUMA_DARAJA_CALLBACK_IPS="${HUDUMA_DARAJA_CALLBACK_IPS:-127.0.0.1}"
  export HUDUMA_DATA_DIR="$dir/node-data"

  # What `restart` starts a node or worker with again.
  export -p | grep -E '^declare -x (HUDUMA_|DATABASE_URL)' >"$dir/cluster.env"

  say "$NODES nodes and $WORKERS workers on $(without_password "$DATABASE_URL")"
  local servers=""
  for n in $(seq 1 "$NODES"); do
    launch_node "$n"
    servers+="    server node$n 127.0.0.1:$((port + n)) check"$'\n'
  done
  for n in $(seq 1 "$NODES"); do wait_ready "http://127.0.0.1:$((port + n))/readyz" "node$n"; done
  for n in $(seq 1 "$WORKERS"); do
    launch_worker "$n"
  done

  cat >"$dir/haproxy.cfg" <<EOF
global
    # Each connection takes two descriptors (client and node); stay inside the usual 20,000.
    maxconn 8000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    option forwardfor
    # Only a connection that never reached a node is tried on another: nothing a node
    # has started is sent twice.
    retries 2
    option redispatch
    retry-on conn-failure
    unique-id-format %{+X}o%ci%cp%fi%fp%Ts%rt%pid
    unique-id-header X-Request-Id
frontend portal
    bind 127.0.0.1:$port
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
$servers
EOF
  haproxy -c -q -f "$dir/haproxy.cfg"
  launch haproxy "127.0.0.1:$port" haproxy -W -db -f "$dir/haproxy.cfg"
  wait_ready "http://127.0.0.1:$port/readyz" "the load balancer"
  say "Huduma cluster ready"
  echo "http://127.0.0.1:$port"
}

# s3s-fs: one process over a folder, one key.
start_s3s_fs() {
  say "Object store (s3s-fs, bucket huduma) on 127.0.0.1:$s3_port"
  launch objects "127.0.0.1:$s3_port" "$HUDUMA_S3_SERVER" --host 127.0.0.1 --port "$s3_port" \
    --access-key huduma --secret-key "$(cat "$dir/s3-secret")" "$dir/objects"
  export HUDUMA_STORAGE_URL=s3://huduma HUDUMA_S3_ENDPOINT="http://127.0.0.1:$s3_port" HUDUMA_S3_REGION=us-east-1
  export HUDUMA_S3_ACCESS_KEY_ID=huduma HUDUMA_S3_SECRET_ACCESS_KEY="$(cat "$dir/s3-secret")"
}

# Garage: a one-node layout, the bucket, and a key allowed to read and write it (made
# once; a later start reuses them).
start_garage() {
  local g="$dir/garage" cli
  mkdir -p "$g/meta" "$g/data"
  [ -s "$g/rpc-secret" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$g/rpc-secret"
  printf '%s\n' \
    "metadata_dir = \"$g/meta\"" \
    "data_dir = \"$g/data\"" \
    'db_engine = "lmdb"' \
    'replication_factor = 1' \
    "rpc_bind_addr = \"127.0.0.1:$((port + 13))\"" \
    "rpc_public_addr = \"127.0.0.1:$((port + 13))\"" \
    "rpc_secret = \"$(cat "$g/rpc-secret")\"" \
    '[s3_api]' \
    's3_region = "garage"' \
    "api_bind_addr = \"127.0.0.1:$s3_port\"" \
    'root_domain = ".s3.garage.localhost"' >"$g/garage.toml"
  say "Object store (Garage, bucket huduma) on 127.0.0.1:$s3_port"
  launch objects "127.0.0.1:$s3_port" "$GARAGE" -c "$g/garage.toml" server
  cli="$GARAGE -c $g/garage.toml"
  for _ in $(seq 1 60); do $cli status >/dev/null 2>&1 && break; sleep 0.5; done
  if [ ! -s "$g/key" ]; then
    local node
    node=$($cli status 2>/dev/null | awk '/NO ROLE ASSIGNED/ {print $1; exit}')
    $cli layout assign -z dc1 -c 1G "$node" >/dev/null
    $cli layout apply --version 1 >/dev/null
    $cli bucket create huduma >/dev/null
    $cli key create huduma-cluster >"$g/key"
    $cli bucket allow --read --write --owner huduma --key huduma-cluster >/dev/null
  fi
  export HUDUMA_STORAGE_URL=s3://huduma HUDUMA_S3_ENDPOINT="http://127.0.0.1:$s3_port" HUDUMA_S3_REGION=garage
  HUDUMA_S3_ACCESS_KEY_ID=$(awk '/Key ID:/ {print $3}' "$g/key")
  HUDUMA_S3_SECRET_ACCESS_KEY=$(awk '/Secret key:/ {print $3}' "$g/key")
  export HUDUMA_S3_ACCESS_KEY_ID HUDUMA_S3_SECRET_ACCESS_KEY
}

launch_node() {
  local node_port=$((port + $1))
  launch "node$1" "127.0.0.1:$node_port" env HUDUMA_LISTEN="127.0.0.1:$node_port" "$(bin)" serve --no-workers
}

launch_worker() { launch "worker$1" "-" "$(bin)" worker; }

restart() {
  local target=$1 role pid address
  read -r role pid address < <(grep "^$target " "$dir/processes") || { echo "no process $target" >&2; exit 1; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  grep -v "^$target " "$dir/processes" >"$dir/processes.new" || true
  mv "$dir/processes.new" "$dir/processes"
  # shellcheck disable=SC1091
  source "$dir/cluster.env"
  case "$target" in
    node*) launch_node "${target#node}"; wait_ready "http://$address/readyz" "$target" ;;
    worker*) launch_worker "${target#worker}" ;;
    *) echo "only nodes and workers restart on their own; use stop and start" >&2; exit 1 ;;
  esac
  echo "$target restarted"
}

alive_any() {
  local role pid address
  while read -r role pid address; do kill -0 "$pid" 2>/dev/null && return 0; done <"$dir/processes"
  return 1
}

status() {
  [ -s "$dir/processes" ] || { echo "no cluster started from $dir"; exit 1; }
  printf '%-10s %-8s %-22s %s\n' ROLE PID ADDRESS STATE
  local role pid address state
  while read -r role pid address; do
    if kill -0 "$pid" 2>/dev/null; then state=running; else state=stopped; fi
    printf '%-10s %-8s %-22s %s\n' "$role" "$pid" "$address" "$state"
  done <"$dir/processes"
  local admin="${HUDUMA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  echo "database: $(without_password "${DATABASE_URL:-$(cluster_database_url "$admin")}")"
  echo "load balancer: http://127.0.0.1:$port"
}

stop() {
  [ -s "$dir/processes" ] || { echo "no cluster started from $dir"; return 0; }
  local role pid address
  # Load balancer first, then nodes (each drains), workers and the providers last.
  tac "$dir/processes" | while read -r role pid address; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 70); do alive_any || break; sleep 0.5; done
  while read -r role pid address; do kill -KILL "$pid" 2>/dev/null || true; done <"$dir/processes"
  : >"$dir/processes"
  echo "stopped"
}

case "${1:-}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  restart) restart "${2:?which process: node1, worker2…}" ;;
  *) echo "usage: scripts/cluster.sh start|status|stop|restart ROLE" >&2; exit 2 ;;
esac
