#!/usr/bin/env python3
"""Writes a generated log set for the `trail grep` benchmark (Benchmarks/grep-bench.sh).

usage: grep-gen.py DIR MEGABYTES [GZ_FILES]

DIR gets 8 files of Trail JSON lines (OpenTelemetry keys; every fourth file ECS keys) totalling
MEGABYTES MB uncompressed, ~400-byte lines of 5,000 traces, plus TRACE_LINES lines of one trace
(the searched one) scattered over all files at random times. The last GZ_FILES files (default 2) are
gzipped (gzip -1) next to the plain ones' directory, in DIR/gz. Prints the searched trace id and the
expected number of lines. Deterministic (seeded).
"""
import os, random, subprocess, sys

def main():
    out, megabytes = sys.argv[1], int(sys.argv[2])
    gz_files = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    rng = random.Random(42)
    target = "4bf92f3577b34da6a3ce929d0e0e4736"
    traces = ["%032x" % rng.getrandbits(128) for _ in range(5000)]
    files, per_file = 8, megabytes * 1_000_000 // 8
    os.makedirs(os.path.join(out, "plain"), exist_ok=True)
    os.makedirs(os.path.join(out, "gz"), exist_ok=True)

    def line(ecs, ts, trace, span, msg, n):
        if ecs:
            return ('{"@timestamp":"%s","log.level":"info","message":"%s","trace.id":"%s","span.id":"%016x",'
                    '"service.name":"checkout","log.logger":"http","method":"GET","path":"/api/users/%d","status":200,'
                    '"duration_ms":12.5,"cached":false,"ecs.version":"8.11.0"}\n' % (ts[:23] + "Z", msg, trace, span, n))
        return ('{"timestamp":"%s","level":"info","message":"%s","trace_id":"%s","span_id":"%016x","trace_flags":"01",'
                '"service.name":"checkout","logger":"http","method":"GET","path":"/api/users/%d","status":200,"duration_ms":12.5,'
                '"cached":false,"source":{"file":"Checkout/Handler.swift","line":42,"function":"handle(_:)"}}\n' % (ts, msg, trace, span, n))

    def stamp(i):
        s = i // 1000
        return "2026-11-22T%02d:%02d:%02d.%06dZ" % (10 + s // 3600 % 12, s // 60 % 60, s % 60, (i % 1000) * 1000)

    expected = 0
    for f in range(files):
        ecs = f % 4 == 3
        block = "".join(line(ecs, stamp(rng.randrange(40_000_000)), rng.choice(traces), rng.getrandbits(63), "request handled", i)
                        for i in range(20_000)).encode()
        gz = f >= files - gz_files
        path = os.path.join(out, "gz" if gz else "plain", "app-%d.log" % f)
        written = 0
        with open(path, "wb") as fh:
            while written < per_file:
                fh.write(block)
                written += len(block)
                for _ in range(rng.randrange(0, 3)):  # the searched trace, now and then
                    fh.write(line(ecs, stamp(rng.randrange(40_000_000)), target, rng.getrandbits(63), "searched", expected).encode())
                    expected += 1
        if gz:
            subprocess.run(["gzip", "-1", "-f", path], check=True)
    print(target, expected)

main()
