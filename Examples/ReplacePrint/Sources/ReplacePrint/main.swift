// The import script from Before.swift.txt, with Trail instead of `print`.
//
//   swift run --package-path Examples/ReplacePrint                          # JSON lines
//   TRAIL_FORMAT=console swift run --package-path Examples/ReplacePrint     # for people
//   LOG_LEVEL=debug swift run --package-path Examples/ReplacePrint          # and the debug lines
//   swift run --package-path Examples/ReplacePrint ReplacePrint --ecs       # Elastic Common Schema keys
import Trail

// Once, first: the service name on every line, the level (LOG_LEVEL overrides it), the key schema.
// Lines still queued when the script ends are flushed at exit.
Pipeline.bootstrap(
    serviceName: "customer-import", level: .info,
    fieldNames: CommandLine.arguments.contains("--ecs") ? .elasticCommonSchema : .openTelemetry
)

let logger = Logger(label: "import")
// Spans give every line of this run one trace_id, and each row its own span_id.
// (No span processor here: the spans only correlate the logs. Add a BatchSpanProcessor to export them.)
let tracer = Tracer(resource: .detect(serviceName: "customer-import"))
let store = CRMStore()
let maxAttempts = 3

/// Saves one customer, retrying timeouts with a growing pause. Logs with its own logger: the
/// `withFields` fields and the trace ids of the caller reach these lines without being passed in.
func save(_ customer: Customer) async throws -> Int {
    let log = Logger(label: "crm")
    var attempt = 1
    while true {
        do {
            let id = try await store.save(customer, attempt: attempt)
            log.debug("saved", ["crm_id": id, "attempt": attempt])
            return id
        } catch StoreError.timeout(let ms) where attempt < maxAttempts {
            log.warning("save timed out, retrying", ["attempt": attempt, "timeout_ms": ms, "max_attempts": maxAttempts])
            try await Task.sleep(for: .milliseconds(5 * attempt))
            attempt += 1
        }
    }
}

let clock = ContinuousClock()
let started = clock.now
var imported = 0, skipped = 0, failed = 0

// A unit of work: every line inside, from any logger, carries `batch` and `input`.
await withFields(["batch": "2026-05-14", "input": "customers.csv"]) {
    await tracer.withSpan("import customers") { _ in
        let rows = sampleCSV.split(separator: "\n").dropFirst()   // the header
        logger.info("import started", ["rows": rows.count, "dry_run": false])
        // The token's key looks secret, so its value is written as "[REDACTED]".
        logger.info("connected to CRM", ["endpoint": store.endpoint, "api_token": store.apiToken])

        for (index, row) in zip(1..., rows) {
            // Per-record context: every line of rowLog says which row it is. (Only rowLog's: the
            // "crm" lines of this row share its span_id instead. Use withFields to reach them too.)
            let rowLog = logger.with(["row": index])
            await tracer.withSpan("import row") { _ in
                rowLog.debug("parsing row", ["raw": row])
                let customer: Customer
                do {
                    customer = try parseCustomer(row)
                } catch {
                    rowLog.warning("skipping invalid row", error: error)
                    skipped += 1
                    return
                }
                do {
                    let id = try await save(customer)
                    rowLog.info("customer imported", ["email": customer.email, "plan": customer.plan, "seats": customer.seats, "crm_id": id])
                    imported += 1
                } catch {
                    rowLog.error("customer not imported", ["email": customer.email, "plan": customer.plan], error: error)
                    failed += 1
                }
            }
        }
    }
}

let durationMS = ((clock.now - started) / .milliseconds(1) * 100).rounded() / 100
logger.notice("import finished", [
    "imported": imported, "skipped": skipped, "failed": failed, "duration_ms": durationMS,
])
