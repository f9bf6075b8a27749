#!/usr/bin/env bash
# Fuzz the API from outside with schemathesis against its own served OpenAPI document.
# Fails on any 5xx, any response that contradicts the document, and any status it does not list.
#
# Usage: scripts/fuzz-api.sh [DATABASE_URL]
#   DATABASE_URL  an empty database to migrate and fuzz (default: a new SQLite file);
#                 for PostgreSQL use a database of its own: the fuzzer writes garbage.
# Environment: VENV (default .venv), FUZZ_MAX_EXAMPLES (default 100), FUZZ_SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
work="$(mktemp -d)"
database_url="${1:-sqlite+aiosqlite:///$work/fuzz.db}"
port="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
token="fuzz-service-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
identity="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"

export FORUM_DATABASE_URL="$database_url" FORUM_SERVICE_TOKEN="$token"
export FORUM_PSEUDONYM_SECRET="fuzz-pseudonym-secret-0123456789" FORUM_AT_REST_KEY="fuzz-at-rest-key-0123456789abcdefghijklmnop" FORUM_HOST=127.0.0.1 FORUM_PORT="$port"
export FORUM_LOG_LEVEL=WARNING NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

(cd "$work" && "$OLDPWD/$VENV/bin/mscos-forum" migrate >/dev/null)
(cd "$work" && exec "$OLDPWD/$VENV/bin/mscos-forum" api) &
api_pid=$!
trap 'kill "$api_pid" 2>/dev/null; wait "$api_pid" 2>/dev/null; rm -rf "$work"' EXIT

# The fuzzing identity is an admin, so that staff routes are exercised past the role check.
"$VENV/bin/python" - "$port" "$token" "$identity" <<'PYTHON'
import json, sys, time, urllib.request

port, token, identity = sys.argv[1:]
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/api/v1/system/bootstrap-admins",
    data=json.dumps({"identity_keys": [identity]}).encode(),
    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
)
for _ in range(120):
    try:
        urllib.request.urlopen(request, timeout=5).read()
        break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit("the API did not start")
PYTHON

"$VENV/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --wait-for-schema 60 \
    --checks "${FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance}" \
    --max-examples "${FUZZ_MAX_EXAMPLES:-100}" \
    --seed "${FUZZ_SEED:-1}" \
    --generation-database none \
    --workers 1 \
    --no-color \
    --header "Authorization: Bearer $token" \
    --header "X-Forum-Identity: $identity" \
    --report junit --report-dir "$work/report"
