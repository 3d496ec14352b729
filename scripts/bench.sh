#!/usr/bin/env bash
# Benchmarks Huduma against a baseline measured in the same run (release build, wrk).
# Prints a Markdown table; docs/benchmarks.md holds the latest figures.
#   baseline B     a bare axum hello-world on the same machine
#   home, healthz  requests/s and p99 at 64 connections, as ratios to B
#   sign-in        password step of sign-in per second vs Argon2id verifications per second
#   memory         RSS of an idle server after warm-up
#   page weight    HTML + CSS as a phone receives them (gzip)
# Further sections (applications, back office, callbacks, cluster; `scale` only on request)
# are described where they start below.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
DURATION=${BENCH_SECONDS:-10}
cargo build --release --locked --bin huduma --example hello_baseline --example argon2_rate --example catalogue_bench --example applications_bench --example callbacks_bench --example back_office_bench 2>&1 | tail -n 1
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# BENCH_SECTIONS picks what runs after the baseline (default: all of them but `scale`,
# which seeds for a quarter of an hour and runs only when named).
section() { [[ " ${BENCH_SECTIONS:-accounts catalogue applications callbacks back_office cluster} " == *" $1 "* ]]; }
bin=target/release
data=$(mktemp -d)
pg_admin=${HUDUMA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
# PostgreSQL databases to drop on exit (the scale section's).
drop_dbs=()
cleanup() {
  kill "${hello:-}" "${huduma:-}" 2>/dev/null || true
  for db in "${drop_dbs[@]}"; do psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true; done
  rm -rf "$data"
}
trap cleanup EXIT

# wrk's summary: requests/s and p99 latency in ms.
measure() { # url connections [script]
  local out; out=$(wrk -t2 -c"$2" -d"${DURATION}s" --latency ${3:+-s "$3"} "$1")
  local rps p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  echo "$rps $p99"
}
# Whether a page answers and shows `pattern`. The page is read whole before grep looks:
# piped into `grep -q`, curl is cut off when grep stops early and fails under pipefail.
shows() { # pattern curl-arguments…
  local pattern=$1 body; shift
  body=$(curl -fs "$@") && grep -Eq "$pattern" <<<"$body"
}
# wrk scripts. GET `path` round-robin over the session tokens of a file, one per line.
session_lua() { # out path cookie-name tokens-file
  cat >"$1" <<LUA
local t = {}
for line in io.lines("$4") do t[#t + 1] = line end
local i = 0
request = function() i = i + 1; return wrk.format("GET", "$2", {["Cookie"] = "$3=" .. t[(i % #t) + 1]}) end
LUA
}
# POST /api/v1/track round-robin over "reference document-number" lines of a file.
track_lua() { # out track-file
  cat >"$1" <<LUA
local b = {}
for line in io.lines("$2") do
  local r, d = line:match("(%S+) (%S+)")
  b[#b + 1] = '{"reference":"' .. r .. '","document_number":"' .. d .. '"}'
end
local i = 0
request = function() i = i + 1; return wrk.format("POST", "/api/v1/track", {["Content-Type"] = "application/json"}, b[(i % #b) + 1]) end
LUA
}
wait_up() { for _ in $(seq 1 100); do curl -fs "$1" >/dev/null && return 0; sleep 0.1; done; echo "server at $1 did not start" >&2; exit 1; }

# One verified account (bench@example.com) for the sign-in benchmarks, through the API
# at $1 and the codes the sandbox shows at $2.
register_bench_account() {
python3 - "$1" "$2" <<'PY'
import json, re, time, urllib.request
import sys
base, messages = sys.argv[1], sys.argv[2]
def post(path, body):
    req = urllib.request.Request(base + path, json.dumps(body).encode(), {"content-type": "application/json"})
    return json.load(urllib.request.urlopen(req))
def code(to):
    for _ in range(100):
        for m in json.load(urllib.request.urlopen(messages)):
            if m["recipient"] == to:
                found = re.search(r"\b\d{6}\b", m["body"])
                if found: return found.group(0)
        time.sleep(0.1)
    raise SystemExit("no code for " + to)
s = post("/api/v1/registrations", {"account_type": "citizen", "document_number": "12345678", "first_name": "Wanjiku", "year_of_birth": "1990"})
d = post("/api/v1/registrations/details", {"registration_token": s["registration_token"], "phone": "0712345678", "email": "bench@example.com", "password": "mango tree by the river", "password_confirmation": "mango tree by the river"})
post("/api/v1/verifications/check", {"verification_token": d["verification_token"], "channel": "sms", "code": code("+254712345678")})
post("/api/v1/verifications/check", {"verification_token": d["verification_token"], "channel": "email", "code": code("bench@example.com")})
PY
}

"$bin/examples/hello_baseline" 127.0.0.1:8181 & hello=$!
wait_up http://127.0.0.1:8181/
read -r base_rps base_p99 < <(measure http://127.0.0.1:8181/ 64)
read -r base32_rps base32_p99 < <(measure http://127.0.0.1:8181/ 32)
kill "$hello"; wait "$hello" 2>/dev/null || true; hello=

if section accounts; then
HUDUMA_DATA_DIR="$data" HUDUMA_LISTEN=127.0.0.1:8182 HUDUMA_RATE_LIMITS=false RUST_LOG=warn "$bin/huduma" serve >"$data/log" 2>&1 & huduma=$!
wait_up http://127.0.0.1:8182/healthz
curl -fs http://127.0.0.1:8182/ >/dev/null
sleep 1
idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$huduma/status")
read -r home_rps home_p99 < <(measure http://127.0.0.1:8182/ 64)
read -r health_rps health_p99 < <(measure http://127.0.0.1:8182/healthz 64)

register_bench_account http://127.0.0.1:8182 http://127.0.0.1:8182/sandbox/messages.json
cat >"$data/signin.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"identifier":"bench@example.com","password":"mango tree by the river"}'
LUA
read -r signin_rps signin_p99 < <(measure http://127.0.0.1:8182/api/v1/sign-in 8 "$data/signin.lua")
ok=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d '{"identifier":"bench@example.com","password":"mango tree by the river"}' http://127.0.0.1:8182/api/v1/sign-in)
[ "$ok" = 200 ] || { echo "sign-in benchmark request failed: $ok" >&2; exit 1; }
argon=$("$bin/examples/argon2_rate" "$DURATION")

sleep 2
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$huduma/status")

weight() { # path -> gzip bytes of the page plus its stylesheet
  local html css
  html=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "http://127.0.0.1:8182$1")
  css=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' http://127.0.0.1:8182/static/huduma.css)
  echo $((html + css))
}

cat <<EOF_TABLE
| Measure (${DURATION}s each, $(nproc) cores) | Value | Ratio / target |
|---|---|---|
| Baseline B: axum hello-world, 64 connections | ${base_rps} req/s, p99 ${base_p99} ms | 1.00 |
| Home page \`/\`, 64 connections | ${home_rps} req/s, p99 ${home_p99} ms | $(ratio "$home_rps" "$base_rps") · B (target ≥ 0.25), p99 target ≤ 10 ms |
| \`/healthz\`, 64 connections | ${health_rps} req/s, p99 ${health_p99} ms | $(ratio "$health_rps" "$base_rps") · B |
| Argon2id verifications alone (19 MiB, 2 passes, all cores) | ${argon} /s | ceiling |
| Sign-in password step \`POST /api/v1/sign-in\`, 8 connections | ${signin_rps} /s, p99 ${signin_p99} ms | $(ratio "$signin_rps" "$argon") of the ceiling (target ≥ 0.90) |
| Idle memory after start-up | $((idle_kb / 1024)) MB RSS | target ≤ 50 MB |
| Memory after all the runs above | $((rss_kb / 1024)) MB RSS | |
EOF_TABLE
echo
echo "| Page (gzip, HTML + CSS, no script) | Bytes |"
echo "|---|---|"
for page in / /register /register/identity?type=citizen /sign-in /forgot-password /sandbox/messages; do
  echo "| \`$page\` | $(weight "$page") |"
done

kill "$huduma"; wait "$huduma" 2>/dev/null || true; huduma=
fi

# --- The catalogue at the size of the real portal ----------------------------------------
if section catalogue; then
synthetic="$data/synthetic"
stats=$("$bin/examples/catalogue_bench" catalogue "$synthetic")
get() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$stats"; }
import=$(python3 - "$bin/huduma" "$data/import" "$synthetic" <<'PY'
import os, resource, subprocess, sys, time
binary, data, folder = sys.argv[1:]
env = dict(os.environ, HUDUMA_DATA_DIR=data, RUST_LOG="warn")
start = time.monotonic()
subprocess.run([binary, "catalogue", "import", folder], check=True, env=env, stdout=subprocess.DEVNULL)
print(f"{time.monotonic() - start:.1f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}")
PY
)
read -r import_s import_mb <<<"$import"
HUDUMA_DATA_DIR="$data/import" HUDUMA_CATALOGUE_DIR="$synthetic" HUDUMA_LISTEN=127.0.0.1:8183 HUDUMA_RATE_LIMITS=false RUST_LOG=warn "$bin/huduma" serve >"$data/log2" 2>&1 & huduma=$!
for _ in $(seq 1 600); do curl -fs http://127.0.0.1:8183/healthz >/dev/null && break; sleep 0.2; done
serving_kb=$(awk '/VmRSS/ {print $2}' "/proc/$huduma/status")
# A realistic mix: the search-quality queries (English, Kiswahili, typos, abbreviations),
# round-robin; and the same mix made unique per request, so no answer is ever cached.
python3 - "$data" <<'PY'
import re, sys
src = open("crates/huduma/tests/it/search_quality.rs").read()
queries = [q.replace(" ", "+") for q, _ in re.findall(r'\("([^"]+)", "([^"]+)"\)', src)]
lua = "local q = {" + ",".join('"%s"' % q for q in queries) + "}\nlocal i = 0\n"
open(sys.argv[1] + "/search-mix.lua", "w").write(lua + 'request = function() i = i + 1; return wrk.format("GET", "/search?q=" .. q[(i % #q) + 1]) end\n')
open(sys.argv[1] + "/search-unique.lua", "w").write(lua + 'request = function() i = i + 1; return wrk.format("GET", "/search?q=" .. q[(i % #q) + 1] .. "+" .. math.random(1, 1000000000)) end\n')
PY
read -r search_rps search_p99 < <(measure "http://127.0.0.1:8183/" 32 "$data/search-mix.lua")
read -r unique_rps unique_p99 < <(measure "http://127.0.0.1:8183/" 32 "$data/search-unique.lua")
read -r page_rps page_p99 < <(measure "http://127.0.0.1:8183/services/$(get sample_service)" 32)
loaded_kb=$(awk '/VmRSS/ {print $2}' "/proc/$huduma/status")
kill "$huduma"; wait "$huduma" 2>/dev/null || true; huduma=
# A node that finds the catalogue in the database (no folder to import) loads it from there.
HUDUMA_DATA_DIR="$data/import" HUDUMA_CATALOGUE_DIR="$data/no-folder" HUDUMA_LISTEN=127.0.0.1:8183 RUST_LOG=warn "$bin/huduma" serve >"$data/log3" 2>&1 & huduma=$!
for _ in $(seq 1 600); do curl -fs http://127.0.0.1:8183/healthz >/dev/null && break; sleep 0.2; done
from_db_kb=$(awk '/VmRSS/ {print $2}' "/proc/$huduma/status")
kill "$huduma"; wait "$huduma" 2>/dev/null || true; huduma=
cat <<EOF_TABLE

| Catalogue of $(get services) services from $(get agencies) agencies | Value | Ratio / target |
|---|---|---|
| Check all files (in process) | $(get check_ms) ms | |
| Build the search index | $(get index_ms) ms | |
| Memory of entries + index, read a file at a time as a node does (in process) | $(get memory_mb) MB | |
| Search in process, 18 queries × 50 | p50 $(get search_p50_ms) ms, p99 $(get search_p99_ms) ms | target p99 ≤ 5 ms |
| \`huduma catalogue import\` (check + write SQLite) | ${import_s} s, peak ${import_mb} MB RSS | target ≤ 10 s |
| Server RSS after importing it at start-up | $((serving_kb / 1024)) MB | target ≤ 150 MB |
| Server RSS after the three loads below | $((loaded_kb / 1024)) MB | target ≤ 150 MB |
| Server RSS after loading it from the database | $((from_db_kb / 1024)) MB | target ≤ 150 MB |
| Baseline B at 32 connections | ${base32_rps} req/s, p99 ${base32_p99} ms | 1.00 |
| Search over HTTP, 41 real queries round-robin, 32 connections | ${search_rps} req/s, p99 ${search_p99} ms | $(ratio "$search_rps" "$base32_rps") · B; target p99 ≤ 25 ms |
| Search over HTTP, every query unique (never cached), 32 connections | ${unique_rps} req/s, p99 ${unique_p99} ms | $(ratio "$unique_rps" "$base32_rps") · B |
| Service page, 32 connections | ${page_rps} req/s, p99 ${page_p99} ms | $(ratio "$page_rps" "$base32_rps") · B |
EOF_TABLE
fi

# --- Applications at the size of the real portal (issue 4) -------------------------------
# Seeds 10,000 and then 1,000,000 applications (10 per citizen) into fresh SQLite
# databases, serves each, and loads "My applications" (200 signed-in citizens, round-robin)
# and public tracking (references of submitted applications, round-robin); then submits
# 200 police-clearance drafts, each with a 1 MB PDF upload, 8 at a time.
if section applications; then
apps_bench() { # applications -> "mine_rps mine_p99 track_rps track_p99 seed_s db_mb [submit figures]"
  local dir="$data/apps-$1"; mkdir -p "$dir"
  HUDUMA_DATA_DIR="$dir" RUST_LOG=warn "$bin/huduma" migrate >/dev/null
  HUDUMA_DATA_DIR="$dir" RUST_LOG=warn "$bin/huduma" catalogue import catalogue >/dev/null
  local seeded; seeded=$("$bin/examples/applications_bench" seed "sqlite://$dir/huduma.db?mode=rwc" "$1" 10 "$dir")
  local seed_s; seed_s=$(awk '{print $(NF-1)}' <<<"$seeded")
  HUDUMA_DATA_DIR="$dir" HUDUMA_LISTEN=127.0.0.1:8184 HUDUMA_RATE_LIMITS=false HUDUMA_CATALOGUE_DIR=catalogue RUST_LOG=warn "$bin/huduma" serve >"$dir/log" 2>&1 & huduma=$!
  for _ in $(seq 1 300); do curl -fs http://127.0.0.1:8184/healthz >/dev/null && break; sleep 0.2; done
  session_lua "$dir/mine.lua" /applications huduma_session "$dir/cookies.txt"
  track_lua "$dir/track.lua" "$dir/track.txt"
  # Both requests must really succeed, or the figures would measure error pages.
  local token ref doc
  token=$(head -n 1 "$dir/cookies.txt"); read -r ref doc < <(head -n 1 "$dir/track.txt")
  shows 'href="/applications/bench-app-' -H "Cookie: huduma_session=$token" http://127.0.0.1:8184/applications || { echo "My applications did not list the seeded applications" >&2; exit 1; }
  shows '"status":"submitted"' -H 'content-type: application/json' -d "{\"reference\":\"$ref\",\"document_number\":\"$doc\"}" http://127.0.0.1:8184/api/v1/track || { echo "tracking failed" >&2; exit 1; }
  local mine track
  mine=$(measure http://127.0.0.1:8184/ 32 "$dir/mine.lua")
  track=$(measure http://127.0.0.1:8184/ 32 "$dir/track.lua")
  local submit=""
  if [ "${2:-}" = submit ]; then submit=$("$bin/examples/applications_bench" submit http://127.0.0.1:8184 "$dir/drafts.txt" 8); fi
  kill "$huduma"; wait "$huduma" 2>/dev/null || true; huduma=
  echo "$mine $track $seed_s $(( $(stat -c %s "$dir/huduma.db") / 1048576 )) $submit"
}
read -r s_mine_rps s_mine_p99 s_track_rps s_track_p99 s_seed s_db < <(apps_bench 10000)
read -r l_mine_rps l_mine_p99 l_track_rps l_track_p99 l_seed l_db sub_n sub_rps sub_p50 sub_p99 < <(apps_bench "${BENCH_APPLICATIONS:-1000000}" submit)
cat <<EOF_TABLE

| Applications (SQLite, 10 per citizen) | 10,000 applications | ${BENCH_APPLICATIONS:-1000000} applications | Ratio / target |
|---|---|---|---|
| Seeding (rows written in process) | ${s_seed} s, ${s_db} MB | ${l_seed} s, ${l_db} MB | |
| Baseline B at 32 connections | ${base32_rps} req/s, p99 ${base32_p99} ms | | 1.00 |
| "My applications" page, 200 citizens round-robin, 32 connections | ${s_mine_rps} req/s, p99 ${s_mine_p99} ms | ${l_mine_rps} req/s, p99 ${l_mine_p99} ms | $(ratio "$l_mine_rps" "$base32_rps") · B; p99 growth $(ratio "$l_mine_p99" "$s_mine_p99")× (target ≤ 2×, p99 ≤ 10 ms) |
| Public tracking \`POST /api/v1/track\`, 32 connections | ${s_track_rps} req/s, p99 ${s_track_p99} ms | ${l_track_rps} req/s, p99 ${l_track_p99} ms | $(ratio "$l_track_rps" "$base32_rps") · B; p99 growth $(ratio "$l_track_p99" "$s_track_p99")× (target ≤ 2×, p99 ≤ 10 ms) |
| Submissions with a 1 MB PDF upload (upload + submit), 8 at a time | | ${sub_n} in all: ${sub_rps} /s, p50 ${sub_p50} ms, p99 ${sub_p99} ms | target ≥ 200/s |
EOF_TABLE
fi

# --- M-Pesa callback storms (issue 5) ----------------------------------------------------
# 100,000 STK attempts wait for their callbacks; for 60 s, 32 connections post callbacks,
# 30 % of them duplicates of ones already sent; then an SQL audit: every acknowledged
# callback settled, nothing settled twice. Then the same under SIGKILL: 20 rounds of a
# storm with the server killed at a random moment, each round resuming where the last one
# stopped; the audit runs over everything acknowledged in all rounds.
if section callbacks; then
fresh_db() { # backend dir -> database URL
  if [ "$1" = sqlite ]; then echo "sqlite://$2/huduma.db?mode=rwc"; return; fi
  local name="huduma_bench_$(date +%s%N)"
  psql "$pg_admin" -qc "CREATE DATABASE $name" >/dev/null
  echo "${pg_admin%/*}/$name"
}
serve_cb() { # dir url
  HUDUMA_DATA_DIR="$1" DATABASE_URL="$2" HUDUMA_LISTEN=127.0.0.1:8185 HUDUMA_RATE_LIMITS=false HUDUMA_DARAJA_CALLBACK_TOKEN=bench \
    HUDUMA_RECONCILE_SECONDS=3600 RUST_LOG=error "$bin/huduma" serve >>"$1/log" 2>&1 & huduma=$!
  for _ in $(seq 1 300); do curl -fs http://127.0.0.1:8185/healthz >/dev/null && return; sleep 0.1; done
}
storm_bench() { # backend -> "sent acked rps p50 p99 last | acked settled lost double"
  local dir="$data/cb-$1" url; mkdir -p "$dir"; url=$(fresh_db "$1" "$dir")
  HUDUMA_DATA_DIR="$dir" DATABASE_URL="$url" RUST_LOG=warn "$bin/huduma" migrate >/dev/null
  "$bin/examples/callbacks_bench" seed "$url" 100000 >/dev/null
  serve_cb "$dir" "$url"
  local result; result=$("$bin/examples/callbacks_bench" storm http://127.0.0.1:8185/callbacks/mpesa/stk/bench 100000 "${CALLBACK_SECONDS:-60}" 32 30 "$dir")
  kill "$huduma"; wait "$huduma" 2>/dev/null || true; huduma=
  echo "$result $("$bin/examples/callbacks_bench" audit "$url" "$dir")"
}
kill_bench() { # backend -> "rounds acked settled lost double"
  local dir="$data/kill-$1" url resume=0; mkdir -p "$dir"; url=$(fresh_db "$1" "$dir")
  HUDUMA_DATA_DIR="$dir" DATABASE_URL="$url" RUST_LOG=warn "$bin/huduma" migrate >/dev/null
  "$bin/examples/callbacks_bench" seed "$url" 100000 >/dev/null
  for round in $(seq 1 20); do
    serve_cb "$dir" "$url"
    "$bin/examples/callbacks_bench" storm http://127.0.0.1:8185/callbacks/mpesa/stk/bench 100000 4 32 30 "$dir" "$resume" >"$dir/round" &
    local storm=$!
    sleep "$(awk -v r="$RANDOM" 'BEGIN {printf "%.2f", 0.3 + (r % 250) / 100}')"
    kill -9 "$huduma"; wait "$huduma" 2>/dev/null || true; huduma=
    wait "$storm"
    resume=$(awk '{print $6}' "$dir/round")
  done
  echo "20 $("$bin/examples/callbacks_bench" audit "$url" "$dir")"
}
read -r sq_sent sq_acked sq_rps sq_p50 sq_p99 _ sq_a sq_settled sq_lost sq_double < <(storm_bench sqlite)
read -r pg_sent pg_acked pg_rps pg_p50 pg_p99 _ pg_a pg_settled pg_lost pg_double < <(storm_bench postgres)
read -r k_rounds k_acked k_settled k_lost k_double < <(kill_bench sqlite)
read -r kp_rounds kp_acked kp_settled kp_lost kp_double < <(kill_bench postgres)
cat <<EOF_TABLE

| M-Pesa callbacks, 32 connections, 30 % duplicates, ${CALLBACK_SECONDS:-60} s | SQLite (WAL, group commit) | PostgreSQL | Target |
|---|---|---|---|
| Baseline B at 32 connections | ${base32_rps} req/s | | 1.00 |
| Callbacks acknowledged per second | ${sq_rps} /s ($(ratio "$sq_rps" "$base32_rps") · B) | ${pg_rps} /s ($(ratio "$pg_rps" "$base32_rps") · B) | ≥ 1,000 /s |
| Latency p50 / p99 | ${sq_p50} / ${sq_p99} ms | ${pg_p50} / ${pg_p99} ms | p99 ≤ 50 ms |
| Sent / acknowledged | ${sq_sent} / ${sq_acked} | ${pg_sent} / ${pg_acked} | |
| Audit: distinct acknowledged / settled / lost / double-settled | ${sq_a} / ${sq_settled} / ${sq_lost} / ${sq_double} | ${pg_a} / ${pg_settled} / ${pg_lost} / ${pg_double} | 0 lost, 0 double |
| SIGKILL during storms (20 rounds): acknowledged / settled / lost / double | ${k_acked} / ${k_settled} / ${k_lost} / ${k_double} | ${kp_acked} / ${kp_settled} / ${kp_lost} / ${kp_double} | 0 lost, 0 double |
EOF_TABLE
fi

# --- The agency back office (issue 6) -----------------------------------------------------
# Seeds 1,000,000 applications across 50 agencies (30 % open in the queues) into SQLite,
# serves it, and loads the work queue of the 50 agencies' officers round-robin (plain and
# filtered to overdue); then times the dashboard's queries and the certificate PDF rate.
if section back_office; then
bo_dir="$data/back-office"; mkdir -p "$bo_dir"
HUDUMA_DATA_DIR="$bo_dir" RUST_LOG=warn "$bin/huduma" migrate >/dev/null
HUDUMA_DATA_DIR="$bo_dir" RUST_LOG=warn "$bin/huduma" catalogue import catalogue >/dev/null
bo_db="sqlite://$bo_dir/huduma.db?mode=rwc"
bo_seed=$("$bin/examples/back_office_bench" seed "$bo_db" "${BENCH_BACK_OFFICE_APPLICATIONS:-1000000}" 50 "$bo_dir" | awk '{print $(NF-1)}')
HUDUMA_DATA_DIR="$bo_dir" HUDUMA_LISTEN=127.0.0.1:8186 HUDUMA_RATE_LIMITS=false HUDUMA_CATALOGUE_DIR=catalogue RUST_LOG=warn "$bin/huduma" serve >"$bo_dir/log" 2>&1 & huduma=$!
for _ in $(seq 1 300); do curl -fs http://127.0.0.1:8186/healthz >/dev/null && break; sleep 0.2; done
session_lua "$bo_dir/queue-plain.lua" /staff huduma_staff "$bo_dir/officers.txt"
session_lua "$bo_dir/queue-overdue.lua" "/staff?sla=overdue" huduma_staff "$bo_dir/officers.txt"
token=$(head -n 1 "$bo_dir/officers.txt")
shows 'href="/staff/applications/A' -H "Cookie: huduma_staff=$token" http://127.0.0.1:8186/staff || { echo "the work queue did not list the seeded applications" >&2; exit 1; }
read -r q_rps q_p99 < <(measure http://127.0.0.1:8186/ 32 "$bo_dir/queue-plain.lua")
read -r o_rps o_p99 < <(measure http://127.0.0.1:8186/ 32 "$bo_dir/queue-overdue.lua")
read -r q8_rps q8_p99 < <(measure http://127.0.0.1:8186/ 8 "$bo_dir/queue-plain.lua")
kill "$huduma"; wait "$huduma" 2>/dev/null || true; huduma=
read -r d_median d_worst d_services < <("$bin/examples/back_office_bench" dashboard "$bo_db" bench-agency-07 20)
read -r pdf_rate pdf_threads < <("$bin/examples/back_office_bench" certificates "$DURATION")
cat <<EOF_TABLE

| Back office (SQLite, ${BENCH_BACK_OFFICE_APPLICATIONS:-1000000} applications, 50 agencies) | Value | Ratio / target |
|---|---|---|
| Seeding | ${bo_seed} s, $(( $(stat -c %s "$bo_dir/huduma.db") / 1048576 )) MB | |
| Baseline B at 32 connections | ${base32_rps} req/s, p99 ${base32_p99} ms | 1.00 |
| Work queue \`/staff\`, 50 officers round-robin, 32 connections | ${q_rps} req/s, p99 ${q_p99} ms | $(ratio "$q_rps" "$base32_rps") · B; p99 target ≤ 20 ms |
| Work queue filtered to overdue | ${o_rps} req/s, p99 ${o_p99} ms | $(ratio "$o_rps" "$base32_rps") · B |
| Work queue, 8 connections | ${q8_rps} req/s, p99 ${q8_p99} ms | $(ratio "$q8_rps" "$base_rps") · B (64-connection baseline) |
| Dashboard queries, one agency (~20,000 applications), 30 days, ${d_services} services | median ${d_median} ms, worst ${d_worst} ms | target ≤ 200 ms |
| Certificate PDFs (template, serial, QR), ${pdf_threads} threads | ${pdf_rate} /s | |
EOF_TABLE
fi

# --- Through HAProxy: 3 nodes behind the load balancer vs 1 node directly ----------------
# The rehearsal cluster (scripts/cluster.sh, release build, PostgreSQL, s3s-fs). Both
# paths are measured in the same run, alternating, against the same nodes: on a machine
# with two cores this shows what the load balancer costs, not how nodes scale (three nodes
# share the same two cores as one).
if section cluster; then
cluster_dir="$data/cluster"
export HUDUMA_CLUSTER_DIR="$cluster_dir" HUDUMA_CLUSTER_PORT=8280 HUDUMA_CLUSTER_DATABASE=huduma_cluster_bench
HUDUMA_CLUSTER_FRESH=1 HUDUMA_CLUSTER_OBJECTS=s3s-fs HUDUMA_RATE_LIMITS=false RUST_LOG=warn bash scripts/cluster.sh start >"$data/cluster.log" 2>&1
trap 'bash scripts/cluster.sh stop >/dev/null 2>&1; cleanup' EXIT
register_bench_account http://127.0.0.1:8280 http://127.0.0.1:8290/sandbox/messages.json
cat >"$data/cluster-signin.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"identifier":"bench@example.com","password":"mango tree by the river"}'
LUA
lb=http://127.0.0.1:8280 direct=http://127.0.0.1:8281
read -r d_home d_home_p99 < <(measure "$direct/" 64)
read -r l_home l_home_p99 < <(measure "$lb/" 64)
read -r d_signin d_signin_p99 < <(measure "$direct/api/v1/sign-in" 8 "$data/cluster-signin.lua")
read -r l_signin l_signin_p99 < <(measure "$lb/api/v1/sign-in" 8 "$data/cluster-signin.lua")
read -r d_home2 d_home2_p99 < <(measure "$direct/" 64)
read -r l_home2 l_home2_p99 < <(measure "$lb/" 64)
bash scripts/cluster.sh stop >/dev/null 2>&1
cat <<EOF_TABLE

| Through HAProxy (3 nodes, PostgreSQL) vs node1 directly, same run | Direct | Through HAProxy | Ratio (HAProxy / direct) |
|---|---|---|---|
| Home page, 64 connections (first, second round) | ${d_home}, ${d_home2} req/s; p99 ${d_home_p99}, ${d_home2_p99} ms | ${l_home}, ${l_home2} req/s; p99 ${l_home_p99}, ${l_home2_p99} ms | $(ratio "$l_home" "$d_home"), $(ratio "$l_home2" "$d_home2") |
| Sign-in (password step, Argon2id), 8 connections | ${d_signin} req/s, p99 ${d_signin_p99} ms | ${l_signin} req/s, p99 ${l_signin_p99} ms | $(ratio "$l_signin" "$d_signin") |
EOF_TABLE
fi

# --- 10 million applications on PostgreSQL (issue 16) ------------------------------------
# Only when named: BENCH_SECTIONS=scale. For 10,000 applications and then for
# BENCH_SCALE_APPLICATIONS (default 10,000,000): a fresh database, migrated and with the
# bundled catalogue, seeded in SQL on the server (scripts/bench/scale-seed.sql: citizens
# with 10 applications each, 30 % open in the queues of 50 agencies, drafts, submitted ones
# with a reference and a timeline line); one release node serves it and wrk loads public
# tracking (2,000 random references round-robin), "My applications" (200 signed-in citizens
# round-robin) and the work queue (50 officers round-robin; plain and overdue). The small
# database shows what PostgreSQL costs per request on this machine, the large one what
# size adds. The databases are dropped at the end, unless BENCH_SCALE_KEEP=1;
# BENCH_SCALE_REUSE=1 measures kept ones again (after `huduma migrate`, so a new
# migration's indexes are in place).
if section scale; then
scale_run() { # applications -> "seed_s db_mb apps_mb apps_index_mb events_mb rows open references t_rps t_p99 m_rps m_p99 w_rps w_p99 v_rps v_p99"
  local apps=$1 name="huduma_scale_bench_$1" dir="$data/scale-$1"; mkdir -p "$dir"
  local url="${pg_admin%/*}/$name" seed_s=-
  [ "${BENCH_SCALE_KEEP:-}" = 1 ] || drop_dbs+=("$name")
  local env=(HUDUMA_DATA_DIR="$dir" DATABASE_URL="$url" HUDUMA_CATALOGUE_DIR=catalogue RUST_LOG=warn)
  if [ "${BENCH_SCALE_REUSE:-}" = 1 ]; then
    env "${env[@]}" "$bin/huduma" migrate >/dev/null
  else
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -qc "CREATE DATABASE $name" >/dev/null
    env "${env[@]}" "$bin/huduma" migrate >/dev/null
    env "${env[@]}" "$bin/huduma" catalogue import catalogue >/dev/null
    # The county names the queue filters on, from the domain's own list.
    local counties started
    counties=$(sed -n '/COUNTIES: \[/,/\];/p' crates/domain/src/county.rs | grep -o '"[^"]*"' | tr -d '"' | paste -sd,)
    started=$(date +%s.%N)
    psql "$url" -q -v applications="$apps" -v agencies=50 -v counties="$counties" -f scripts/bench/scale-seed.sql >"$dir/seed.log"
    seed_s=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')
  fi
  local sizes rows
  sizes=$(psql "$url" -At -F ' ' -c "SELECT pg_database_size(current_database()) / 1048576, pg_table_size('applications') / 1048576, \
    pg_indexes_size('applications') / 1048576, pg_total_relation_size('application_events') / 1048576")
  rows=$(psql "$url" -At -F ' ' -c "SELECT count(*), count(queue_agency) FROM applications")
  psql "$url" -q -v citizens=$(( (apps + 9) / 10 )) -v cookies="$dir/cookies.txt" -v officers="$dir/officers.txt" \
    -v track="$dir/track.txt" -f scripts/bench/scale-sessions.sql
  env "${env[@]}" HUDUMA_LISTEN=127.0.0.1:8187 HUDUMA_RATE_LIMITS=false "$bin/huduma" serve >"$dir/log" 2>&1 & huduma=$!
  for _ in $(seq 1 300); do curl -fs http://127.0.0.1:8187/healthz >/dev/null && break; sleep 0.2; done
  # The jobs' first sweep at start-up (escalations of overdue applications, status checks)
  # settles before the load starts.
  sleep 5
  track_lua "$dir/track.lua" "$dir/track.txt"
  session_lua "$dir/mine.lua" /applications huduma_session "$dir/cookies.txt"
  local page path
  for page in plain overdue; do
    path=/staff; [ "$page" = overdue ] && path="/staff?sla=overdue"
    session_lua "$dir/queue-$page.lua" "$path" huduma_staff "$dir/officers.txt"
  done
  # Every page must really show seeded data, or the figures would measure empty or error
  # pages.
  local ref doc
  read -r ref doc < <(head -n 1 "$dir/track.txt")
  shows '"status":"(submitted|more_information_needed|issued)"' -H 'content-type: application/json' \
    -d "{\"reference\":\"$ref\",\"document_number\":\"$doc\"}" http://127.0.0.1:8187/api/v1/track || { echo "scale: tracking $ref failed" >&2; exit 1; }
  shows 'href="/applications/bench-app-' -H "Cookie: huduma_session=$(head -n 1 "$dir/cookies.txt")" http://127.0.0.1:8187/applications \
    || { echo "scale: My applications did not list the seeded applications" >&2; exit 1; }
  for path in /staff "/staff?sla=overdue"; do
    shows 'href="/staff/applications/A' -H "Cookie: huduma_staff=$(head -n 1 "$dir/officers.txt")" "http://127.0.0.1:8187$path" \
      || { echo "scale: the work queue $path did not list the seeded applications" >&2; exit 1; }
  done
  local track mine queue overdue
  track=$(measure http://127.0.0.1:8187/ 32 "$dir/track.lua")
  mine=$(measure http://127.0.0.1:8187/ 32 "$dir/mine.lua")
  queue=$(measure http://127.0.0.1:8187/ 32 "$dir/queue-plain.lua")
  overdue=$(measure http://127.0.0.1:8187/ 32 "$dir/queue-overdue.lua")
  kill "$huduma"; wait "$huduma" 2>/dev/null || true; huduma=
  echo "$seed_s $sizes $rows $(wc -l <"$dir/track.txt") $track $mine $queue $overdue"
}
meets() { awk -v v="$1" -v t="$2" 'BEGIN {print (v <= t) ? "✓" : "✗ missed"}'; }
# Not in a subshell: the databases to drop are recorded in drop_dbs.
scale_run 10000 >"$data/scale-small"
scale_run "${BENCH_SCALE_APPLICATIONS:-10000000}" >"$data/scale-large"
read -r _ s_db _ _ _ s_rows s_open _ s_t_rps s_t_p99 s_m_rps s_m_p99 s_w_rps s_w_p99 s_v_rps s_v_p99 <"$data/scale-small"
read -r l_seed l_db l_apps l_idx l_events l_rows l_open l_refs l_t_rps l_t_p99 l_m_rps l_m_p99 l_w_rps l_w_p99 l_v_rps l_v_p99 <"$data/scale-large"
cat <<EOF_TABLE

| PostgreSQL, one node, 50 agencies, 10 applications per citizen | ${s_rows} applications | ${l_rows} applications (${l_open} open in queues) | Ratio / target at ${l_rows} |
|---|---|---|---|
| Seeding in SQL on the server (scripts/bench/scale-seed.sql) | | ${l_seed} s | |
| Database size | ${s_db} MB | ${l_db} MB (applications ${l_apps} MB + its indexes ${l_idx} MB; timeline ${l_events} MB) | |
| Baseline B at 32 connections | ${base32_rps} req/s, p99 ${base32_p99} ms | | 1.00 |
| Public tracking \`POST /api/v1/track\`, ${l_refs} random references round-robin, 32 connections | ${s_t_rps} req/s, p99 ${s_t_p99} ms | ${l_t_rps} req/s, p99 ${l_t_p99} ms | $(ratio "$l_t_rps" "$base32_rps") · B; p99 growth $(ratio "$l_t_p99" "$s_t_p99")×; target ≤ 10 ms $(meets "$l_t_p99" 10) |
| "My applications" \`/applications\`, 200 citizens round-robin, 32 connections | ${s_m_rps} req/s, p99 ${s_m_p99} ms | ${l_m_rps} req/s, p99 ${l_m_p99} ms | $(ratio "$l_m_rps" "$base32_rps") · B; p99 growth $(ratio "$l_m_p99" "$s_m_p99")×; target ≤ 10 ms $(meets "$l_m_p99" 10) |
| Work queue \`/staff\`, 50 officers round-robin, 32 connections | ${s_w_rps} req/s, p99 ${s_w_p99} ms | ${l_w_rps} req/s, p99 ${l_w_p99} ms | $(ratio "$l_w_rps" "$base32_rps") · B; p99 growth $(ratio "$l_w_p99" "$s_w_p99")×; target ≤ 20 ms $(meets "$l_w_p99" 20) |
| Work queue filtered to overdue, 32 connections | ${s_v_rps} req/s, p99 ${s_v_p99} ms | ${l_v_rps} req/s, p99 ${l_v_p99} ms | $(ratio "$l_v_rps" "$base32_rps") · B; p99 growth $(ratio "$l_v_p99" "$s_v_p99")×; target ≤ 20 ms $(meets "$l_v_p99" 20) |
EOF_TABLE
fi
