#!/usr/bin/env bash
# Smoke test of the example API as a user meets it, over real HTTP on loopback only:
#
#   1. offline: no AUTH0_* at all, so it runs the built-in local issuer; take the token and the
#      DPoP curl line it prints and check the routes with curl (exact bodies, the exact
#      challenge without a token, a tampered token refused);
#   2. tenant: start the load fixture (examples/load_fixture.rs: a local HTTPS issuer that writes
#      `env`, `ca.pem`, `bearer_token`, `dpop_token` and `proofs`) and run the example the way a
#      deployment is configured: AUTH0_DOMAIN + AUTH0_AUDIENCE + SSL_CERT_FILE;
#   3. .env: the same tenant from a `.env` file in the working directory, with
#      AUTH0_DPOP_REQUIRED=true (Bearer refused with the required-mode challenge, DPoP accepted);
#   4. a bad value (AUTH0_DPOP_ENABLED=maybe): the example must refuse to start, naming it.
#
# Each server is stopped with SIGTERM and must exit cleanly.
#
#   bash scripts/example-smoke.sh
#
# Exits non-zero on the first mismatch, showing the server's output. Every wait is bounded, and
# every process started here is stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v curl >/dev/null 2>&1; then
    echo "example-smoke: curl is required (apt-get install -y curl)" >&2
    exit 1
fi

echo "example-smoke: building the example and the fixture"
cargo build --example api --example load_fixture
absolute() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
bin="${CARGO_TARGET_DIR:-target}/debug/examples/api"
fixture_bin="${CARGO_TARGET_DIR:-target}/debug/examples/load_fixture"
for b in "$bin" "$fixture_bin"; do
    [[ -x "$b" ]] || { echo "example-smoke: $b was not built" >&2; exit 1; }
done
bin="$(absolute "$bin")"
fixture_bin="$(absolute "$fixture_bin")"

work="$(mktemp -d)"
pid=""         # the example server running now
fixture_pid="" # the load fixture
out=""         # the current server's stdout and stderr
err=""
passed=0

# Every AUTH0_* the example reads, removed from each server's environment so that the caller's
# settings never leak in (each phase sets what it means to test).
unset_auth0=(-u AUTH0_DOMAIN -u AUTH0_AUDIENCE -u AUTH0_DPOP_ENABLED -u AUTH0_DPOP_REQUIRED
    -u AUTH0_TRUST_PROXY -u AUTH0_DPOP_IAT_OFFSET -u AUTH0_DPOP_IAT_LEEWAY -u AUTH0_CACHE_TTL
    -u AUTH0_CACHE_MAX_ENTRIES -u AUTH0_ALGORITHMS -u AUTH0_CLOCK_LEEWAY -u SSL_CERT_FILE
    -u RUST_LOG)

loopback="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}"

stop_now() { # PID: SIGKILL and reap, if still running
    if [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; then
        kill -KILL "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
    fi
}

cleanup() {
    stop_now "$pid"
    # Closing the FIFO ends the fixture (it serves until its stdin closes); then make sure.
    exec 3>&- 2>/dev/null || true
    stop_now "$fixture_pid"
    rm -rf "$work"
}
trap cleanup EXIT
# Interrupted or terminated: exit, so that the EXIT trap stops everything started here.
trap 'exit 130' INT
trap 'exit 143' TERM

show_server_output() {
    if [[ -n "$out" ]]; then
        echo "---- server stdout ----" >&2
        cut -c1-200 "$out" >&2 || true
        echo "---- server stderr ----" >&2
        cat "$err" >&2 || true
    fi
    if [[ -f "$work/fixture.log" ]]; then
        echo "---- fixture output ----" >&2
        cut -c1-200 "$work/fixture.log" >&2 || true
    fi
}

fail() {
    echo "example-smoke: FAIL: $*" >&2
    show_server_output
    echo "example-smoke: $passed passed, 1 failed" >&2
    exit 1
}

ok() {
    passed=$((passed + 1))
    echo "example-smoke: ok   $*"
}

# free_port: sets `picked` to a loopback port nobody listens on (bash's /dev/tcp: a refused
# connection means free) and that was not picked before in this run.
used_ports=" "
picked=""
free_port() {
    local candidate
    for _ in $(seq 1 50); do
        candidate=$((20000 + RANDOM % 40000))
        [[ "$used_ports" == *" $candidate "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
            used_ports+="$candidate "
            picked="$candidate"
            return
        fi
    done
    echo "example-smoke: no free loopback port found" >&2
    exit 1
}

# status METHOD PATH [curl args...]: prints the HTTP status; the body goes to $work/body and
# the response headers to $work/headers. Never through a proxy: every server here is on loopback.
status() {
    local method="$1" path="$2"
    shift 2
    curl -sS --noproxy '*' --max-time 10 -D "$work/headers" -o "$work/body" -w '%{http_code}' \
        -X "$method" "$@" "$base$path" || echo "curl-error"
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
    ok "$what -> $got"
}

# The WWW-Authenticate value of the last response (several fields joined with ", ").
challenge() {
    tr -d '\r' <"$work/headers" | { grep -i '^www-authenticate:' || true; } | sed 's/^[^:]*:[[:space:]]*//' |
        awk 'NR > 1 { printf ", " } { printf "%s", $0 }'
}

# expect_challenge WANT WHAT: the last response carried exactly one WWW-Authenticate field,
# equal to WANT.
expect_challenge() {
    local want="$1" what="$2" fields got
    fields="$(grep -ci '^www-authenticate:' "$work/headers" || true)"
    got="$(challenge)"
    [[ "$fields" == "1" && "$got" == "$want" ]] ||
        fail "$what: WWW-Authenticate ($fields field(s)) '$got', expected exactly '$want'"
    ok "$what: WWW-Authenticate: $got"
}

# expect_invalid_token WHAT: the last response is 401 invalid_token on the Bearer scheme, in
# mixed mode (docs/compatibility.md §4.3:
# `Bearer error=..., error_description=..., DPoP algs="ES256"`).
expect_invalid_token() {
    local what="$1" got
    grep -q '"error":"invalid_token"' "$work/body" ||
        fail "$what: not invalid_token: $(cat "$work/body")"
    got="$(challenge)"
    [[ "$got" == 'Bearer error="invalid_token", error_description="'*'", DPoP algs="ES256"' ]] ||
        fail "$what: WWW-Authenticate '$got' is not a Bearer invalid_token challenge (mixed mode)"
    ok "$what: invalid_token, $got"
}

# tamper TOKEN: the token with one character in the middle of its signature changed (the
# signature's last character may only carry padding bits, so it is left alone).
tamper() {
    local token="$1" sig
    sig="${token##*.}"
    local c="${sig:10:1}" r="A"
    [[ "$c" == "A" ]] && r="B"
    echo "${token%.*}.${sig:0:10}${r}${sig:11}"
}

# start_server NAME DIR ENV...: starts the example in DIR with `env ENV...` (after removing every
# AUTH0_* of the caller); sets pid, out, err. Its discovery/JWKS fetches go to a loopback issuer:
# never through a proxy from the caller's environment.
start_server() {
    local name="$1" dir="$2"
    shift 2
    out="$work/$name.stdout"
    err="$work/$name.stderr"
    (
        cd "$dir"
        exec env "${unset_auth0[@]}" NO_PROXY="$loopback" no_proxy="$loopback" "$@" "$bin"
    ) >"$out" 2>"$err" </dev/null &
    pid=$!
}

# wait_until_serving: at most 60 s for the start-up block (an `API=` line), then at most 30 s
# until GET /api/public answers 200.
wait_until_serving() {
    local deadline=$((SECONDS + 60))
    until grep -q '^API=' "$out" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || fail "the server exited during start-up"
        ((SECONDS < deadline)) || fail "no start-up block within 60 s"
        sleep 0.2
    done
    deadline=$((SECONDS + 30))
    until [[ "$(status GET /api/public)" == "200" ]]; do
        kill -0 "$pid" 2>/dev/null || fail "the server exited"
        ((SECONDS < deadline)) || fail "GET /api/public did not answer 200 within 30 s"
        sleep 0.2
    done
}

# stop_server WHAT: SIGTERM, then exit status 0 within 20 s (graceful shutdown).
stop_server() {
    kill -TERM "$pid"
    local deadline=$((SECONDS + 20)) code=0
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || fail "$1: the server did not stop within 20 s of SIGTERM"
        sleep 0.2
    done
    wait "$pid" || code=$?
    pid=""
    [[ "$code" == "0" ]] || fail "$1: the server exited with status $code after SIGTERM"
    ok "$1: SIGTERM -> clean exit"
}

# ---------------------------------------------------------------------------------------------
# 1. Offline: the built-in local issuer, default settings.

free_port
port="$picked"
base="http://127.0.0.1:$port"
echo "example-smoke: [offline] starting $bin on 127.0.0.1:$port"
# No AUTH0_* from the caller's environment, nor from a .env (dotenvy looks in the working
# directory and its parents, hence the temporary one): the local issuer, default settings.
mkdir "$work/offline"
start_server offline "$work/offline" LISTEN="127.0.0.1:$port"
wait_until_serving
grep -q '^curl .*Authorization: DPoP ' "$out" || fail "no DPoP curl line in the start-up block"

token="$(sed -n 's/^TOKEN=//p' "$out" | head -n1)"
dpop_curl="$(grep -m1 '^curl .*Authorization: DPoP ' "$out")"
api="$(sed -n 's/^API=//p' "$out" | head -n1)"
[[ -n "$token" ]] || fail "no TOKEN= line in the output"
[[ "$api" == "$base" ]] || fail "API=$api, expected $base"

expect 200 "$(status GET /api/public)" "GET /api/public" '{"message":"public"}'
expect 400 "$(status GET /api/private)" "GET /api/private without a token" \
    '{"detail":{"error":"invalid_request","error_description":""}}'
expect_challenge 'Bearer realm="api", DPoP algs="ES256"' "GET /api/private without a token"
expect 200 "$(status GET /api/private -H "Authorization: Bearer $token")" \
    "GET /api/private with the printed token" '{"message":"private","sub":"user_123"}'
expect 401 "$(status GET /api/private -H "Authorization: Bearer $(tamper "$token")")" \
    "GET /api/private with a tampered token"
expect_invalid_token "GET /api/private with a tampered token"
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
    bash -c "$dpop_curl -sS --no-include --noproxy '*' --max-time 10 -o '$work/body' -w '%{http_code}'" ||
        echo "curl-error"
}
expect 200 "$(run_dpop)" "the printed DPoP curl line" '{"message":"private","sub":"user_123"}'
expect 400 "$(run_dpop)" "the same DPoP curl line again (replay)"
grep -q '"invalid_dpop_proof"' "$work/body" || fail "the replay was not refused as invalid_dpop_proof"

stop_server "offline"

# ---------------------------------------------------------------------------------------------
# 2. A tenant: the load fixture's HTTPS issuer, configured as a deployment is (AUTH0_DOMAIN,
#    AUTH0_AUDIENCE, SSL_CERT_FILE).

free_port
port="$picked" # the example in mixed mode (the fixture's proofs are for this port)
free_port
required_port="$picked" # the example in required mode (proofs2)
fx="$work/fixture"
echo "example-smoke: [tenant] starting the load fixture"
mkfifo "$work/hold"
# The fixture serves until its stdin closes: a FIFO held open on fd 3, closed on cleanup.
TOKENS=1 "$fixture_bin" "$fx" 3 "http://127.0.0.1:$port/api/private" \
    "http://127.0.0.1:$required_port/api/private" \
    <"$work/hold" >"$work/fixture.log" 2>&1 &
fixture_pid=$!
exec 3>"$work/hold"
deadline=$((SECONDS + 120))
until grep -q '^READY' "$work/fixture.log" 2>/dev/null; do
    kill -0 "$fixture_pid" 2>/dev/null || fail "the fixture exited during start-up"
    ((SECONDS < deadline)) || fail "the fixture did not print READY within 120 s"
    sleep 0.2
done
for f in env ca.pem bearer_token dpop_token proofs proofs2; do
    [[ -s "$fx/$f" ]] || fail "the fixture did not write $f"
done
mapfile -t tenant_env <"$fx/env"
domain="$(sed -n 's/^AUTH0_DOMAIN=//p' "$fx/env")"
audience="$(sed -n 's/^AUTH0_AUDIENCE=//p' "$fx/env")"
[[ -n "$domain" && -n "$audience" ]] || fail "the fixture's env lacks AUTH0_DOMAIN/AUTH0_AUDIENCE"
bearer="$(cat "$fx/bearer_token")"
dpop_token="$(cat "$fx/dpop_token")"
ok "fixture ready: AUTH0_DOMAIN=$domain"

base="http://127.0.0.1:$port"
echo "example-smoke: [tenant] starting $bin on 127.0.0.1:$port with AUTH0_DOMAIN=$domain"
mkdir "$work/tenant"
start_server tenant "$work/tenant" "${tenant_env[@]}" SSL_CERT_FILE="$fx/ca.pem" \
    LISTEN="127.0.0.1:$port"
wait_until_serving
grep -qx "ISSUER=https://$domain/" "$out" ||
    fail "the start-up block does not name the tenant https://$domain/ (local issuer used?)"
! grep -q '^TOKEN=' "$out" || fail "a TOKEN= line was printed: the local issuer ran, not the tenant"
ok "tenant start-up block: ISSUER=https://$domain/"

expect 200 "$(status GET /api/private -H "Authorization: Bearer $bearer")" \
    "[tenant] GET /api/private with the fixture's bearer_token" \
    '{"message":"private","sub":"user_123"}'
expect 200 "$(status GET /api/messages -H "Authorization: Bearer $bearer")" \
    "[tenant] GET /api/messages with the fixture's bearer_token" '{"messages":["hello"]}'
expect 401 "$(status GET /api/private -H "Authorization: Bearer $(tamper "$bearer")")" \
    "[tenant] GET /api/private with the bearer_token tampered"
expect_invalid_token "[tenant] GET /api/private with the bearer_token tampered"
expect 400 "$(status GET /api/private)" "[tenant] GET /api/private without a token"
expect_challenge 'Bearer realm="api", DPoP algs="ES256"' "[tenant] GET /api/private without a token"
proof="$(sed -n 1p "$fx/proofs")"
expect 200 "$(status GET /api/private -H "Authorization: DPoP $dpop_token" -H "DPoP: $proof")" \
    "[tenant] GET /api/private with the dpop_token and a proof" \
    '{"message":"private","sub":"user_123"}'
expect 400 "$(status GET /api/private -H "Authorization: DPoP $dpop_token" -H "DPoP: $proof")" \
    "[tenant] the same proof again (replay)"
grep -q '"invalid_dpop_proof"' "$work/body" || fail "the replay was not refused as invalid_dpop_proof"

stop_server "tenant"

# ---------------------------------------------------------------------------------------------
# 3. The same tenant from a .env file in the working directory, with AUTH0_DPOP_REQUIRED=true.

base="http://127.0.0.1:$required_port"
mkdir "$work/required"
printf 'AUTH0_DOMAIN=%s\nAUTH0_AUDIENCE=%s\nAUTH0_DPOP_REQUIRED=true\n' "$domain" "$audience" \
    >"$work/required/.env"
echo "example-smoke: [.env] starting $bin on 127.0.0.1:$required_port with AUTH0_DPOP_REQUIRED=true from .env"
start_server required "$work/required" SSL_CERT_FILE="$fx/ca.pem" \
    LISTEN="127.0.0.1:$required_port"
wait_until_serving
grep -qx "ISSUER=https://$domain/" "$out" ||
    fail "the start-up block does not name the tenant https://$domain/ (.env not read?)"

# docs/compatibility.md §3.6/§4.3: required mode refuses the Bearer scheme before any token
# check, with 400 invalid_request, an empty description, and the bare required-mode challenge
# (no Bearer).
expect 400 "$(status GET /api/private -H "Authorization: Bearer $bearer")" \
    "[.env required] GET /api/private with a valid Bearer token" \
    '{"detail":{"error":"invalid_request","error_description":""}}'
expect_challenge 'DPoP algs="ES256"' "[.env required] GET /api/private with a valid Bearer token"
expect 400 "$(status GET /api/private)" "[.env required] GET /api/private without a token"
expect_challenge 'DPoP algs="ES256"' "[.env required] GET /api/private without a token"
proof="$(sed -n 1p "$fx/proofs2")"
expect 200 "$(status GET /api/private -H "Authorization: DPoP $dpop_token" -H "DPoP: $proof")" \
    "[.env required] GET /api/private with the dpop_token and a proof" \
    '{"message":"private","sub":"user_123"}'

stop_server ".env required"

# ---------------------------------------------------------------------------------------------
# 4. A value that does not parse stops the start-up, naming the variable.

free_port
port="$picked"
base="http://127.0.0.1:$port"
echo "example-smoke: [bad value] starting $bin with AUTH0_DPOP_ENABLED=maybe"
mkdir "$work/bad"
start_server bad "$work/bad" "${tenant_env[@]}" SSL_CERT_FILE="$fx/ca.pem" \
    AUTH0_DPOP_ENABLED=maybe LISTEN="127.0.0.1:$port"
deadline=$((SECONDS + 30))
while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "AUTH0_DPOP_ENABLED=maybe: still running after 30 s"
    sleep 0.2
done
code=0
wait "$pid" || code=$?
pid=""
[[ "$code" != "0" ]] || fail "AUTH0_DPOP_ENABLED=maybe: exit status 0"
grep -q 'AUTH0_DPOP_ENABLED' "$err" || fail "AUTH0_DPOP_ENABLED=maybe: stderr does not name the variable"
! grep -q '^API=' "$out" || fail "AUTH0_DPOP_ENABLED=maybe: the server printed its start-up block"
ok "AUTH0_DPOP_ENABLED=maybe -> exit status $code, stderr: $(grep -m1 'AUTH0_DPOP_ENABLED' "$err")"

echo "example-smoke: $passed passed, 0 failed"
