#!/usr/bin/env bash
# Fault tests on a fresh rehearsal cluster (scripts/cluster.sh, debug build): a node
# killed under load, a rolling restart under load, PostgreSQL restarted under load
# (crates/huduma/tests/cluster_faults.rs). scripts/test.sh runs this once, after the
# suite. It restarts the local PostgreSQL server: run it where that is allowed.
set -euo pipefail
cd "$(dirname "$0")/.."
export HUDUMA_CLUSTER_DIR="${HUDUMA_CLUSTER_DIR:-$PWD/target/cluster-faults}"
export HUDUMA_CLUSTER_PORT="${HUDUMA_CLUSTER_PORT:-18180}"
export HUDUMA_CLUSTER_DATABASE="${HUDUMA_CLUSTER_DATABASE:-huduma_cluster_faults}"
export HUDUMA_CLUSTER_PROFILE=debug HUDUMA_CLUSTER_FRESH=1
# The test command's S3 server (installed in minutes); the rehearsal's default, Garage,
# takes a quarter of an hour to build on a fresh machine.
export HUDUMA_CLUSTER_OBJECTS=s3s-fs
# The load signs in hundreds of times a minute: no rate limits, cheap password hashes.
export HUDUMA_RATE_LIMITS=false HUDUMA_ARGON2_MEMORY_KIB=1024 HUDUMA_ARGON2_ITERATIONS=1
trap 'bash scripts/cluster.sh stop >/dev/null' EXIT
bash scripts/cluster.sh start
cargo test --locked -p huduma --test cluster_faults -- --test-threads=1
