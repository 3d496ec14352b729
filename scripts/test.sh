#!/usr/bin/env bash
# Runs Huduma's whole test suite: formatting, lints, unit and property tests, every
# database test on SQLite and on PostgreSQL, and the browser test in headless Chromium.
#
# On a fresh Debian machine it provisions what is missing (as root, through apt-get):
# a PostgreSQL server, Chromium and chromedriver. Whatever is already configured is used:
#   HUDUMA_TEST_POSTGRES_URL   an admin URL of a PostgreSQL server (tests create databases)
#   HUDUMA_CHROMIUM / HUDUMA_CHROMEDRIVER   browser and driver paths
#   HUDUMA_AXE                 axe.min.js for the accessibility audit in the browser tests
#                              [default: installed with npm from crates/huduma/tests/axe]
#   HUDUMA_S3_SERVER           the S3-protocol server object storage is tested against
#                              [default: s3s-fs on PATH, else installed with cargo into
#                              $HUDUMA_TOOLS_DIR, default ~/.cache/huduma-tools]
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/provision.sh

# --- PostgreSQL -------------------------------------------------------------------
provision_postgres
export HUDUMA_TEST_POSTGRES_URL="$postgres_url"
# Databases left by earlier runs (each test creates its own).
psql "$postgres_url" -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'huduma_test_%'" \
  | while read -r db; do [ -n "$db" ] && psql "$postgres_url" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null; done
echo "PostgreSQL: $(psql "$postgres_url" -tAc 'SHOW server_version')"

# --- Chromium and chromedriver -------------------------------------------------------
chromium="${HUDUMA_CHROMIUM:-/usr/bin/chromium}"
chromedriver="${HUDUMA_CHROMEDRIVER:-/usr/bin/chromedriver}"
if [ ! -x "$chromium" ] || [ ! -x "$chromedriver" ]; then
  say "Installing Debian's chromium and chromium-driver"
  apt_install chromium chromium-driver
fi
export HUDUMA_CHROMIUM="$chromium" HUDUMA_CHROMEDRIVER="$chromedriver"
echo "Browser: $("$chromium" --version 2>/dev/null | head -n 1); driver: $("$chromedriver" --version | head -n 1)"

# --- axe-core (accessibility audit of every page the browser tests visit) -------------
if [ -z "${HUDUMA_AXE:-}" ]; then
  axe_dir=crates/huduma/tests/axe
  command -v npm >/dev/null || apt_install nodejs npm
  # The version and its checksum are pinned in package-lock.json; `npm ci` installs exactly that.
  npm ci --prefix "$axe_dir" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
  export HUDUMA_AXE="$PWD/$axe_dir/node_modules/axe-core/axe.min.js"
fi
echo "axe-core: $(head -c 200 "$HUDUMA_AXE" | grep -o 'axe v[0-9.]*')"

# --- S3-protocol server (object storage is tested with SigV4-signed requests) ---------
provision_s3_server
export HUDUMA_S3_SERVER
echo "S3 server: $("$HUDUMA_S3_SERVER" --version) ($HUDUMA_S3_SERVER)"

# --- The suite ------------------------------------------------------------------------
say "cargo fmt --check"
cargo fmt --all --check
say "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
say "cargo test (SQLite and PostgreSQL, browser)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --locked 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" = 0 ]; then
  say "Fault tests on a rehearsal cluster (scripts/cluster-faults.sh)"
  bash scripts/cluster-faults.sh 2>&1 | tee -a "$log"
  status=${PIPESTATUS[0]}
fi
if [ "$status" = 0 ]; then
  say "PostgreSQL tests through PgBouncer in session mode (scripts/pgbouncer-check.sh)"
  bash scripts/pgbouncer-check.sh 2>&1 | tee -a "$log"
  status=${PIPESTATUS[0]}
fi
set -e
awk '/^test result:/ {p += $4; f += $6} END {printf "\nTests: %d passed, %d failed\n", p, f}' "$log"
exit "$status"
