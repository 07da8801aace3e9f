#!/usr/bin/env python3
"""A loopback HTTP/1.1 receiver for trail-bench's SHIP-LOKI and SHIP-OTLP workloads.

It runs in a process of its own, so that its CPU time is not counted in the sender's, and answers
what Loki and an OTLP/HTTP collector answer on success:

  POST /loki/api/v1/push  -> 204 (counts the `values` entries of every stream, after gunzip)
  POST /v1/traces         -> 200, empty protobuf body (counts the spans: a minimal protobuf walk)
  POST /v1/logs           -> 200, empty protobuf body (counts the log records)

Every request's body bytes (as sent, compressed or not) and the requests are counted. The receiver
binds 127.0.0.1 (port 0 = any free port), prints `port N` on stdout, and when its stdin reaches end
of file (the sender closed it, or died) prints one JSON line with the counts and exits. It exits on
its own after --max-seconds whatever happens, so a run can never leave it behind.

Usage: python3 loopback-receiver.py [--port N] [--max-seconds S]
"""
import argparse
import gzip
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
stats = {"requests": 0, "body_bytes": 0, "loki_lines": 0, "spans": 0, "log_records": 0,
         "gzip_requests": 0, "errors": 0, "first_error": None}


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def fields(buf):
    """(field number, wire type, value) of one protobuf message; length-delimited values as slices."""
    i = 0
    n = len(buf)
    while i < n:
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = None, i + 8
        elif wire == 2:
            length, i = varint(buf, i)
            value, i = buf[i:i + length], i + length
        elif wire == 5:
            value, i = None, i + 4
        else:
            raise ValueError("wire type %d is not valid" % wire)
        yield number, wire, value


def count_items(body):
    """Items at depth 3 of an OTLP export request: request {1: resource_*} -> {2: scope_*} -> {2: item}.
    The same numbers hold for traces (ResourceSpans/ScopeSpans/Span) and logs (ResourceLogs/ScopeLogs/LogRecord)."""
    count = 0
    for f1, w1, resource in fields(memoryview(body)):
        if f1 != 1 or w1 != 2:
            continue
        for f2, w2, scope in fields(resource):
            if f2 != 2 or w2 != 2:
                continue
            for f3, w3, _ in fields(scope):
                if f3 == 2 and w3 == 2:
                    count += 1
    return count


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as URLSession expects

    def log_message(self, format, *args):  # no per-request lines on stderr
        pass

    def fail(self, status, text):
        with lock:
            stats["errors"] += 1
            if stats["first_error"] is None:
                stats["first_error"] = "%s %s: %d %s" % (self.command, self.path, status, text)
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        length = self.headers.get("Content-Length")
        if length is None:
            self.close_connection = True
            return self.fail(411, "Content-Length required")
        raw = self.rfile.read(int(length))
        compressed = (self.headers.get("Content-Encoding") or "").lower() == "gzip"
        try:
            body = gzip.decompress(raw) if compressed else raw
            path = self.path.split("?", 1)[0]
            lines = spans = records = 0
            if path == "/loki/api/v1/push":
                lines = sum(len(s.get("values", [])) for s in json.loads(body)["streams"])
            elif path == "/v1/traces":
                spans = count_items(body)
            elif path == "/v1/logs":
                records = count_items(body)
            else:
                return self.fail(404, "no such endpoint")
        except Exception as error:  # a body the real server would refuse too
            return self.fail(400, "cannot read the body: %s" % error)
        with lock:
            stats["requests"] += 1
            stats["body_bytes"] += len(raw)
            stats["gzip_requests"] += 1 if compressed else 0
            stats["loki_lines"] += lines
            stats["spans"] += spans
            stats["log_records"] += records
        if path == "/loki/api/v1/push":
            self.send_response(204)
            self.send_header("Content-Length", "0")
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=600)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def give_up():
        sys.stderr.write("loopback-receiver: still running after %s s; exiting\n" % args.max_seconds)
        sys.stderr.flush()
        os._exit(3)

    watchdog = threading.Timer(args.max_seconds, give_up)
    watchdog.daemon = True
    watchdog.start()
    print("port %d" % server.server_address[1], flush=True)
    sys.stdin.read()  # until the sender closes our stdin (or exits)
    with lock:
        print(json.dumps(stats), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
