#!/usr/bin/env bash
# Browser tests for Bình Dân in real headless Chromium.
#
#   e2e/run.sh
#
# Installs what is missing (Debian's chromium, the npm packages), builds the
# server unless told which binary to test, starts it on a free port with a
# fresh temporary database, runs `node --test` on e2e/tests/, stops the server
# with SIGTERM and checks that it exits 0 in time. Exits non-zero if anything
# failed; the last lines printed are node's test summary.
#
# Environment:
#   BINHDAN_E2E_BINARY        server binary to test (default: ../target/debug/binhdan
#                             relative to e2e/, built with `cargo build -p binhdan`)
#   BINHDAN_E2E_CHROMIUM      Chromium executable (default /usr/bin/chromium)
#   BINHDAN_E2E_READY_TIMEOUT seconds to wait for /readyz (default 180)
#   BINHDAN_E2E_STOP_TIMEOUT  seconds the server has to exit after SIGTERM (default 10)
#   BINHDAN_E2E_TEST_TIMEOUT  seconds for the whole `node --test` run (default 1200)
#   BINHDAN_E2E_CONCURRENCY   test files run at once by node --test (default 2: one file waits
#                             on the server or the network while another renders)
#   BINHDAN_E2E_TESTS         test files to run, space-separated, relative to e2e/
#                             (default: tests/*.test.mjs)
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { printf 'e2e: %s\n' "$*"; }
die() { printf 'e2e: FAILED: %s\n' "$*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

T0="$(now)"

# A binary named relative to the caller's directory, resolved before cd.
if [[ -n "${BINHDAN_E2E_BINARY:-}" ]]; then
  BIN="$(realpath -m -- "$BINHDAN_E2E_BINARY")"
  BUILD=0
else
  BIN="$HERE/../target/debug/binhdan"
  BUILD=1
fi
cd "$HERE" || exit 1

CHROMIUM="${BINHDAN_E2E_CHROMIUM:-/usr/bin/chromium}"
READY_TIMEOUT="${BINHDAN_E2E_READY_TIMEOUT:-180}"
STOP_TIMEOUT="${BINHDAN_E2E_STOP_TIMEOUT:-10}"
TEST_TIMEOUT="${BINHDAN_E2E_TEST_TIMEOUT:-1200}"

# ---- what the tests need -------------------------------------------------

command -v node >/dev/null || die "node is not installed (Node 20 or later is needed)"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
(( NODE_MAJOR >= 20 )) || die "node $(node --version) is too old: Node 20 or later is needed"

if [[ ! -x "$CHROMIUM" ]]; then
  [[ -z "${BINHDAN_E2E_CHROMIUM:-}" ]] || die "BINHDAN_E2E_CHROMIUM=$CHROMIUM is not an executable"
  say "installing Debian's chromium (apt-get)"
  SUDO=""
  [[ "$(id -u)" == 0 ]] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null \
    && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/dev/null \
    || die "could not install chromium with apt-get"
  [[ -x "$CHROMIUM" ]] || die "$CHROMIUM is still missing after installing chromium"
fi

# npm ci when node_modules is missing or was installed from another lock file.
LOCK_SUM="$(sha256sum package-lock.json | cut -d' ' -f1) node-$NODE_MAJOR"
STAMP="node_modules/.binhdan-e2e-lock"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$LOCK_SUM" ]]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed"
  printf '%s\n' "$LOCK_SUM" > "$STAMP"
fi

# The pages' scripts (and the service worker) must run on the phones people have: Android
# Chrome 80 and later. es-check parses them and fails on syntax or built-ins newer than that.
say "checking the pages' scripts for Android Chrome 80 (es-check)"
npx --no-install es-check checkBrowser '../crates/binhdan-web/static/*.js' \
  --browserslistQuery='chrome >= 80' --checkFeatures --noColor --quiet \
  || die "a script uses JavaScript newer than Android Chrome 80 has (see es-check above)"

# The Open Badges 3.0 JSON Schema (1EdTech's, as captured in PyPI's openbadgeslib sources), to
# validate our credentials against; fetched once from the registry into node_modules' cache.
OB3_DIR="node_modules/.cache/ob3"
OB3_SCHEMA="$OB3_DIR/ob_v3p0_achievementcredential_schema.json"
if [[ ! -f "$OB3_SCHEMA" ]]; then
  say "fetching the Open Badges 3.0 JSON Schema (PyPI openbadgeslib 4.6.3 sources)"
  if ! python3 -m pip --version >/dev/null 2>&1; then
    say "installing pip (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip) >/dev/null 2>&1 \
      || die "could not install python3-pip with apt-get"
  fi
  OB3_TMP="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$OB3_TMP" openbadgeslib==4.6.3 >/dev/null 2>&1 \
    || die "could not download openbadgeslib 4.6.3 from PyPI (for the Open Badges 3.0 schema)"
  mkdir -p "$OB3_DIR"
  tar -xzf "$OB3_TMP"/openbadgeslib-4.6.3.tar.gz -C "$OB3_TMP" \
    && cp "$OB3_TMP"/openbadgeslib-4.6.3/tests/fixtures/ob_schemas/ob_v3p0_achievementcredential_schema.json "$OB3_DIR"/ \
    || die "openbadgeslib 4.6.3 no longer ships the Open Badges 3.0 schema where expected"
  rm -rf "$OB3_TMP"
fi
export BINHDAN_E2E_OB3_SCHEMA="$HERE/$OB3_SCHEMA"

if (( BUILD )); then
  if command -v cargo >/dev/null; then
    say "building the server (cargo build -p binhdan)"
    (cd "$HERE/.." && cargo build -q -p binhdan) || die "cargo build -p binhdan failed"
  else
    say "cargo is not installed: testing the binary already at $BIN"
  fi
fi
[[ -x "$BIN" ]] || die "no server binary at $BIN (set BINHDAN_E2E_BINARY)"

T_READY="$(now)"
say "set-up took $(since "$T0") s"

# ---- the server ----------------------------------------------------------

WORK="$(mktemp -d -t binhdan-e2e.XXXXXX)"
OUT="$HERE/out"
mkdir -p "$OUT"
SERVER_PID=""
PROVIDER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [[ -n "$PROVIDER_PID" ]] && kill -0 "$PROVIDER_PID" 2>/dev/null; then
    kill -TERM "$PROVIDER_PID" 2>/dev/null
    wait "$PROVIDER_PID" 2>/dev/null
  fi
  [[ -f "$WORK/server.log" ]] && cp "$WORK/server.log" "$OUT/server.log"
  rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# VNeID: the test OpenID provider (tests-support/oidc-provider) on loopback. The server's port
# is chosen first, so that the provider knows the callback URL it must accept.
PROVIDER_DIR="$HERE/../tests-support/oidc-provider"
if [[ ! -d "$PROVIDER_DIR/node_modules" ]]; then
  say "installing the test OpenID provider's npm packages (npm ci)"
  (cd "$PROVIDER_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci in tests-support/oidc-provider failed"
fi
PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
[[ -n "$PORT" ]] || die "could not find a free port"
CALLBACK="http://127.0.0.1:$PORT/dang-nhap/vneid/goi-lai"
(cd "$PROVIDER_DIR" && exec node server.mjs 0 "$CALLBACK") >"$WORK/provider.out" 2>"$WORK/provider.log" &
PROVIDER_PID=$!
ISSUER=""
DEADLINE=$(( $(date +%s) + 30 ))
while [[ -z "$ISSUER" ]]; do
  kill -0 "$PROVIDER_PID" 2>/dev/null || { cat "$WORK/provider.log"; die "the test OpenID provider exited"; }
  (( $(date +%s) < DEADLINE )) || die "the test OpenID provider did not start in 30s"
  ISSUER="$(sed -n 's/^READY //p' "$WORK/provider.out" | head -n 1)"
  [[ -n "$ISSUER" ]] || sleep 0.2
done
say "test OpenID provider (VNeID's stand-in) at $ISSUER"

say "starting $BIN serve --demo (database in $WORK)"
# Port 0: the kernel picks a free port, the server logs which one.
# The caller's own BINHDAN_* settings must not leak into a hermetic run: pass
# none of them on, but BINHDAN_LOG.
UNSET=()
while IFS= read -r name; do
  [[ "$name" == BINHDAN_LOG ]] || UNSET+=(-u "$name")
done < <(compgen -e | grep '^BINHDAN_' || true)
# serve --demo loads the curriculum from ./content of its working directory.
ln -s "$HERE/../content" "$WORK/content"
(
  cd "$WORK" || exit 1
  exec env "${UNSET[@]}" NO_COLOR=1 \
    BINHDAN_DATABASE_URL="sqlite://$WORK/e2e.db" \
    BINHDAN_LISTEN="127.0.0.1:$PORT" \
    BINHDAN_OIDC__ISSUER="$ISSUER" \
    BINHDAN_OIDC__CLIENT_ID=binhdan-test \
    BINHDAN_OIDC__CLIENT_SECRET=binhdan-test-secret \
    BINHDAN_OIDC__REDIRECT_URL="$CALLBACK" \
    "$BIN" serve --demo
) >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

ORIGIN=""
DEADLINE=$(( $(date +%s) + READY_TIMEOUT ))
while [[ -z "$ORIGIN" ]]; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    tail -n 30 "$WORK/server.log"
    die "the server exited before it was listening"
  fi
  (( $(date +%s) < DEADLINE )) || { tail -n 30 "$WORK/server.log"; die "the server did not start listening in ${READY_TIMEOUT}s"; }
  ORIGIN="$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/server.log" | grep -o 'is listening on http://[0-9.]*:[0-9]*' | head -n 1 | sed 's/^is listening on //')"
  [[ -n "$ORIGIN" ]] || sleep 0.2
done
node lib/wait-ready.mjs "$ORIGIN" "$SERVER_PID" "$READY_TIMEOUT" || { tail -n 30 "$WORK/server.log"; die "the server never became ready"; }
say "server ready at $ORIGIN after $(since "$T_READY") s"

# A province admin for the staff pages' tests, made the way an operator would.
export BINHDAN_E2E_STAFF_USER="e2e.tinh"
export BINHDAN_E2E_STAFF_PASSWORD="mật khẩu thử nghiệm 2026"
printf '%s\n' "$BINHDAN_E2E_STAFF_PASSWORD" > "$WORK/password.txt"
(
  cd "$WORK" || exit 1
  env "${UNSET[@]}" NO_COLOR=1 BINHDAN_DATABASE_URL="sqlite://$WORK/e2e.db" \
    "$BIN" admin create --username "$BINHDAN_E2E_STAFF_USER" --name "Quản trị thử nghiệm" \
    --role province-admin --unit 38 --password-file "$WORK/password.txt"
) >>"$WORK/server.log" 2>&1 || { tail -n 30 "$WORK/server.log"; die "could not create the staff account"; }

# ---- the tests -----------------------------------------------------------

T_TESTS="$(now)"
if [[ -n "${BINHDAN_E2E_TESTS:-}" ]]; then
  read -r -a TEST_FILES <<<"$BINHDAN_E2E_TESTS"
else
  TEST_FILES=(tests/*.test.mjs)
fi
BINHDAN_E2E_URL="$ORIGIN" BINHDAN_E2E_CHROMIUM="$CHROMIUM" BINHDAN_E2E_BINARY="$BIN" \
  timeout -k 10 "$TEST_TIMEOUT" node --test --test-concurrency="${BINHDAN_E2E_CONCURRENCY:-2}" --test-reporter=spec "${TEST_FILES[@]}" 2>&1 | tee "$WORK/test.log"
TEST_RC=${PIPESTATUS[0]}
cp "$WORK/test.log" "$OUT/test.log"
(( TEST_RC == 124 || TEST_RC == 137 )) && say "the tests took longer than ${TEST_TIMEOUT}s and were stopped"
say "node --test exited $TEST_RC after $(since "$T_TESTS") s"

# ---- graceful shutdown -----------------------------------------------------

STOP_OK=0
T_STOP="$(now)"
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  wait "$SERVER_PID"
  say "FAILED: the server died during the tests (exit $?)"
else
  kill -TERM "$SERVER_PID"
  STOP_DEADLINE=$(( $(date +%s) + STOP_TIMEOUT ))
  while kill -0 "$SERVER_PID" 2>/dev/null && (( $(date +%s) < STOP_DEADLINE )); do sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    say "FAILED: the server was still running ${STOP_TIMEOUT}s after SIGTERM; killing it"
    kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null
  else
    wait "$SERVER_PID"
    SERVER_RC=$?
    if (( SERVER_RC == 0 )); then
      STOP_OK=1
      say "server stopped cleanly on SIGTERM (exit 0 after $(since "$T_STOP") s)"
    else
      say "FAILED: the server exited $SERVER_RC on SIGTERM (expected 0)"
    fi
  fi
fi
SERVER_PID=""
if grep -q 'panicked' "$WORK/server.log"; then
  grep -n -A3 'panicked' "$WORK/server.log" | head -n 20
  say "FAILED: the server panicked (see e2e/out/server.log)"
  STOP_OK=0
fi
(( STOP_OK )) || tail -n 15 "$WORK/server.log"

say "whole run took $(since "$T0") s; logs and screenshots in e2e/out/"
RC=0
(( TEST_RC == 0 )) || { RC=1; say "FAILED: browser tests (details above and in e2e/out/test.log)"; }
(( STOP_OK )) || { RC=1; say "FAILED: graceful shutdown"; }
(( RC == 0 )) && say "all good"

# node's summary last (its spec reporter prints the failure list after it).
echo
grep -E '^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$WORK/test.log" | tail -n 8
exit "$RC"
