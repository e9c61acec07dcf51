#!/usr/bin/env bash
# Portico's benchmarks. Every load figure comes from ../shared/bench/run-baselines.sh
# with Portico as its EXTRA row, so the floors (bare hyper, bare Node) and
# serverless-offline are measured in the same run and ratios are meaningful.
#
#   bench/run.sh [invoke|gateway|access|cold|infra|memory|up|all]     (default: all)
#
# Knobs: OUT (results dir), DURATION (wrk run, default 5s), REPS (default 3),
# PORT (default 18500). Results: one folder per row under $OUT, each with the
# summarize.py tables in summary.md; cold starts and infra timings in $OUT/*.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=$ROOT/../shared/bench
OUT=${OUT:-/tmp/portico-bench/$(date +%Y%m%d-%H%M%S)}
PORT=${PORT:-18500}
export DURATION=${DURATION:-5s} REPS=${REPS:-3} COLD=0
what=${1:-all}
BIN=$ROOT/target/release/portico
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
mkdir -p "$OUT"

log "building portico (release) and the Rust fixture function"
(cd "$ROOT" && cargo build --release --quiet -p portico)
CARGO_TARGET_DIR=$ROOT/target/fixtures cargo build --release --quiet \
  --manifest-path "$ROOT/crates/cli/tests/fixtures/rust-fn/Cargo.toml"

# The project: trivial Node, Python and Rust functions, an echo function and a REST API.
WORK=$OUT/project
rm -rf "$WORK" && cp -r "$ROOT/bench/project" "$WORK"
mkdir -p "$WORK/functions/rust"
cp "$ROOT/target/fixtures/release/portico-fixture-rust-fn" "$WORK/functions/rust/bootstrap"
(cd "$WORK" && "$BIN" deploy >/dev/null 2>&1 && "$BIN" infra apply -auto-approve >"$OUT/apply.txt")
API=$(grep -o '_aws/execute-api/[a-z0-9]*/bench' "$OUT/apply.txt" | head -1 | cut -d/ -f3)
STAGE=http://127.0.0.1:$PORT/_aws/execute-api/$API/bench
log "project ready in $WORK, API $API"

row() { # name targets conns url [method body headers]
  local name=$1 targets=$2 conns=$3 url=$4 method=${5:-GET} body=${6:-} headers=${7:-}
  log "row $name: $method $url against $targets"
  OUT=$OUT/$name TARGETS="$targets" CONNS="$conns" EXTRA_NAME=portico EXTRA_URL=$url \
    EXTRA_METHOD=$method EXTRA_BODY=$body EXTRA_HEADERS=$headers \
    EXTRA_CMD="$BIN -C $WORK serve --port $PORT" bash "$SHARED/run-baselines.sh" >"$OUT/$name.log" 2>&1
  python3 "$SHARED/lib/summarize.py" "$OUT/$name" >"$OUT/$name/summary.md"
}

invoke_rows() {
  local f
  for f in node python rust; do
    local targets="hyper node"
    [[ $f == node ]] && targets="hyper node sls-inproc"
    row "invoke-$f" "$targets" "1 8 16" "http://127.0.0.1:$PORT/2015-03-31/functions/bench_$f/invocations" POST '{}'
  done
}

gateway_rows() {
  row gateway-mock "hyper node sls-inproc" "1 16" "$STAGE/mock"
  row gateway-node-proxy "hyper node sls-inproc" "1 16" "$STAGE/node"
  row gateway-echo-templates "hyper node sls-inproc" "1 16" "$STAGE/echo" POST '{"a":1}' 'Content-Type: application/json'
}

# Cold starts: with an idle timeout of 0 the reaper stops every idle
# environment each second, so an invoke 1.3 s after the previous one finds no
# warm environment; the figure is the client's time for that invoke.
cold_starts() {
  PORTICO_IDLE_TIMEOUT_SECS=0 "$BIN" -C "$WORK" serve --port "$PORT" >"$OUT/cold-serve.log" 2>&1 &
  local pid=$!
  sleep 1
  python3 - "$PORT" >"$OUT/cold.md" <<'PY'
import json, statistics, sys, time, urllib.request
port = sys.argv[1]
print("| function | runs | cold invoke p50 ms | min ms | max ms | warm invoke p50 ms |")
print("|---|---:|---:|---:|---:|---:|")
def call(fn):
    t = time.perf_counter()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/2015-03-31/functions/bench_{fn}/invocations", data=b"{}", method="POST")
    urllib.request.urlopen(req).read()
    return (time.perf_counter() - t) * 1000
for fn in ("node", "python", "rust"):
    cold, warm = [], []
    for _ in range(12):
        time.sleep(1.3)
        cold.append(call(fn))
        warm.append(call(fn))
    print(f"| {fn} | {len(cold)} | {statistics.median(cold):.1f} | {min(cold):.1f} | {max(cold):.1f} | {statistics.median(warm):.2f} |")
PY
  kill -TERM $pid; wait $pid || true
  cat "$OUT/cold.md"
}

# Plan and apply times: the walkthrough's step 3 and a generated API of 200
# resources, each with a method, an integration and responses.
infra_times() {
  local gen=$OUT/infra-200
  rm -rf "$gen" && mkdir -p "$gen/infrastructure"
  echo '{"name": "gen"}' >"$gen/project.json"
  python3 - "$gen/infrastructure/api.tf" <<'PY'
import sys
out = ['resource "aws_api_gateway_rest_api" "api" {\n  name = "gen"\n}\n']
for i in range(200):
    out.append(f'''
resource "aws_api_gateway_resource" "r{i}" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "r{i}"
}}
resource "aws_api_gateway_method" "m{i}" {{
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.r{i}.id
  http_method   = "GET"
  authorization = "NONE"
}}
resource "aws_api_gateway_integration" "i{i}" {{
  rest_api_id       = aws_api_gateway_rest_api.api.id
  resource_id       = aws_api_gateway_resource.r{i}.id
  http_method       = aws_api_gateway_method.m{i}.http_method
  type              = "MOCK"
  request_templates = {{ "application/json" = "{{\\"statusCode\\": 200}}" }}
}}
resource "aws_api_gateway_method_response" "mr{i}" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.r{i}.id
  http_method = aws_api_gateway_method.m{i}.http_method
  status_code = "200"
}}
resource "aws_api_gateway_integration_response" "ir{i}" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.r{i}.id
  http_method = aws_api_gateway_method.m{i}.http_method
  status_code = aws_api_gateway_method_response.mr{i}.status_code
  depends_on  = [aws_api_gateway_integration.i{i}]
}}
''')
out.append('''
resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  stage_name  = "gen"
  depends_on  = [''' + ", ".join(f"aws_api_gateway_integration_response.ir{i}" for i in range(200)) + ''']
}
''')
open(sys.argv[1], "w").write("".join(out))
PY
  local wt=$OUT/walkthrough
  rm -rf "$wt" && mkdir -p "$wt/infrastructure"
  cp -r "$ROOT/../shared/acceptance/seed-walkthrough/"{project.json,functions} "$wt/" && chmod -R u+w "$wt"
  cp "$ROOT/../shared/acceptance/seed-walkthrough/steps/3-error-mapping/"*.tf "$wt/infrastructure/"
  (cd "$wt" && "$BIN" deploy >/dev/null 2>&1)
  ms() { local t0; t0=$(date +%s%N); "$@" >/dev/null 2>&1; echo $((($(date +%s%N) - t0) / 1000000)); }
  {
    echo "| configuration | resources | plan ms (median of 5, empty state) | apply ms (first) | re-plan ms (median of 5, applied) |"
    echo "|---|---:|---:|---:|---:|"
    for d in "$wt" "$gen"; do
      local plans=() replans=() apply n
      for _ in 1 2 3 4 5; do plans+=("$(ms "$BIN" -C "$d" infra plan)"); done
      apply=$(ms "$BIN" -C "$d" infra apply -auto-approve)
      for _ in 1 2 3 4 5; do replans+=("$(ms "$BIN" -C "$d" infra plan)"); done
      n=$("$BIN" -C "$d" infra state list | wc -l)
      med() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
      echo "| $(basename "$d") | $n | $(med "${plans[@]}") | $apply | $(med "${replans[@]}") |"
    done
  } >"$OUT/infra.md"
  cat "$OUT/infra.md"
}

# Memory after a 1-connection load: the server plus every process it started
# (one warm Node environment), as resident set sizes summed from /proc.
memory_after_c1() {
  "$BIN" -C "$WORK" serve --port "$PORT" >"$OUT/mem-serve.log" 2>&1 &
  local pid=$! url=$STAGE/node
  sleep 1
  wrk -t1 -c1 -d"$DURATION" "$url" >"$OUT/mem-wrk.txt"
  local kb=0 n=0 p
  for p in $pid $(pgrep -P "$pid"); do
    kb=$((kb + $(awk '/^VmRSS:/{print $2}' "/proc/$p/status"))); n=$((n + 1))
  done
  kill -TERM "$pid"; wait "$pid" || true
  printf '| processes | RSS MiB (sum) | requests/s during the load |\n|---:|---:|---:|\n| %s | %.1f | %s |\n' \
    "$n" "$(awk -v kb="$kb" 'BEGIN{print kb / 1024}')" "$(awk '/Requests\/sec/{print $2}' "$OUT/mem-wrk.txt")" >"$OUT/memory.md"
  cat "$OUT/memory.md"
}

# `portico up` on examples/github-status: start to first answer, save to new code answering.
up_times() {
  python3 "$ROOT/bench/up_timing.py" "$BIN" 5 >"$OUT/up.md"
  cat "$OUT/up.md"
}

# The overhead of a cached TOKEN authorizer and of an API-key check on the
# MOCK path, as ratios to the same MOCK route without them, in one run: wrk
# alternates between the three routes (3 repetitions at 1 and 16 connections).
access_overhead() {
  "$BIN" -C "$WORK" serve --port "$PORT" >"$OUT/access-serve.log" 2>&1 &
  local pid=$!
  sleep 1
  python3 - "$STAGE" "$DURATION" >"$OUT/access.md" <<'PY'
import re, statistics, subprocess, sys
stage, duration = sys.argv[1], sys.argv[2]
routes = [("MOCK", "/mock", []), ("MOCK + cached TOKEN authorizer", "/mock-auth", ["-H", "Authorization: allow"]),
          ("MOCK + API key in a usage plan", "/mock-key", ["-H", "x-api-key: bench-key-0123456789abcdef"])]
def wrk(conns, path, headers):
    t = "1" if conns == 1 else "2"
    out = subprocess.run(["wrk", f"-t{t}", f"-c{conns}", f"-d{duration}", "--latency", *headers, stage + path],
                         capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p50 = float(p50.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, int(bad.group(1)) if bad else 0
for _, path, headers in routes:   # warm-up: the authorizer's first call, caches
    wrk(16, path, headers)
results = {}
for rep in range(3):
    for conns in (1, 16):
        for name, path, headers in routes:
            results.setdefault((name, conns), []).append(wrk(conns, path, headers))
print("| route | conns | req/s | p50 ms | × MOCK alone (same run) | non-2xx |")
print("|---|---:|---:|---:|---:|---:|")
for conns in (1, 16):
    base = statistics.median(r[0] for r in results[("MOCK", conns)])
    for name, _, _ in routes:
        rs = results[(name, conns)]
        rps = statistics.median(r[0] for r in rs)
        print(f"| {name} | {conns} | {rps:,.0f} | {statistics.median(r[1] for r in rs):.3f} | {rps / base:.2f} | {sum(r[2] for r in rs)} |")
PY
  kill -TERM "$pid"; wait "$pid" || true
  cat "$OUT/access.md"
}

case $what in
  access) access_overhead ;;
  up) up_times ;;
  memory) memory_after_c1 ;;
  invoke) invoke_rows ;;
  gateway) gateway_rows ;;
  cold) cold_starts ;;
  infra) infra_times ;;
  all) infra_times; cold_starts; up_times; invoke_rows; gateway_rows; access_overhead; memory_after_c1 ;;
  *) echo "usage: bench/run.sh [invoke|gateway|access|cold|infra|memory|up|all]"; exit 2 ;;
esac
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB"
  echo "portico: $(git -C "$ROOT" rev-parse --short HEAD)  node: $(node -v)  python: $(python3 -V)"
} >"$OUT/machine.txt"
log "results in $OUT"
