/// The fixed parts of ``TraceHTMLPage``: its style sheet and its script. Nothing here depends on the
/// trace; the trace arrives as JSON in `<script id="trace-data" type="application/json">`.
enum TraceHTMLTemplate {
    static func page(title: String, data: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <title>\(TraceHTMLPage.htmlEscaped(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <header><h1 id="title"></h1><p id="summary"></p></header>
        <main>
        <section id="waterfall" aria-label="spans"><div class="row head"><span class="label">span</span><span class="track" id="ruler"></span><span class="dur">duration</span></div></section>
        <section id="details" aria-label="span details"><p class="hint">Click a span to see its attributes, events and log lines.</p></section>
        </main>
        <section id="unplaced"></section>
        <script id="trace-data" type="application/json">\(data)</script>
        <script>
        \(script)
        </script>
        </body>
        </html>

        """
    }

    static let style = """
        body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #fafbfc; }
        header { padding: 12px 20px; background: #1d2330; color: #fff; }
        h1 { font-size: 16px; margin: 0; font-family: ui-monospace, monospace; }
        header p { margin: 4px 0 0; color: #b8c0d0; }
        main { display: flex; gap: 16px; padding: 16px 20px; align-items: flex-start; }
        #waterfall { flex: 3; min-width: 0; background: #fff; border: 1px solid #dde1e8; border-radius: 6px; }
        #details { flex: 2; min-width: 0; background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 12px; position: sticky; top: 8px; }
        .row { display: flex; align-items: center; gap: 8px; padding: 3px 8px; border-bottom: 1px solid #f0f2f5; cursor: pointer; }
        .row.head { cursor: default; font-weight: 600; color: #5b6475; }
        .row:hover:not(.head) { background: #f3f6fb; }
        .row.selected { background: #e4ecfb; }
        .label { flex: 0 0 38%; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
        .service { display: inline-block; font-size: 11px; color: #fff; background: #4a6fa5; border-radius: 3px; padding: 0 4px; margin-right: 6px; }
        .track { flex: 1; position: relative; height: 14px; background: #f5f6f8; border-radius: 2px; }
        .bar { position: absolute; top: 2px; height: 10px; min-width: 2px; background: #4a7bd0; border-radius: 2px; }
        .error .bar { background: #d0453a; }
        .error .name { color: #b3261e; }
        .orphan .name::after { content: " (parent missing)"; color: #a66b00; font-size: 11px; }
        .dur { flex: 0 0 70px; text-align: right; font-family: ui-monospace, monospace; color: #5b6475; }
        .count { font-size: 11px; color: #7a8394; margin-left: 4px; }
        h2 { font-size: 14px; margin: 0 0 8px; word-break: break-all; }
        h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #5b6475; margin: 14px 0 4px; }
        table { border-collapse: collapse; width: 100%; }
        td { border-bottom: 1px solid #f0f2f5; padding: 2px 4px; vertical-align: top; word-break: break-all; font-family: ui-monospace, monospace; font-size: 12px; }
        td:first-child { color: #5b6475; width: 35%; }
        .log { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; word-break: break-all; padding: 3px 0; border-bottom: 1px solid #f0f2f5; }
        .log.warning, .log.warn { color: #8a5a00; }
        .log.error, .log.critical, .log.fatal { color: #b3261e; }
        details pre { background: #f5f6f8; padding: 6px; overflow-x: auto; font-size: 11px; }
        .hint, .none { color: #7a8394; }
        #unplaced { padding: 0 20px 20px; }
        """

    static let script = """
        "use strict";
        window.onerror = function (message, source, line) {
          var body = document.body;
          body.dataset.errors = (body.dataset.errors ? body.dataset.errors + " | " : "") + message + " (line " + line + ")";
        };
        (function () {
          var data = JSON.parse(document.getElementById("trace-data").textContent);
          function el(tag, cls, text) {
            var node = document.createElement(tag);
            if (cls) node.className = cls;
            if (text !== undefined && text !== null) node.textContent = String(text);
            return node;
          }
          function duration(ns) {
            if (ns < 1e3) return ns + " ns";
            if (ns < 1e6) return (Math.floor(ns / 1e2) / 10) + " µs";
            if (ns < 1e9) return (Math.floor(ns / 1e5) / 10) + " ms";
            return (Math.floor(ns / 1e8) / 10) + " s";
          }
          function show(value) { return typeof value === "string" ? value : JSON.stringify(value); }
          function table(object) {
            var keys = Object.keys(object || {});
            if (keys.length === 0) return el("p", "none", "none");
            var t = el("table");
            keys.forEach(function (key) {
              var tr = el("tr");
              tr.appendChild(el("td", null, key));
              tr.appendChild(el("td", null, show(object[key])));
              t.appendChild(tr);
            });
            return t;
          }
          function logLine(log) {
            var level = log.fields && (log.fields.level || log.fields["log.level"]);
            var div = el("div", "log " + String(level || "").toLowerCase());
            var d = el("details");
            d.appendChild(el("summary", null, log.text));
            d.appendChild(el("pre", null, JSON.stringify(log.fields, null, 2)));
            div.appendChild(d);
            return div;
          }
          var spans = data.spans;
          var total = Math.max(data.duration, 1);
          document.title = "trace " + data.traceId;
          document.getElementById("title").textContent = "trace " + data.traceId;
          var logCount = data.unplacedLogs.length;
          spans.forEach(function (s) { logCount += s.logs.length; });
          document.getElementById("summary").textContent = spans.length + " spans, " + data.services.length + " services (" +
            data.services.join(", ") + "), " + duration(data.duration) + ", " + logCount + " log lines, started " + data.startTime;
          var waterfall = document.getElementById("waterfall");
          var details = document.getElementById("details");
          var rows = [];
          function select(index) {
            rows.forEach(function (r, i) { r.classList.toggle("selected", i === index); });
            var s = spans[index];
            details.textContent = "";
            details.appendChild(el("h2", null, s.name));
            details.appendChild(table({
              "service": s.service, "kind": s.kind, "status": s.status + (s.statusMessage ? ": " + s.statusMessage : ""),
              "duration": duration(s.duration), "starts at": "+" + duration(s.offset), "start time": s.startTime,
              "span id": s.id, "parent": s.parent === null ? "none (root)" : s.parent + (s.orphan ? " (not in the span file)" : ""),
              "scope": s.scope
            }));
            details.appendChild(el("h3", null, "attributes"));
            details.appendChild(table(s.attributes));
            details.appendChild(el("h3", null, "events (" + s.events.length + ")"));
            if (s.events.length === 0) details.appendChild(el("p", "none", "none"));
            s.events.forEach(function (e) {
              details.appendChild(el("div", "log", "+" + duration(e.offset) + "  " + e.name));
              if (Object.keys(e.attributes).length) details.appendChild(table(e.attributes));
            });
            if (s.links.length) {
              details.appendChild(el("h3", null, "links"));
              s.links.forEach(function (l) { details.appendChild(el("div", "log", l)); });
            }
            details.appendChild(el("h3", null, "log lines (" + s.logs.length + ")"));
            if (s.logs.length === 0) details.appendChild(el("p", "none", "none"));
            s.logs.forEach(function (log) { details.appendChild(logLine(log)); });
          }
          spans.forEach(function (s, index) {
            var row = el("div", "row" + (s.status === "error" ? " error" : "") + (s.orphan ? " orphan" : ""));
            row.dataset.spanId = s.id;
            row.setAttribute("role", "button");
            row.tabIndex = 0;
            var label = el("span", "label");
            label.style.paddingLeft = (s.depth * 14) + "px";
            label.appendChild(el("span", "service", s.service));
            label.appendChild(el("span", "name", s.name));
            if (s.logs.length) label.appendChild(el("span", "count", s.logs.length + " log" + (s.logs.length === 1 ? "" : "s")));
            row.appendChild(label);
            var track = el("span", "track");
            var bar = el("span", "bar");
            bar.style.left = (100 * s.offset / total) + "%";
            bar.style.width = Math.max(0.2, 100 * s.duration / total) + "%";
            bar.title = s.name + ": " + duration(s.duration);
            track.appendChild(bar);
            row.appendChild(track);
            row.appendChild(el("span", "dur", duration(s.duration)));
            row.addEventListener("click", function () { select(index); });
            row.addEventListener("keydown", function (event) { if (event.key === "Enter") select(index); });
            waterfall.appendChild(row);
            rows.push(row);
          });
          if (spans.length === 0) waterfall.appendChild(el("p", "none", "No spans of this trace in the span file."));
          if (data.unplacedLogs.length) {
            var unplaced = document.getElementById("unplaced");
            unplaced.appendChild(el("h3", null, "log lines of the trace outside the spans shown (" + data.unplacedLogs.length + ")"));
            data.unplacedLogs.forEach(function (log) { unplaced.appendChild(logLine(log)); });
          }
          var first = spans.findIndex(function (s) { return s.status === "error"; });
          if (spans.length) select(first >= 0 ? first : 0);
          document.body.dataset.rendered = String(rows.length);
        })();
        """
}
