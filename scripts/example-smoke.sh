#!/usr/bin/env bash
# Smoke test of the example API as a user meets it: build it, start it offline (no AUTH0_DOMAIN,
# so it runs the built-in local issuer), take the token and the DPoP curl line it prints, and
# check a few routes with curl. Then stop it with SIGTERM and check that it exits cleanly.
#
#   bash scripts/example-smoke.sh
#
# Exits non-zero on the first mismatch, showing the server's output. Every wait is bounded.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v curl >/dev/null 2>&1; then
    echo "example-smoke: curl is required (apt-get install -y curl)" >&2
    exit 1
fi

echo "example-smoke: building the example"
cargo build --example api
bin="${CARGO_TARGET_DIR:-target}/debug/examples/api"
[[ -x "$bin" ]] || { echo "example-smoke: $bin was not built" >&2; exit 1; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

work="$(mktemp -d)"
out="$work/stdout"
err="$work/stderr"
pid=""
passed=0

cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

show_server_output() {
    echo "---- server stdout ----" >&2
    cut -c1-200 "$out" >&2 || true
    echo "---- server stderr ----" >&2
    cat "$err" >&2 || true
}

fail() {
    echo "example-smoke: FAIL: $*" >&2
    show_server_output
    echo "example-smoke: $passed passed, 1 failed" >&2
    exit 1
}

# A loopback port nobody listens on (bash's /dev/tcp: a refused connection means free).
port=""
for _ in $(seq 1 50); do
    candidate=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
        port="$candidate"
        break
    fi
done
[[ -n "$port" ]] || { echo "example-smoke: no free loopback port found" >&2; exit 1; }
base="http://127.0.0.1:$port"

echo "example-smoke: starting $bin on 127.0.0.1:$port"
# No AUTH0_* from the caller's environment, nor from a .env (dotenvy looks in the working
# directory and its parents, hence the temporary one): the local issuer, default settings.
(
    cd "$work"
    exec env -u AUTH0_DOMAIN -u AUTH0_AUDIENCE -u AUTH0_DPOP_ENABLED -u AUTH0_DPOP_REQUIRED \
        -u AUTH0_TRUST_PROXY -u AUTH0_DPOP_IAT_OFFSET -u AUTH0_DPOP_IAT_LEEWAY \
        -u RUST_LOG LISTEN="127.0.0.1:$port" "$bin"
) >"$out" 2>"$err" </dev/null &
pid=$!

# Wait (at most 60 s) for the start-up block to be printed.
deadline=$((SECONDS + 60))
until grep -q '^curl .*Authorization: DPoP ' "$out" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || fail "the server exited during start-up"
    ((SECONDS < deadline)) || fail "no start-up block within 60 s"
    sleep 0.2
done

token="$(sed -n 's/^TOKEN=//p' "$out" | head -n1)"
dpop_curl="$(grep -m1 '^curl .*Authorization: DPoP ' "$out")"
api="$(sed -n 's/^API=//p' "$out" | head -n1)"
[[ -n "$token" ]] || fail "no TOKEN= line in the output"
[[ "$api" == "$base" ]] || fail "API=$api, expected $base"

# status METHOD PATH [curl args...]: prints the HTTP status; the body goes to $work/body.
status() {
    local method="$1" path="$2"
    shift 2
    curl -sS --max-time 10 -o "$work/body" -w '%{http_code}' -X "$method" "$@" "$base$path" ||
        echo "curl-error"
}

# expect WANT GOT WHAT [BODY]: checks a status (and the exact body, when given).
expect() {
    local want="$1" got="$2" what="$3"
    [[ "$got" == "$want" ]] || fail "$what: status $got, expected $want (body: $(cat "$work/body" 2>/dev/null))"
    if [[ $# -ge 4 ]]; then
        local body
        body="$(cat "$work/body")"
        [[ "$body" == "$4" ]] || fail "$what: body $body, expected $4"
    fi
    passed=$((passed + 1))
    echo "example-smoke: ok   $what -> $got"
}

# Wait (at most 30 s) until the server answers.
deadline=$((SECONDS + 30))
until [[ "$(status GET /api/public)" == "200" ]]; do
    kill -0 "$pid" 2>/dev/null || fail "the server exited"
    ((SECONDS < deadline)) || fail "GET /api/public did not answer 200 within 30 s"
    sleep 0.2
done

expect 200 "$(status GET /api/public)" "GET /api/public" '{"message":"public"}'
expect 400 "$(status GET /api/private)" "GET /api/private without a token"
expect 200 "$(status GET /api/private -H "Authorization: Bearer $token")" \
    "GET /api/private with the printed token" '{"message":"private","sub":"user_123"}'
expect 200 "$(status GET /api/messages -H "Authorization: Bearer $token")" \
    "GET /api/messages with the printed token" '{"messages":["hello"]}'
expect 200 "$(status POST /api/data -H "Authorization: Bearer $token")" \
    "POST /api/data with the printed token" '{"ok":true}'
expect 200 "$(status GET /api/admin/stats -H "Authorization: Bearer $token")" \
    "GET /api/admin/stats (middleware) with the printed token" '{"stats":"ok"}'
expect 400 "$(status GET /api/admin/stats)" "GET /api/admin/stats without a token"
expect 200 "$(status GET /api/any -H "Authorization: Bearer $token")" \
    "GET /api/any with the printed token" '{"ok":true}'
expect 200 "$(status GET /api/reports -H "Authorization: Bearer $token")" \
    "GET /api/reports with the printed token" '{"ok":true}'
expect 200 "$(status GET /api/optional)" "GET /api/optional anonymous" '{"sub":null}'
expect 200 "$(status GET /api/optional -H "Authorization: Bearer $token")" \
    "GET /api/optional with the printed token" '{"sub":"user_123"}'
expect 401 "$(status GET /api/optional -H "Authorization: Bearer ${token}x")" \
    "GET /api/optional with a tampered token"

# The printed DPoP line, run as printed (plus options to read the status and the bare body:
# --no-include undoes its -i), twice.
run_dpop() {
    bash -c "$dpop_curl -sS --no-include --max-time 10 -o '$work/body' -w '%{http_code}'" ||
        echo "curl-error"
}
expect 200 "$(run_dpop)" "the printed DPoP curl line" '{"message":"private","sub":"user_123"}'
expect 400 "$(run_dpop)" "the same DPoP curl line again (replay)"
grep -q '"invalid_dpop_proof"' "$work/body" || fail "the replay was not refused as invalid_dpop_proof"

# Graceful shutdown on SIGTERM: exit status 0 within 20 s.
kill -TERM "$pid"
deadline=$((SECONDS + 20))
while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "the server did not stop within 20 s of SIGTERM"
    sleep 0.2
done
code=0
wait "$pid" || code=$?
pid=""
[[ "$code" == "0" ]] || fail "the server exited with status $code after SIGTERM"
passed=$((passed + 1))
echo "example-smoke: ok   SIGTERM -> clean exit"

echo "example-smoke: $passed passed, 0 failed"
