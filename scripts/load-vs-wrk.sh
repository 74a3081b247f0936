#!/usr/bin/env bash
# Compares preflight's load probe with wrk (and with oha, where it is installed) against the same
# loopback nginx serving a small static file: requests per second, p95 latency and the client's
# CPU time per request, 100 connections for 10 s each, in alternating rounds. Nothing leaves
# 127.0.0.1.
#
# Usage: scripts/load-vs-wrk.sh [ROUNDS]        (3 rounds by default, about 20 s each, 30 with oha)
# Environment: PORT (a free one by default), CONNECTIONS (100), SECONDS_EACH (10),
#              WRK_THREADS (2), NGINX_WORKERS (auto: one per CPU), OHA (the oha binary:
#              `oha` on PATH by default; OHA=none leaves it out), CARGO_TARGET_DIR,
#              PREFLIGHT_BIN (a preflight binary to measure instead of building this tree's).
# Needs wrk, nginx, python3 and GNU time: apt-get install -y wrk nginx-light time
# oha is not a Debian package: `cargo install oha --locked` builds it from crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
connections=${CONNECTIONS:-100}
seconds=${SECONDS_EACH:-10}
wrk_threads=${WRK_THREADS:-2}
nginx_workers=${NGINX_WORKERS:-auto}

for tool in wrk nginx python3; do
  command -v "$tool" >/dev/null || { echo "load-vs-wrk: needs $tool (apt-get install -y wrk nginx-light)" >&2; exit 2; }
done

# PREFLIGHT_BIN measures another build (an older commit's, say) instead of this tree's.
if [[ -n ${PREFLIGHT_BIN:-} ]]; then
  preflight=$PREFLIGHT_BIN
else
  cargo build --release --bin preflight
  preflight=${CARGO_TARGET_DIR:-$PWD/target}/release/preflight
fi
oha=${OHA:-$(command -v oha || true)}
[[ $oha == none ]] && oha=
[[ -n $oha ]] || echo "load-vs-wrk: oha not found (cargo install oha --locked); comparing with wrk only" >&2

dir=$(mktemp -d)
# nginx's workers may run as nobody: they must be able to read the served file.
chmod 755 "$dir"
nginx_pid=
cleanup() {
  if [[ -n $nginx_pid ]]; then
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

port=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
url="http://127.0.0.1:$port/"

# A small static page (about 100 bytes), no access log, keep-alive without a request limit.
mkdir -p "$dir/www"
printf '<!doctype html><title>preflight load test</title><p>ok: a small static file for the load test.\n' >"$dir/www/index.html"
cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $nginx_workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_body_temp_path $dir/tmp-body;
  proxy_temp_path $dir/tmp-proxy;
  fastcgi_temp_path $dir/tmp-fastcgi;
  uwsgi_temp_path $dir/tmp-uwsgi;
  scgi_temp_path $dir/tmp-scgi;
  server {
    listen 127.0.0.1:$port;
    root $dir/www;
    location / { }
  }
}
EOF
nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
nginx_pid=$!
python3 - "$port" <<'EOF'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("load-vs-wrk: nginx did not start; see its error log")
EOF

# wrk prints p50/75/90/99 only: this script reports p95 and the totals in one line.
cat >"$dir/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d duration_us=%d p95_us=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(95),
    e.connect + e.read + e.write + e.status + e.timeout))
end
EOF

cat >"$dir/load.checklist.ron" <<EOF
Template(
  format_version: 1,
  id: "load-vs-wrk",
  title: "Load probe compared with wrk",
  sections: [
    Section(
      id: "load",
      title: "Load",
      items: [
        Item(
          id: "loopback-load",
          text: "The loopback server holds $connections connections for $seconds s",
          kind: Check,
          required: true,
          probe: Some(ProbeSpec(
            kind: Load,
            target: "$url",
            connections: $connections,
            duration_ms: ${seconds}000,
            expect: ["error_rate < 1%"],
          )),
        ),
      ],
    ),
  ],
)
EOF

export PREFLIGHT_HOME="$dir/library" PREFLIGHT_USER=load-vs-wrk

# The CPU time each client used (user + system), when GNU time is there.
timed() {
  local out=$1; shift
  if [[ -x /usr/bin/time ]]; then /usr/bin/time -f "%U %S" -o "$out" "$@"; else echo "nan nan" >"$out"; "$@"; fi
}

run_wrk() {
  echo "+ wrk -t$wrk_threads -c$connections -d${seconds}s --latency $url" >&2
  timed "$dir/wrk.$1.cpu" wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency -s "$dir/report.lua" "$url" >"$dir/wrk.$1.txt"
  python3 - "$dir/wrk.$1.txt" "$1" "$dir/wrk.$1.cpu" >>"$dir/results" <<'EOF'
import sys
line = next(l for l in open(sys.argv[1]) if l.startswith("WRK "))
v = {k: int(x) for k, x in (part.split("=") for part in line.split()[1:])}
cpu = sum(map(float, open(sys.argv[3]).read().split()[-2:]))
print("wrk", sys.argv[2], v["requests"] / (v["duration_us"] / 1e6), v["p95_us"] / 1000, v["errors"], v["requests"], cpu)
EOF
}

run_oha() {
  [[ -n $oha ]] || return 0
  echo "+ oha -c $connections -z ${seconds}s --no-tui --output-format json $url" >&2
  timed "$dir/oha.$1.cpu" "$oha" -c "$connections" -z "${seconds}s" --no-tui --output-format json "$url" >"$dir/oha.$1.json"
  python3 - "$dir/oha.$1.json" "$1" "$dir/oha.$1.cpu" >>"$dir/results" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
ok = sum(int(n) for n in r["statusCodeDistribution"].values())
failed = sum(int(n) for code, n in r["statusCodeDistribution"].items() if int(code) >= 400)
# oha ends a timed run by dropping the requests under way ("aborted due to deadline"); they are
# not counted, as wrk does not count its own.
errors = failed + sum(int(n) for e, n in r["errorDistribution"].items() if "deadline" not in e)
cpu = sum(map(float, open(sys.argv[3]).read().split()[-2:]))
# Completed requests over the run, as wrk and preflight count them (oha's requestsPerSec
# counts the aborted ones too).
print("oha", sys.argv[2], ok / r["summary"]["total"], r["latencyPercentiles"]["p95"] * 1000, errors, ok, cpu)
EOF
}

run_preflight() {
  local run="$dir/load.$1.run.ron"
  "$preflight" run "$dir/load.checklist.ron" -o "$run" >/dev/null
  echo "+ preflight probe $run --json   (Load, $connections connections, $seconds s)" >&2
  timed "$dir/preflight.$1.cpu" "$preflight" probe "$run" --json >"$dir/preflight.$1.json" 2>/dev/null || true
  python3 - "$dir/preflight.$1.json" "$1" "$dir/preflight.$1.cpu" >>"$dir/results" <<'EOF'
import json, sys
result = json.load(open(sys.argv[1]))[0]
if result["state"] not in ("Pass", "Warn"):
    sys.exit(f"load-vs-wrk: the load probe did not pass: {result['state']} {result.get('error') or result['conditions']}")
m = result["measured"]
def ms(text):
    # The CLI formats durations for people: "4.27ms", "87.3ms", "412ms" or "1.25s".
    return float(text[:-2]) if text.endswith("ms") else float(text[:-1]) * 1000
count = int(m["count"])
errors = round(float(m["error_rate"].rstrip("%")) * count / 100)
cpu = sum(map(float, open(sys.argv[3]).read().split()[-2:]))
print("preflight", sys.argv[2], float(m["rps"]), ms(m["p95"]), errors, count, cpu)
EOF
}

: >"$dir/results"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$rounds"); do
  # Alternate the order so that neither tool always runs on a warmer server.
  if (( round % 2 )); then run_wrk "$round"; run_preflight "$round"; run_oha "$round"; else run_oha "$round"; run_preflight "$round"; run_wrk "$round"; fi
done

echo
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)  (other work on the machine skews the figures)"
echo "loopback nginx ($nginx_workers worker(s)) at $url, $connections connections, $seconds s each, $(nproc) CPUs shared by the server and the client"
python3 - "$dir/results" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
order = ["wrk", "preflight", "oha"]
by = {}
print(f"{'round':>5}  {'tool':<9}  {'requests/s':>10}  {'p95 ms':>7}  {'errors':>6}  {'requests':>9}  {'client CPU s':>12}  {'CPU us/request':>14}")
for tool, rnd, rps, p95, errors, count, cpu in sorted(rows, key=lambda r: (int(r[1]), order.index(r[0]))):
    per_request = float(cpu) * 1e6 / int(count)
    by.setdefault(tool, []).append((float(rps), float(p95), per_request))
    print(f"{rnd:>5}  {tool:<9}  {float(rps):>10.0f}  {float(p95):>7.2f}  {errors:>6}  {count:>9}  {float(cpu):>12.2f}  {per_request:>14.1f}")
tools = [t for t in order if t in by]
med = {t: [statistics.median(x[i] for x in by[t]) for i in range(3)] for t in tools}
print()
print("median          " + "".join(f"{t:>11}" for t in tools))
print("requests/s      " + "".join(f"{med[t][0]:>11.0f}" for t in tools))
print("p95 ms          " + "".join(f"{med[t][1]:>11.2f}" for t in tools) + "   (preflight's JSON gives 2 decimals below 10 ms)")
print("CPU us/request  " + "".join(f"{med[t][2]:>11.1f}" for t in tools))
(wrk_rps, wrk_p95, wrk_cpu), (pf_rps, pf_p95, pf_cpu) = med["wrk"], med["preflight"]
ratio = pf_rps / wrk_rps
diff = (pf_p95 - wrk_p95) / wrk_p95 * 100
cpu_ratio = pf_cpu / wrk_cpu
print()
print(f"preflight/wrk requests/s: {ratio:.2f}  (target >= 1.0: {'met' if ratio >= 1.0 else 'MISSED'})")
print(f"p95 difference: {diff:+.0f} %  (target within 10 %: {'met' if abs(diff) <= 10 else 'MISSED'})")
print(f"preflight/wrk client CPU per request: {cpu_ratio:.2f}  (target <= 1.1: {'met' if cpu_ratio <= 1.1 else 'MISSED'})")
if "oha" in med:
    oha_rps, oha_p95, oha_cpu = med["oha"]
    print(f"preflight/oha: requests/s {pf_rps / oha_rps:.2f}, p95 {(pf_p95 - oha_p95) / oha_p95 * 100:+.0f} %, CPU per request {pf_cpu / oha_cpu:.2f}")
EOF
