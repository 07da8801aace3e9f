// Every Trail code block of MIGRATION.md, in the order it appears there, so that `swift build`
// fails when the guide stops matching the API. Change both together.
import Trail

struct Customer: Sendable {
    var email = "ada@example.com", plan = "team", seats = 5
}

struct Unavailable: Error {}

// MARK: From print: set up once

func setUp() {
    Pipeline.bootstrap(serviceName: "customer-import")   // stdout; level info, or LOG_LEVEL
    let logger = Logger(label: "import")
    _ = logger
}

// MARK: From print: a message and its values

func messageAndValues(logger: Logger, customer: Customer, id: Int) {
    logger.info("customer imported", ["email": customer.email, "plan": customer.plan, "seats": customer.seats, "crm_id": id])
}

// MARK: From print: errors and warnings

func errorsAndWarnings(logger: Logger, customer: Customer, index: Int, error: any Error) {
    logger.error("customer not imported", ["email": customer.email], error: error)
    logger.warning("skipping invalid row", ["row": index], error: error)
}

// MARK: From print: debug output

func debugOutput(logger: Logger, index: Int, row: Substring) {
    logger.debug("parsing row", ["row": index, "raw": row])
}

func expensiveDebug(logger: Logger, rows: [Substring]) {
    if logger.isEnabled(.debug) {
        let widths = rows.map(\.count)
        logger.debug("row widths", ["widths": widths, "max": widths.max()])
    }
}

// MARK: From print: context that repeats

func repeatedContext(logger: Logger, index: Int, customer: Customer) async {
    let rowLog = logger.with(["row": index])                // on every line of rowLog
    rowLog.info("customer imported", ["email": customer.email])

    await withFields(["batch": "2026-05-14"]) {             // on every line logged inside, by any logger
        await importAll()
    }
}

func importAll() async {}

// MARK: What fields accept

func fieldValues(logger: Logger, retryAfter: Int?, tags: [String], started: ContinuousClock.Instant) {
    logger.info("accepted", [
        "status": 202, "ratio": 0.75, "cached": false, "plan": "team",
        "retry_after": retryAfter,                          // an optional: null when nil
        "tags": tags,                                       // ["a","b"]
        "limits": ["seats": 40, "projects": 3],             // {"projects":3,"seats":40}
        "user": ["id": 42, "name": "Ada"] as LogFields,     // an object that mixes types
        "mixed": LogValue.array([1, "two"]),                // an array that mixes types
        "parent": LogValue.null,                            // a literal null
        "elapsed_ms": (ContinuousClock.now - started) / .milliseconds(1),
    ])
}

// MARK: From swift-log

func fromSwiftLog(customer: Customer) {
    logger.info("customer imported", ["email": customer.email, "seats": customer.seats])
}

func boundMetadata() {
    let logger = Logger(label: "import").with(["batch": "2026-05-14"])
    _ = logger
}

func swiftLogBootstrap() {
    Pipeline.bootstrap(serviceName: "customer-import", level: .info)
}

func levels() {
    var logger = Logger(label: "import")
    logger.level = .debug
    logger.log(level: .notice, "import finished", ["imported": 3])
}

/// For files that import swift-log's `Logging` too, where `Logger` alone is ambiguous.
let logger = Trail.Logger(label: "import")

// MARK: What every line contains

func spans(tracer: Tracer) async {
    await tracer.withSpan("import customers") { _ in
        logger.info("import started")                       // has trace_id and span_id
        await importAll()                                   // and so does every line logged in here
    }
}

func ecs() {
    Pipeline.bootstrap(serviceName: "customer-import", fieldNames: .elasticCommonSchema)
}

// MARK: Reserved keys and redaction

func reservedAndRedacted(logger: Logger) {
    logger.info("customer imported", ["level": "gold", "password": "hunter2", "X-Api-Key": "abc"])
    // {…"level":"info",…,"fields.level":"gold","password":"[REDACTED]","X-Api-Key":"[REDACTED]",…}
}

func customRedaction() {
    Pipeline.bootstrap(serviceName: "customer-import", redaction: Redaction(patterns: Redaction.defaultPatterns + ["email"]))
}
