#!/usr/bin/env bash
# Builds the two services, starts them on 127.0.0.1, sends GET /checkout and one W3C test-service
# call (POST /test), stops them, and checks that:
#  - the log lines of both services for the checkout carry one trace_id (and the right span ids);
#  - the spans chain: frontend server → frontend client → backend server → backend child;
#  - POST /test continued the caller's traceparent and forwarded its tracestate byte-exact.
# It does so twice: with Trail's middleware (both services in one process), then with Hummingbird's
# own TracingMiddleware through TrailTracer (one process per service). MODES=trail (or hummingbird)
# runs one. Every wait is bounded; the services are always stopped (trap).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export PATH="/opt/swift/usr/bin:$PATH"

swift build
BIN="$(swift build --show-bin-path)/TwoServices"
WORK="$(mktemp -d)"
PIDS=()

stop_services() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done   # at most 10 s each
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
on_exit() {
  status=$?
  stop_services
  if [ "$status" -ne 0 ]; then
    echo "check.sh: FAILED; the services' output is in $WORK" >&2
    tail -n 20 "$WORK"/*/stderr*.log >&2 2>/dev/null || true
  else
    rm -rf "$WORK"
  fi
}
trap on_exit EXIT

# Starts one process (SERVICE empty: both services) writing to $DIR/{stdout,stderr,spans}-$2.
start() {
  local mode=$1 service=$2
  MIDDLEWARE=$mode SERVICE=$service FRONTEND_PORT=$FRONTEND_PORT BACKEND_PORT=$BACKEND_PORT \
    SPANS_FILE="$DIR/spans-$service.jsonl" OTEL_PROPAGATORS=tracecontext,baggage \
    "$BIN" >"$DIR/stdout-$service.log" 2>"$DIR/stderr-$service.log" &
  PIDS+=($!)
}

# Ready when every server said so; at most 60 s.
wait_ready() {
  for _ in $(seq 1 600); do
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "check.sh: TwoServices exited early" >&2; exit 1; }; done
    if cat "$DIR"/stderr-*.log | grep -q "frontend listening" && cat "$DIR"/stderr-*.log | grep -q "backend listening"; then return 0; fi
    sleep 0.1
  done
  echo "check.sh: not ready after 60 s" >&2; exit 1
}

TEST_TRACE=0af7651916cd43dd8448eb211c80319c
TEST_PARENT=b7ad6b7169203331
TEST_STATE='congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'

for MODE in ${MODES:-trail hummingbird}; do
DIR="$WORK/$MODE"
mkdir -p "$DIR"
# Two free ports (bound once, then released).
read -r FRONTEND_PORT BACKEND_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks: s.close()')

if [ "$MODE" = hummingbird ]; then
  start hummingbird backend
  start hummingbird frontend
else
  start "$MODE" ""
fi
wait_ready

FRONT="http://127.0.0.1:$FRONTEND_PORT"
curl -sS --max-time 15 -D "$DIR/checkout.headers" -o "$DIR/checkout.body" "$FRONT/checkout?sku=sku-42"

# The W3C test-service contract, with the backend as the callback target.
curl -sS --max-time 15 -o /dev/null -w '%{http_code}\n' -X POST "$FRONT/test" \
  -H "traceparent: 00-$TEST_TRACE-$TEST_PARENT-01" -H "tracestate: $TEST_STATE" -H 'Content-Type: application/json' \
  --data "[{\"url\": \"http://127.0.0.1:$BACKEND_PORT/callback\", \"arguments\": [1, \"two\", {\"three\": 3}]}]" \
  > "$DIR/test.status"

stop_services   # graceful: every line and span is flushed before the process ends
cat "$DIR"/stdout-*.log > "$DIR/stdout.log"
cat "$DIR"/spans-*.jsonl > "$DIR/spans.jsonl"

python3 - "$DIR" "$TEST_TRACE" "$TEST_PARENT" "$TEST_STATE" "$MODE" <<'PY'
import json, sys
work, test_trace, test_parent, test_state, mode = sys.argv[1:6]
trail_middleware = mode == "trail"
# Hummingbird's TracingMiddleware names a server span by its route alone.
server_name = (lambda method, route: f"{method} {route}") if trail_middleware else (lambda method, route: route)

def fail(message):
    sys.exit(f"check.sh: {message}")

def header(name):
    for line in open(f"{work}/checkout.headers"):
        key, _, value = line.partition(":")
        if key.strip().lower() == name: return value.strip()
    return None

status_line = open(f"{work}/checkout.headers").readline().split()
if len(status_line) < 2 or status_line[1] != "200": fail(f"GET /checkout answered {' '.join(status_line)}")
body = json.load(open(f"{work}/checkout.body"))
trace = body.get("trace_id")
if not trace: fail("GET /checkout answered no trace_id")
if trail_middleware and header("x-trace-id") != trace: fail(f"x-trace-id {header('x-trace-id')} != body trace_id {trace}")

logs = [json.loads(l) for l in open(f"{work}/stdout.log") if l.startswith("{")]
spans = [json.loads(l) for l in open(f"{work}/spans.jsonl")]

# One trace across both services' log lines.
checkout_messages = {"checkout started": "frontend", "stock checked": "frontend", "stock lookup": "backend", "inventory read": "backend"}
lines = [l for l in logs if l.get("message") in checkout_messages]
if len(lines) != 4: fail(f"expected 4 checkout log lines, found {len(lines)}: {lines}")
for l in lines:
    if l.get("service.name") != checkout_messages[l["message"]]: fail(f"wrong service on {l}")
    if l.get("trace_id") != trace: fail(f"log line not in trace {trace}: {l}")

# The span chain.
in_trace = [s for s in spans if s["trace_id"] == trace]
def one(service, name, kind):
    found = [s for s in in_trace if s["service"] == service and s["name"] == name and s["kind"] == kind]
    if len(found) != 1: fail(f"expected one {kind} span {name!r} of {service}, found {len(found)} among {[(s['service'], s['name']) for s in in_trace]}")
    return found[0]
front_server = one("frontend", server_name("GET", "/checkout"), "server")
front_client = one("frontend", "GET /stock/{sku}", "client")
back_server = one("backend", server_name("GET", "/stock/{sku}"), "server")
lookup = one("backend", "inventory.lookup", "internal")
if front_server["parent_span_id"] is not None: fail("the frontend server span should be the root")
for child, parent in [(front_client, front_server), (back_server, front_client), (lookup, back_server)]:
    if child["parent_span_id"] != parent["span_id"]: fail(f"{child['name']} is not a child of {parent['name']}")
if trail_middleware and header("traceresponse") != f"00-{trace}-{front_server['span_id']}-{front_server['trace_flags']}": fail(f"traceresponse {header('traceresponse')}")
expected_span = {"checkout started": front_server, "stock checked": front_server, "stock lookup": back_server, "inventory read": lookup}
for l in lines:
    if l.get("span_id") != expected_span[l["message"]]["span_id"]: fail(f"log line in the wrong span: {l}")
a = front_client["attributes"]
if a.get("http.response.status_code") != 200 or a.get("server.address") != "127.0.0.1": fail(f"client attributes {a}")
if back_server["attributes"].get("http.route") != "/stock/{sku}": fail(f"backend attributes {back_server['attributes']}")

# POST /test: the caller's trace continued, a client span per call, tracestate forwarded as sent.
if open(f"{work}/test.status").read().strip() != "200": fail("POST /test did not answer 200")
test_server = [s for s in spans if s["name"] == server_name("POST", "/test")]
if len(test_server) != 1 or test_server[0]["trace_id"] != test_trace or test_server[0]["parent_span_id"] != test_parent:
    fail(f"POST /test did not continue the caller's traceparent: {test_server}")
test_client = [s for s in spans if s["name"] == "POST" and s["parent_span_id"] == test_server[0]["span_id"]]
if len(test_client) != 1: fail("POST /test made no client span under its server span")
callback = [l for l in logs if l.get("message") == "callback received"]
if len(callback) != 1: fail(f"the backend logged {len(callback)} callbacks")
c = callback[0]
if c.get("traceparent") != f"00-{test_trace}-{test_client[0]['span_id']}-01": fail(f"callback traceparent {c.get('traceparent')}")
if c.get("tracestate") != test_state: fail(f"callback tracestate {c.get('tracestate')!r} != {test_state!r}")
if json.loads(c.get("body", "null")) != [1, "two", {"three": 3}]: fail(f"callback body {c.get('body')}")

print(f"check.sh: OK ({mode} middleware) — trace {trace}: {len(lines)} log lines of frontend and backend, spans "
      f"{front_server['name']} → {front_client['name']} → {back_server['name']} → {lookup['name']}; "
      f"POST /test continued {test_trace} with tracestate intact")
PY
done
