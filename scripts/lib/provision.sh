# Shared by scripts/test.sh and scripts/cluster.sh: installing what is missing on a fresh
# Debian machine (as root, through apt-get) and finding or provisioning PostgreSQL.
# Source it; it defines functions and sets nothing else.

say() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=no
apt_install() {
  if [ "$apt_updated" = no ]; then as_root apt-get update -qq; apt_updated=yes; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_works() { psql "$1" -tAc 'SELECT 1' >/dev/null 2>&1; }

# Sets `postgres_url` to an admin URL of a working PostgreSQL server: the configured one
# (HUDUMA_TEST_POSTGRES_URL), the local one on 127.0.0.1:5432, or a local server installed
# and started here.
provision_postgres() {
  postgres_url="${HUDUMA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  command -v psql >/dev/null || apt_install postgresql-client
  if ! pg_works "$postgres_url"; then
    say "PostgreSQL not reachable at the configured URL; provisioning a local server"
    ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || apt_install postgresql
    local version
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    [ -d "/etc/postgresql/$version/main" ] || as_root pg_createcluster "$version" main >/dev/null
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    postgres_url="postgres://postgres@127.0.0.1:5432/postgres"
    if ! pg_works "$postgres_url"; then
      # Debian's default asks TCP clients for a password: give the test superuser one.
      as_root runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'huduma-test'" >/dev/null
      postgres_url="postgres://postgres:huduma-test@127.0.0.1:5432/postgres"
    fi
    pg_works "$postgres_url" || { echo "PostgreSQL could not be provisioned" >&2; exit 1; }
  fi
}

# Sets HUDUMA_S3_SERVER to the pinned S3-protocol server for tests and the rehearsal
# cluster: the configured one, one on PATH, or one installed here.
provision_s3_server() {
  # s3s-fs, from the s3s project: a small S3 server over a directory that checks every
  # request's SigV4 signature. Never MinIO. The version is pinned: 0.14.1 (Rust 1.92 or
  # later) is the newest that builds on the toolchain here, as 0.15 and later want Rust 1.96.
  # The install takes about 4 minutes on two cores, once, into a folder outside the
  # checkout that later runs reuse.
  s3s_version=0.14.1
  s3s_is_pinned() { [ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "s3s-fs $s3s_version" ]; }
  if [ -z "${HUDUMA_S3_SERVER:-}" ]; then
    tools_dir="${HUDUMA_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/huduma-tools}"
    if s3s_is_pinned "$(command -v s3s-fs || true)"; then
      HUDUMA_S3_SERVER=$(command -v s3s-fs)
    else
      HUDUMA_S3_SERVER="$tools_dir/bin/s3s-fs"
      if ! s3s_is_pinned "$HUDUMA_S3_SERVER"; then
        say "Installing s3s-fs $s3s_version with cargo into $tools_dir (about 4 minutes, once)"
        cargo install --locked --quiet --root "$tools_dir" s3s-fs --version "=$s3s_version" --features binary
      fi
    fi
  fi
}

# Sets GARAGE to Garage, the S3-compatible store we name for production (the rehearsal
# cluster's default store): the configured one (HUDUMA_GARAGE), one on PATH, or one
# installed here with cargo (about 16 minutes on two cores, once).
provision_garage() {
  local garage_version=2.5.0 tools_dir="${HUDUMA_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/huduma-tools}"
  GARAGE="${HUDUMA_GARAGE:-$(command -v garage || true)}"
  if [ -z "$GARAGE" ] || ! "$GARAGE" --version 2>/dev/null | grep -q "$garage_version"; then
    GARAGE="$tools_dir/bin/garage"
    if ! "$GARAGE" --version 2>/dev/null | grep -q "$garage_version"; then
      say "Installing Garage $garage_version with cargo into $tools_dir (about 16 minutes, once)"
      cargo install --locked --quiet --root "$tools_dir" garage --version "=$garage_version" --no-default-features --features bundled-libs,lmdb
    fi
  fi
}
