#!/usr/bin/env bash
# Load test of the example API on loopback: public vs Bearer vs DPoP routes, side by side.
#
#   bash benchmarks/load.sh            # 3 repeats of 5 s per route, wrk -t2 -c32
#   DURATION=10 REPEATS=3 bash benchmarks/load.sh
#   REFERENCE_PYTHON=/path/to/venv/bin/python bash benchmarks/load.sh   # + the reference SDK
#
# Builds the example and the fixture in release, starts a local issuer (load_fixture) and the
# example pointed at it (AUTH0_DOMAIN + SSL_CERT_FILE, as a real deployment is configured),
# runs wrk against 127.0.0.1 only, stops everything, and prints a markdown table of medians.
# Every wrk run is bounded by its duration; the DPoP and distinct-token runs are also bounded
# by their pre-minted credentials (each proof is used once: replays would be refused).
set -euo pipefail

DURATION=${DURATION:-5}
REPEATS=${REPEATS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
# Distinct DPoP proofs per repeat; more than the DPoP route can serve in DURATION seconds.
PROOFS=${PROOFS:-150000}
# Distinct Bearer tokens for the bounded-memory run (RSA signing: ~1 ms each to mint).
TOKENS=${TOKENS:-20000}
# A Python with auth0-fastapi-api and uvicorn installed: also load the reference SDK serving
# the same routes (benchmarks/reference/app.py, 2 workers) against the same issuer.
REFERENCE_PYTHON=${REFERENCE_PYTHON:-}

# Every proof is minted before the first run and is accepted for 300 s after its iat
# (AUTH0_DPOP_IAT_OFFSET): refuse a plan whose last DPoP run would start after that.
runs_per_repeat=4
[ -n "$REFERENCE_PYTHON" ] && runs_per_repeat=7
if [ $(((runs_per_repeat * REPEATS + 1) * DURATION)) -gt 240 ]; then
  echo "DURATION=$DURATION with REPEATS=$REPEATS runs wrk for over 240 s: the pre-minted DPoP" \
    "proofs would expire (300 s window); lower DURATION or REPEATS" >&2
  exit 1
fi

cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is required (apt-get install -y wrk)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  exec 3>&-
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
base="http://127.0.0.1:$port"
ref_port=$(free_port)
ref_base="http://127.0.0.1:$ref_port"
ref_htu=()
[ -n "$REFERENCE_PYTHON" ] && ref_htu=("$ref_base/api/private")

echo "building (release)..." >&2
cargo build --release --quiet --example api --example load_fixture

echo "minting $TOKENS distinct tokens and $((PROOFS * REPEATS)) DPoP proofs per server..." >&2
# The fixture serves until its stdin closes: hold a FIFO open on fd 3, closed on cleanup.
mkfifo "$work/hold"
TOKENS=$TOKENS target/release/examples/load_fixture "$work" $((PROOFS * REPEATS)) "$base/api/private" "${ref_htu[@]}" \
  <"$work/hold" >"$work/fixture.log" 2>&1 &
pids+=($!)
exec 3>"$work/hold"
for _ in $(seq 1 600); do grep -q READY "$work/fixture.log" 2>/dev/null && break; sleep 0.5; done
grep -q READY "$work/fixture.log" || { echo "fixture did not start" >&2; cat "$work/fixture.log" >&2; exit 1; }
split -d -n "l/$REPEATS" "$work/proofs" "$work/proofs."
[ -n "$REFERENCE_PYTHON" ] && split -d -n "l/$REPEATS" "$work/proofs2" "$work/proofs2."

# The example, configured like a deployment (mixed DPoP mode, the default).
env $(cat "$work/env") SSL_CERT_FILE="$work/ca.pem" LISTEN="127.0.0.1:$port" RUST_LOG=warn \
  target/release/examples/api >"$work/api.log" 2>&1 &
api_pid=$!
pids+=($api_pid)
for _ in $(seq 1 120); do
  curl -fsS "$base/api/public" >/dev/null 2>&1 && break; sleep 0.25
done
curl -fsS "$base/api/public" >/dev/null || { echo "api did not start" >&2; cat "$work/api.log" >&2; exit 1; }
curl -fsS -H "Authorization: Bearer $(cat "$work/bearer_token")" "$base/api/private" >/dev/null \
  || { echo "the Bearer token is refused" >&2; exit 1; }

if [ -n "$REFERENCE_PYTHON" ]; then
  (cd benchmarks/reference && exec env $(cat "$work/env") SSL_CERT_FILE="$work/ca.pem" \
    "$REFERENCE_PYTHON" -m uvicorn app:app --host 127.0.0.1 --port "$ref_port" --workers 2 \
    --log-level warning >"$work/ref.log" 2>&1) &
  pids+=($!)
  for _ in $(seq 1 120); do curl -fsS "$ref_base/api/public" >/dev/null 2>&1 && break; sleep 0.25; done
  curl -fsS -H "Authorization: Bearer $(cat "$work/bearer_token")" "$ref_base/api/private" >/dev/null \
    || { echo "the reference refuses the Bearer token" >&2; cat "$work/ref.log" >&2; exit 1; }
fi

run() { # name, then wrk arguments
  local name=$1; shift
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" >"$work/$name.out" 2>&1 || true
  if grep -q "credential pool exhausted" "$work/$name.out"; then
    echo "- $name: ran out of pre-minted credentials before ${DURATION}s (the run was bounded by them)" >>"$work/notes"
  fi
  python3 - "$work/$name.out" "$name" >>"$work/results" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def lat(label):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % label, text, re.M)
    if not m: return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v if u == "ms" else v * 1000
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errs = re.search(r"Socket errors:.*", text)
print(sys.argv[2], rps.group(1) if rps else "nan", lat("50"), lat("99"),
      non2xx.group(1) if non2xx else "0", "1" if errs else "0")
PY
}

rss() { ps -o rss= -p "$api_pid" | tr -d ' '; }

for r in $(seq 0 $((REPEATS - 1))); do
  echo "repeat $((r + 1))/$REPEATS" >&2
  run public "$base/api/public"
  # Control: the public route sent the same ~1 KB Authorization header as the Bearer run, so
  # the cost of carrying the token on the wire is told apart from the cost of verifying it.
  run public_header -s benchmarks/header.lua "$base/api/public" -- "$work/bearer_token" Bearer
  run bearer -s benchmarks/header.lua "$base/api/private" -- "$work/bearer_token" Bearer
  run dpop -s benchmarks/rotate.lua "$base/api/private" -- dpop "$THREADS" "$work/proofs.$(printf %02d "$r")" "$work/dpop_token"
  if [ -n "$REFERENCE_PYTHON" ]; then
    run ref_public "$ref_base/api/public"
    run ref_bearer -s benchmarks/header.lua "$ref_base/api/private" -- "$work/bearer_token" Bearer
    run ref_dpop -s benchmarks/rotate.lua "$ref_base/api/private" -- dpop "$THREADS" "$work/proofs2.$(printf %02d "$r")" "$work/dpop_token"
  fi
done
rss_before=$(rss)
run distinct_tokens -s benchmarks/rotate.lua "$base/api/private" -- bearer "$THREADS" "$work/tokens"
rss_after=$(rss)

python3 - "$work/results" "$rss_before" "$rss_after" "$THREADS" "$CONNECTIONS" "$DURATION" "$REPEATS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, rps, p50, p99, non2xx, sockerr = line.split()
    rows.setdefault(name, []).append((float(rps), float(p50), float(p99), int(non2xx), int(sockerr)))
med = lambda xs: statistics.median(xs)
public = med([r[0] for r in rows["public"]])
print(f"wrk -t{sys.argv[4]} -c{sys.argv[5]} -d{sys.argv[6]}s, {sys.argv[7]} repeats (medians), loopback\n")
print("| route | req/s | p50 (ms) | p99 (ms) | non-2xx | ratio to public |")
print("|---|---:|---:|---:|---:|---:|")
labels = {"public": "GET /api/public (no auth)",
          "public_header": "GET /api/public, same Authorization header as the Bearer run (ignored)",
          "bearer": "GET /api/private, Bearer (same token)",
          "dpop": "GET /api/private, DPoP (distinct proof per request)",
          "distinct_tokens": "GET /api/private, Bearer (distinct token per request)",
          "ref_public": "reference SDK: GET /api/public", "ref_bearer": "reference SDK: Bearer (same token)",
          "ref_dpop": "reference SDK: DPoP (distinct proof per request)"}
for name in ["public", "public_header", "bearer", "dpop", "distinct_tokens", "ref_public", "ref_bearer", "ref_dpop"]:
    if name not in rows: continue
    rs = rows[name]
    rps = med([r[0] for r in rs])
    print(f"| {labels[name]} | {rps:,.0f} | {med([r[1] for r in rs]):.2f} | {med([r[2] for r in rs]):.2f} "
          f"| {sum(r[3] for r in rs)} | {rps / public:.2f} |")
if "public_header" in rows:
    ph = med([r[0] for r in rows["public_header"]])
    print(f"\nBearer / public with the same header: {med([r[0] for r in rows['bearer']]) / ph:.2f}")
# Paired ratios: each repeat runs the routes back to back, so the ratio within one repeat is
# less exposed to the machine's drift between repeats than a ratio of medians.
for name, base in [("bearer", "public"), ("bearer", "public_header"), ("dpop", "public")]:
    if name in rows and base in rows:
        paired = [a[0] / b[0] for a, b in zip(rows[name], rows[base])]
        print(f"\n{name} / {base}, per repeat: " + ", ".join(f"{x:.2f}" for x in paired)
              + f" (median {med(paired):.2f})", end="")
print()
for ours, ref in [("bearer", "ref_bearer"), ("dpop", "ref_dpop"), ("public", "ref_public")]:
    if ref in rows:
        o, r = med([x[0] for x in rows[ours]]), med([x[0] for x in rows[ref]])
        print(f"\nauth0-actix / reference, {ours}: {o / r:.1f}x", end="")
print()
print("\nreq/s of each repeat, in the order run:")
for name in labels:
    if name in rows:
        print(f"- {name}: " + ", ".join(f"{r[0]:,.0f}" for r in rows[name]))
print(f"\nserver RSS before/after the distinct-token run: {int(sys.argv[2])/1024:.1f} MiB / {int(sys.argv[3])/1024:.1f} MiB")
PY
if [ -s "$work/notes" ]; then
  printf '\n'
  sort -u "$work/notes"
fi
