import Foundation

/// Writes structured JSON log lines that carry the current span's `trace_id` and `span_id`.
///
/// ```swift
/// let logger = Logger(label: "http")
/// logger.info("request handled", ["method": "GET", "status": 200, "duration_ms": 12.5, "cached": false])
/// logger.error("payment failed", ["order_id": order.id], error: error)
/// ```
///
/// A `Logger` is a small `Sendable` value: copy it freely, store it in a `let`. A call below the
/// logger's ``level`` evaluates neither the message nor the fields. An enabled call encodes its line
/// once, on the calling thread, and queues it for the ``Pipeline``'s destinations without waiting for
/// them.
///
/// Fields are written in call order, after the reserved keys; then the logger's bound fields
/// (``with(_:)``), then the context's (`withFields`). On equal keys the call wins over bound fields,
/// and the logger's over the context's. No field ever replaces a reserved key (`level`, `message`,
/// `trace_id`, …): it is written as `fields.<key>` instead. Keys that look secret are redacted.
public struct Logger: Sendable {
    /// Names the component that logs; written as `logger`.
    public let label: String
    /// Calls below this level do nothing.
    public var level: LogLevel
    /// The pipeline this logger writes to.
    public let pipeline: Pipeline

    @usableFromInline let bound: BoundFields
    /// `,"logger":"<label>"`, encoded once.
    @usableFromInline let labelBytes: [UInt8]

    /// A logger writing to `pipeline` (the shared one by default) at `level` (the pipeline's default,
    /// from `LOG_LEVEL`, by default).
    public init(label: String, level: LogLevel? = nil, pipeline: Pipeline = .shared) {
        pipeline.noteLoggerCreated()
        self.label = label
        self.pipeline = pipeline
        self.level = level ?? pipeline.defaultLevel
        self.bound = BoundFields()
        var encoder = JSONLineEncoder(capacity: label.utf8.count + 16)
        encoder.appendRaw(",")
        encoder.appendString(pipeline.fieldNames.logger)
        encoder.appendRaw(":")
        encoder.appendString(label)
        self.labelBytes = encoder.bytes
    }

    private init(copying other: Logger, bound: BoundFields) {
        self.label = other.label
        self.level = other.level
        self.pipeline = other.pipeline
        self.labelBytes = other.labelBytes
        self.bound = bound
    }

    /// A logger that adds `fields` to every line. They are encoded now, once, not on every line.
    public func with(_ fields: LogFields) -> Logger {
        Logger(copying: self, bound: bound.adding(fields, for: pipeline))
    }

    /// `true` when a call at `level` would write a line.
    @inlinable
    public func isEnabled(_ level: LogLevel) -> Bool { level >= self.level }

    /// Writes a line at `level`. The per-level methods (``info(_:_:error:file:function:line:)`` and
    /// friends) call this; the message and the fields are only evaluated when the level is enabled.
    @inlinable
    public func log(
        level: LogLevel, _ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = LogFields(),
        error: (any Error)? = nil, file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        guard level >= self.level else { return }
        emit(level, message(), fields(), error, file, function, line)
    }

    @inlinable
    public func trace(
        _ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = LogFields(),
        error: (any Error)? = nil, file: String = #fileID, function: String = #function, line: UInt = #line
    ) { log(level: .trace, message(), fields(), error: error, file: file, function: function, line: line) }

    @inlinable
    public func debug(
        _ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = LogFields(),
        error: (any Error)? = nil, file: String = #fileID, function: String = #function, line: UInt = #line
    ) { log(level: .debug, message(), fields(), error: error, file: file, function: function, line: line) }

    @inlinable
    public func info(
        _ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = LogFields(),
        error: (any Error)? = nil, file: String = #fileID, function: String = #function, line: UInt = #line
    ) { log(level: .info, message(), fields(), error: error, file: file, function: function, line: line) }

    @inlinable
    public func notice(
        _ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = LogFields(),
        error: (any Error)? = nil, file: String = #fileID, function: String = #function, line: UInt = #line
    ) { log(level: .notice, message(), fields(), error: error, file: file, function: function, line: line) }

    @inlinable
    public func warning(
        _ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = LogFields(),
        error: (any Error)? = nil, file: String = #fileID, function: String = #function, line: UInt = #line
    ) { log(level: .warning, message(), fields(), error: error, file: file, function: function, line: line) }

    @inlinable
    public func error(
        _ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = LogFields(),
        error: (any Error)? = nil, file: String = #fileID, function: String = #function, line: UInt = #line
    ) { log(level: .error, message(), fields(), error: error, file: file, function: function, line: line) }

    @inlinable
    public func critical(
        _ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = LogFields(),
        error: (any Error)? = nil, file: String = #fileID, function: String = #function, line: UInt = #line
    ) { log(level: .critical, message(), fields(), error: error, file: file, function: function, line: line) }

    // MARK: - Encoding

    @usableFromInline
    func emit(_ level: LogLevel, _ message: String, _ fields: LogFields, _ error: (any Error)?, _ file: String, _ function: String, _ line: UInt) {
        let now = SystemTraceClock.read(CLOCK_REALTIME)
        Context.withCurrent { context in
            ScratchBuffer.with { scratch, caches in
                encode(into: &scratch.encoder, time: now, timestamps: &scratch.timestamps, caches: caches, level: level, message: message,
                       fields: fields, error: error, span: context.pointee.span?.context, contextFields: context.pointee.fields,
                       file: file, function: function, line: line)
                // Queued from the buffer: each destination's queue copies the bytes once.
                scratch.encoder.bytes.withUnsafeBytes { pipeline.enqueue(level: level, bytes: $0) }
            }
        }
    }

    /// Encodes one complete line, `\n` included.
    func encode(
        into encoder: inout JSONLineEncoder, time: UInt64, timestamps: inout TimestampCache, caches: borrowing ScratchBuffer.LineCaches, level: LogLevel,
        message: String, fields: LogFields,
        error: (any Error)?, span: SpanContext?, contextFields: BoundFields, file: String, function: String, line: UInt
    ) {
        let e = pipeline.encoding
        // {"timestamp":"…","level":"info","message":"…","trace_id":"…","span_id":"…","trace_flags":"01"
        // (in a span),"service.name":"…","logger":"…": one reservation for all of it when the message
        // is contiguous UTF-8 of at most 1 KiB (nearly always); else the message is escaped in chunks.
        JSONLineEncoder.refresh(&timestamps, unixNano: time)
        let levelBytes = e.levels[Int(level.rawValue)]
        let frameCount = e.open.count + JSONLineEncoder.maximumTimestampCount(timestamps) + levelBytes.count + e.message.count
        let written = message.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            guard utf8.count <= 1024 else { return false }
            encoder.appendUnsafe(maximum: frameCount + utf8.count * 6 + 2 + traceAndLabelCount(e)) { w in
                putFrame(e, time: time, timestamps: timestamps, level: levelBytes, to: &w)
                w.put(UInt8(ascii: "\""))
                _ = w.putEscaped(utf8.baseAddress ?? UnsafePointer(w.position), count: utf8.count, from: 0, to: utf8.count)
                w.put(UInt8(ascii: "\""))
                putTraceAndLabel(e, span: span, to: &w)
            }
            return true
        }
        if written != true {
            encoder.appendUnsafe(maximum: frameCount) { w in putFrame(e, time: time, timestamps: timestamps, level: levelBytes, to: &w) }
            encoder.appendString(message)
            encoder.appendUnsafe(maximum: traceAndLabelCount(e)) { w in putTraceAndLabel(e, span: span, to: &w) }
        }

        // The call's fields, in order; a key repeated in the call keeps its last value.
        let storage = fields.storage
        if !storage.isEmpty {
            storage.withUnsafeBufferPointer { e.appendCallFields($0, keys: caches.keys, to: &encoder) }
        }
        // Bound fields: the logger's, then the context's; the call (and then the logger) wins on equal keys.
        if !bound.isEmpty {
            if storage.isEmpty {
                encoder.bytes += bound.bytes
            } else {
                bound.append(to: &encoder) { key in storage.contains { e.userKey($0.0) == key } }
            }
        }
        let contextFields = contextFields.encoded(for: pipeline)
        if !contextFields.isEmpty {
            contextFields.append(to: &encoder) { key in
                storage.contains { e.userKey($0.0) == key } || bound.keys.contains(key)
            }
        }
        if let error { appendError(error, to: &encoder, encoding: e) }
        switch e.fieldNames.source {
        case .object(let key):
            // The call site's source object (kept per thread) and the line's end in one piece.
            if appendCachedSourceAndEnd(key: key, file: file, function: function, line: line, cache: caches.sources, encoding: e.id, to: &encoder) {
                return
            }
            appendSource(key: key, file: file, function: function, line: line, to: &encoder)
        case .flat(let fileKey, let lineKey, let functionKey):
            encoder.appendKey(fileKey)
            encoder.appendString(file)
            encoder.appendKey(lineKey)
            encoder.appendInteger(line)
            encoder.appendKey(functionKey)
            encoder.appendString(function)
        case .none:
            break
        }
        encoder.appendRaw("}\n")
    }

    /// `{"timestamp":"…","level":"…","message":` (the message's value follows).
    @inline(__always)
    private func putFrame(_ e: LineEncoding, time: UInt64, timestamps: TimestampCache, level: UnsafeBufferPointer<UInt8>, to w: inout ByteWriter) {
        w.put(e.open)
        JSONLineEncoder.putTimestamp(unixNano: time, fractionDigits: e.fieldNames.timestampFractionDigits, cache: timestamps, to: &w)
        w.put(level)
        w.put(e.message)
    }

    /// The most ``putTraceAndLabel(_:span:to:)`` writes.
    @inline(__always)
    private func traceAndLabelCount(_ e: LineEncoding) -> Int {
        e.traceID.count + e.spanID.count + (e.traceFlags?.count ?? 0) + 51 + e.serviceAndConstants.count + labelBytes.count
    }

    /// `,"trace_id":"…","span_id":"…","trace_flags":"01"` when `span` is valid, then
    /// `,"service.name":"…"`, the pipeline's constant fields and `,"logger":"<label>"`.
    @inline(__always)
    private func putTraceAndLabel(_ e: LineEncoding, span: SpanContext?, to w: inout ByteWriter) {
        if let span, span.isValid {
            w.put(e.traceID)
            Hex.write(span.traceID.high, to: w.position)
            Hex.write(span.traceID.low, to: w.position + 16)
            w.position += 32
            w.put(e.spanID)
            Hex.write(span.spanID.value, to: w.position)
            w.position += 16
            if let flags = e.traceFlags {
                w.put(flags)
                let table = Hex.digits.utf8Start
                let raw = span.traceFlags.rawValue & TraceFlags.known.rawValue  // reserved bits are written as 0, as in traceparent
                w.put(table[Int(raw >> 4)])
                w.put(table[Int(raw & 0xF)])
            }
            w.put(UInt8(ascii: "\""))
        }
        w.put(e.serviceAndConstants)
        labelBytes.withUnsafeBufferPointer { w.put($0) }
    }

    /// Writes `,"source":{…}}\n` (the call site's source object, kept per thread, and the end of
    /// the line) and returns `true`; `false`, with nothing written, when the object is too long to keep.
    @inline(__always)
    private func appendCachedSourceAndEnd(
        key: String, file: String, function: String, line: UInt, cache: borrowing SourceCache, encoding: UInt64, to encoder: inout JSONLineEncoder
    ) -> Bool {
        guard let cached = cache.encoded(key: key, file: file, function: function, line: line, encoding: encoding) else { return false }
        let comma = encoder.keyNeedsComma
        encoder.appendUnsafe(maximum: cached.count + 3) { w in
            if comma { w.put(UInt8(ascii: ",")) }
            w.put(cached)
            w.put("}\n")
        }
        return true
    }

    /// `,"source":{"file":…,"line":…,"function":…}`, encoded on every line: for a call site whose
    /// object is too long for the per-thread cache.
    private func appendSource(key: String, file: String, function: String, line: UInt, to encoder: inout JSONLineEncoder) {
        let comma = encoder.keyNeedsComma
        var file = file, function = function
        file.withUTF8 { fileBytes in
            function.withUTF8 { functionBytes in
                let keyCount = key.utf8.count
                guard fileBytes.count + functionBytes.count + keyCount <= 2048 else {
                    // Long texts: escaped in chunks rather than reserving 6 times their size.
                    encoder.appendKey(key)
                    encoder.appendRaw("{\"file\":")
                    encoder.appendEscaped(utf8: fileBytes, quoted: true)
                    encoder.appendRaw(",\"line\":")
                    encoder.appendInteger(line)
                    encoder.appendRaw(",\"function\":")
                    encoder.appendEscaped(utf8: functionBytes, quoted: true)
                    encoder.appendRaw("}")
                    return
                }
                var key = key
                key.withUTF8 { keyBytes in
                    encoder.appendUnsafe(maximum: (keyBytes.count + fileBytes.count + functionBytes.count) * 6 + 64) { w in
                        if comma { w.put(UInt8(ascii: ",")) }
                        w.put(UInt8(ascii: "\""))
                        _ = w.putEscaped(keyBytes.baseAddress ?? UnsafePointer(w.position), count: keyBytes.count, from: 0, to: keyBytes.count)
                        w.put("\":{\"file\":\"")
                        _ = w.putEscaped(fileBytes.baseAddress ?? UnsafePointer(w.position), count: fileBytes.count, from: 0, to: fileBytes.count)
                        w.put("\",\"line\":")
                        w.putDecimal(UInt64(line))
                        w.put(",\"function\":\"")
                        _ = w.putEscaped(functionBytes.baseAddress ?? UnsafePointer(w.position), count: functionBytes.count, from: 0, to: functionBytes.count)
                        w.put("\"}")
                    }
                }
            }
        }
    }

    /// `error.type`, `error.message`, and the chain of underlying errors (`NSUnderlyingErrorKey`)
    /// as `error.stack_trace`, one `caused by` per line.
    private func appendError(_ error: any Error, to encoder: inout JSONLineEncoder, encoding e: LineEncoding) {
        encoder.bytes.append(contentsOf: e.errorType)
        encoder.appendString(String(reflecting: type(of: error)))
        encoder.bytes.append(contentsOf: e.errorMessage)
        encoder.appendString(String(describing: error))
        var chain: [String] = []
        var current = (error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error
        while let underlying = current, chain.count < 16 {
            chain.append("caused by \(String(reflecting: type(of: underlying))): \(underlying)")
            current = (underlying as NSError).userInfo[NSUnderlyingErrorKey] as? any Error
        }
        if !chain.isEmpty {
            encoder.bytes.append(contentsOf: e.errorStackTrace)
            encoder.appendString("\(String(reflecting: type(of: error))): \(error)\n" + chain.joined(separator: "\n"))
        }
    }
}
