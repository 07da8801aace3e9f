"""Decodes an OTLP export request with the official generated classes and prints it normalised.

usage: otlp_decode.py traces|logs protobuf|json FILE
       otlp_decode.py serve OUTFILE [STATUS[:HEXBODY] ...]

The serve form is a loopback OTLP/HTTP receiver for tests: it listens on 127.0.0.1 (a free port,
printed on the first line of stdout), decodes every POST to /v1/traces or /v1/logs (gunzipping it
when Content-Encoding is gzip, protobuf or JSON by Content-Type) and appends one JSON line per
request to OUTFILE: {"path", "headers" (lowercase names), "request" (the decoded form below)}. The
n-th request is answered with the n-th STATUS (the last one repeats; default 200), with HEXBODY as
the body and, for 429 and 503, "Retry-After: 1". It exits by itself after 60 seconds.

Protobuf is parsed with ParseFromString; the result is also re-serialised (deterministic) to say
whether the input was byte-for-byte what the reference serializer writes ("canonical"), and every
message is checked for unknown fields. JSON is checked against the OTLP/JSON rules that
json_format does not enforce (lowerCamelCase keys, hex ids, integer enums, 64-bit integers as
strings), then the hex ids are turned into base64 and the document is parsed strictly with
json_format.ParseDict.

The output is one JSON object: {"canonical": bool|null, "issues": [...], "resources": [...]}.
Ids are lowercase hex, 64-bit integers decimal strings, doubles the hex of their IEEE bits, and
every AnyValue is {"type": <oneof name or "none">, "value": ...} so that types are compared too.
Exit status 2 with a message on stderr when the package is missing.
"""
import base64
import json
import struct
import sys

try:
    from google.protobuf import json_format
    from google.protobuf.message import Message
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
except ImportError as error:
    sys.stderr.write("opentelemetry-proto is not installed (%s); .ci/run installs it: "
                     "python3 -m pip install 'opentelemetry-proto==1.45.2'\n" % error)
    sys.exit(2)

ID_KEYS = {"traceId": 32, "spanId": 16, "parentSpanId": 16}
INT64_KEYS = {"startTimeUnixNano", "endTimeUnixNano", "timeUnixNano", "observedTimeUnixNano", "intValue"}
ENUM_KEYS = {"kind", "code", "severityNumber"}


def check_json(node, path, issues):
    """Records OTLP/JSON rule violations found in the raw document."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            check_json(item, "%s[%d]" % (path, index), issues)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        where = path + "." + key
        if "_" in key:
            issues.append("key is not lowerCamelCase: " + where)
        if key in ID_KEYS:
            if not (isinstance(value, str) and len(value) == ID_KEYS[key]
                    and all(c in "0123456789abcdef" for c in value)):
                issues.append("id is not %d lowercase hex digits: %s = %r" % (ID_KEYS[key], where, value))
        elif key in INT64_KEYS and not isinstance(value, str):
            issues.append("64-bit integer is not a string: %s = %r" % (where, value))
        elif key in ENUM_KEYS and (isinstance(value, bool) or not isinstance(value, int)):
            issues.append("enum is not an integer: %s = %r" % (where, value))
        else:
            check_json(value, where, issues)


def hex_ids_to_base64(node):
    if isinstance(node, list):
        return [hex_ids_to_base64(item) for item in node]
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ID_KEYS and isinstance(value, str):
                out[key] = base64.b64encode(bytes.fromhex(value)).decode()
            else:
                out[key] = hex_ids_to_base64(value)
        return out
    return node


def unknown_fields(message, path, issues):
    """Records every message that holds fields the schema does not know."""
    try:
        from google.protobuf.unknown_fields import UnknownFieldSet
        count = len(UnknownFieldSet(message))
    except ImportError:
        count = len(message.UnknownFields())
    if count:
        issues.append("%d unknown field(s) in %s" % (count, path))
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.is_repeated:
            for index, item in enumerate(value):
                unknown_fields(item, "%s.%s[%d]" % (path, field.name, index), issues)
        else:
            unknown_fields(value, path + "." + field.name, issues)


def any_value(value):
    kind = value.WhichOneof("value")
    if kind is None:
        return {"type": "none"}
    if kind == "string_value":
        return {"type": "string", "value": value.string_value}
    if kind == "bool_value":
        return {"type": "bool", "value": value.bool_value}
    if kind == "int_value":
        return {"type": "int", "value": str(value.int_value)}
    if kind == "double_value":
        return {"type": "double", "value": struct.pack(">d", value.double_value).hex()}
    if kind == "array_value":
        return {"type": "array", "value": [any_value(v) for v in value.array_value.values]}
    if kind == "kvlist_value":
        return {"type": "kvlist", "value": attributes(value.kvlist_value.values)}
    if kind == "bytes_value":
        return {"type": "bytes", "value": value.bytes_value.hex()}
    return {"type": kind}


def attributes(key_values):
    return [{"key": kv.key, "value": any_value(kv.value)} for kv in key_values]


def resource(message):
    return {"attributes": attributes(message.attributes),
            "droppedAttributesCount": message.dropped_attributes_count}


def scope(message):
    return {"name": message.name, "version": message.version, "attributes": attributes(message.attributes)}


def span(s):
    return {
        "traceId": s.trace_id.hex(), "spanId": s.span_id.hex(), "traceState": s.trace_state,
        "parentSpanId": s.parent_span_id.hex(), "name": s.name, "kind": s.kind,
        "startTimeUnixNano": str(s.start_time_unix_nano), "endTimeUnixNano": str(s.end_time_unix_nano),
        "attributes": attributes(s.attributes), "droppedAttributesCount": s.dropped_attributes_count,
        "events": [{"timeUnixNano": str(e.time_unix_nano), "name": e.name, "attributes": attributes(e.attributes),
                    "droppedAttributesCount": e.dropped_attributes_count} for e in s.events],
        "droppedEventsCount": s.dropped_events_count,
        "links": [{"traceId": l.trace_id.hex(), "spanId": l.span_id.hex(), "traceState": l.trace_state,
                   "attributes": attributes(l.attributes), "droppedAttributesCount": l.dropped_attributes_count,
                   "flags": l.flags} for l in s.links],
        "droppedLinksCount": s.dropped_links_count,
        "status": {"code": s.status.code, "message": s.status.message, "present": s.HasField("status")},
        "flags": s.flags,
    }


def log_record(r):
    return {
        "timeUnixNano": str(r.time_unix_nano), "observedTimeUnixNano": str(r.observed_time_unix_nano),
        "severityNumber": r.severity_number, "severityText": r.severity_text,
        "body": any_value(r.body) if r.HasField("body") else None,
        "attributes": attributes(r.attributes), "droppedAttributesCount": r.dropped_attributes_count,
        "flags": r.flags, "traceId": r.trace_id.hex(), "spanId": r.span_id.hex(), "eventName": r.event_name,
    }


def normalise(signal, request):
    out = []
    if signal == "traces":
        for rs in request.resource_spans:
            out.append({"resource": resource(rs.resource), "schemaUrl": rs.schema_url, "scopes": [
                {"scope": scope(ss.scope), "schemaUrl": ss.schema_url, "items": [span(s) for s in ss.spans]}
                for ss in rs.scope_spans]})
    else:
        for rl in request.resource_logs:
            out.append({"resource": resource(rl.resource), "schemaUrl": rl.schema_url, "scopes": [
                {"scope": scope(sl.scope), "schemaUrl": sl.schema_url, "items": [log_record(r) for r in sl.log_records]}
                for sl in rl.scope_logs]})
    return out


def decode(signal, encoding, data):
    request = ExportTraceServiceRequest() if signal == "traces" else ExportLogsServiceRequest()
    issues = []
    canonical = None
    if encoding == "protobuf":
        request.ParseFromString(data)
        canonical = request.SerializeToString(deterministic=True) == data
        unknown_fields(request, "request", issues)
    else:
        document = json.loads(data.decode("utf-8"))
        check_json(document, "$", issues)
        json_format.ParseDict(hex_ids_to_base64(document), request, ignore_unknown_fields=False)
    return {"canonical": canonical, "issues": issues, "resources": normalise(signal, request)}


def serve(outfile, answers):
    import gzip
    import http.server
    import signal
    import threading

    # The test stops the receiver with SIGTERM; a parent may have left it ignored or blocked.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])

    answers = [a.split(":", 1) for a in answers] or [["200"]]
    state = {"count": 0}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            signal = self.path.rsplit("/", 1)[-1]
            encoding = "json" if "json" in self.headers.get("Content-Type", "") else "protobuf"
            try:
                decoded = decode(signal, encoding, data)
            except Exception as error:
                decoded = {"error": repr(error)}
            with lock:
                answer = answers[min(state["count"], len(answers) - 1)]
                state["count"] += 1
                with open(outfile, "a") as out:
                    out.write(json.dumps({"path": self.path, "request": decoded,
                                          "headers": {k.lower(): v for k, v in self.headers.items()}}) + "\n")
            body = bytes.fromhex(answer[1]) if len(answer) > 1 else b""
            self.send_response(int(answer[0]))
            self.send_header("Content-Type", self.headers.get("Content-Type", "application/x-protobuf"))
            self.send_header("Content-Length", str(len(body)))
            if answer[0] in ("429", "503"):
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    timer = threading.Timer(60, server.shutdown)
    timer.daemon = True
    timer.start()
    print(server.server_address[1], flush=True)
    server.serve_forever()


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3:])
        return
    if len(sys.argv) != 4 or sys.argv[1] not in ("traces", "logs") or sys.argv[2] not in ("protobuf", "json"):
        sys.exit("usage: otlp_decode.py traces|logs protobuf|json FILE")
    signal, encoding, path = sys.argv[1:]
    data = open(path, "rb").read()
    json.dump(decode(signal, encoding, data), sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
