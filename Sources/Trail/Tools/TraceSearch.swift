import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds every line of one trace in JSON-lines files (`trail grep`, `trail show`), fast enough for
/// gigabytes: each file is streamed in pieces of whole lines (``LineReader``, gzip included), each
/// piece is searched for the trace id's 32 hex characters with `memmem`, and only a line that contains
/// them is parsed, to check that the id is the value of one of the ``Filter/idKeys`` (not a
/// coincidence in a message). Files are read by a few threads at once.
///
/// Lines that are not JSON objects cannot name a trace, so they are skipped without a word. Files
/// are searched for the lowercase id, as W3C trace context, OpenTelemetry and Trail write it.
package struct TraceSearch: Sendable {
    /// Which lines belong to a trace, and when they happened.
    package struct Filter: Sendable {
        /// Top-level keys whose string value is the trace id. A key `trace` holding an object with
        /// `id` (nested ECS) counts as `trace.id`.
        package var idKeys: Set<String>
        /// Keys of the line's time, tried in order: an RFC 3339 string or integer nanoseconds.
        package var timeKeys: [String]

        /// Log lines: `trace_id` (OpenTelemetry, Trail's default) or `trace.id` (ECS);
        /// `timestamp` or `@timestamp`.
        package static let logs = Filter(idKeys: ["trace_id", "trace.id"], timeKeys: ["timestamp", "@timestamp"])
        /// Span files of ``JSONLinesSpanExporter``: `traceId`; `startTimeUnixNano`.
        package static let spans = Filter(idKeys: ["traceId"], timeKeys: ["startTimeUnixNano"])
    }

    /// One line of the trace.
    package struct Match: Sendable {
        /// Nanoseconds since 1970; a line without a readable time has the time of the match before it
        /// in the same file (0 for the first).
        package var time: UInt64
        /// Index of the file in ``Result/files``, and of the match within it.
        package var file: Int
        package var sequence: Int
        /// The line without its `\n` (and `\r`).
        package var line: [UInt8]
    }

    /// Where a search is, for progress reports.
    package struct Progress: Sendable {
        package var filesDone: Int
        package var files: Int
        /// Input bytes read so far (compressed bytes for gzip files) and in total.
        package var bytesRead: Int
        package var bytes: Int
        package var elapsed: Duration
    }

    package struct Result: Sendable {
        /// Sorted by time, then file, then position in the file.
        package var matches: [Match]
        package var files: [LogFiles.File]
        /// Paths that do not exist, cannot be read, or hold corrupt gzip data (matches found before
        /// the damage are kept).
        package var problems: [ReadFailure]
        /// Lines longer than ``LineReader/maxLineBytes``, which are not searched.
        package var overlongLines: Int
    }

    package let traceID: TraceID
    package let filter: Filter
    package var reader = LineReader()
    /// Threads reading files at once.
    package var workers = min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))

    package init(traceID: TraceID, filter: Filter) {
        self.traceID = traceID
        self.filter = filter
    }

    /// Searches the files under `paths`. Calls `progress` (from the calling thread) every
    /// `progressInterval` while the search runs, never when it takes less.
    package func run(paths: [String], progressInterval: Duration = .seconds(1), progress: ((Progress) -> Void)? = nil) -> Result {
        let (files, listingProblems) = LogFiles.expand(paths)
        let total = files.reduce(0) { $0 + $1.size }
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let bytesRead = Atomic<Int>(0)
        let found = Locked<(matches: [[Match]], problems: [(Int, ReadFailure)], overlong: Int)>(
            (Array(repeating: [], count: files.count), [], 0))
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "trail.search", attributes: .concurrent)
        for _ in 0..<min(workers, max(files.count, 1)) {
            queue.async(group: group) {
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < files.count else { return }
                    let outcome = search(files[index].path, index: index) { bytesRead.add($0, ordering: .relaxed) }
                    found.withLock {
                        $0.matches[index] = outcome.matches
                        $0.overlong += outcome.overlong
                        if let problem = outcome.problem { $0.problems.append((index, problem)) }
                    }
                    done.add(1, ordering: .relaxed)
                }
            }
        }
        let start = ContinuousClock.now
        // Bounded: every worker ends after the last file; each file is read to its size when opened.
        let intervalMilliseconds = max(1, Int(progressInterval / .milliseconds(1)))
        while group.wait(timeout: .now() + .milliseconds(intervalMilliseconds)) == .timedOut {
            progress?(Progress(filesDone: done.load(ordering: .relaxed), files: files.count, bytesRead: bytesRead.load(ordering: .relaxed), bytes: total, elapsed: ContinuousClock.now - start))
        }
        let results = found.withLock { $0 }
        var matches = results.matches.flatMap { $0 }
        matches.sort { ($0.time, $0.file, $0.sequence) < ($1.time, $1.file, $1.sequence) }
        let problems = listingProblems + results.problems.sorted { $0.0 < $1.0 }.map(\.1)
        return Result(matches: matches, files: files, problems: problems, overlongLines: results.overlong)
    }

    /// The matching lines of one file (each with its own or an inherited time).
    func search(_ path: String, index: Int, consumed: (Int) -> Void) -> (matches: [Match], problem: ReadFailure?, overlong: Int) {
        var matches: [Match] = []
        var overlong = 0
        var lastTime: UInt64 = 0
        var needle: [UInt8] = []
        traceID.appendHex(to: &needle)
        do {
            try needle.withUnsafeBytes { needle in
                try reader.read(path: path, consumed: consumed) { piece in
                    switch piece {
                    case .overlong(let bytes):
                        if bytes.last == 0x0A { overlong += 1 }
                    case .lines(let bytes):
                        Self.forEachLine(in: bytes, containing: needle) { line in
                            guard let time = accepts(line) else { return }
                            if let time { lastTime = time }
                            var bytes = Array(line)
                            if bytes.last == 0x0D { bytes.removeLast() }
                            matches.append(Match(time: time ?? lastTime, file: index, sequence: matches.count, line: bytes))
                        }
                    }
                }
            }
        } catch let failure as ReadFailure {
            return (matches, failure, overlong)
        } catch {
            return (matches, ReadFailure("\(path): \(error)"), overlong)
        }
        return (matches, nil, overlong)
    }

    /// Calls `body` with each line of `bytes` (without its `\n`) that contains `needle`.
    static func forEachLine(in bytes: UnsafeRawBufferPointer, containing needle: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard let base = bytes.baseAddress, let needleBase = needle.baseAddress else { return }
        let end = bytes.count
        var from = 0
        while from < end, let hit = ByteSearch.find(needleBase, needle.count, in: base + from, end - from) {
            let at = hit - base
            var lineStart = at
            while lineStart > from && bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
            let lineEnd = memchr(base + at, 0x0A, end - at).map { UnsafeRawPointer($0) - base } ?? end
            body(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd]))
            from = lineEnd + 1
        }
    }

    /// `nil` when the line is not this trace's; else its time, if it has one.
    func accepts(_ line: UnsafeRawBufferPointer) -> UInt64?? {
        guard let fields = JSONLineScanner.fields(line) else { return nil }
        let hex = traceID.hexString
        var matched = false
        var time: UInt64?
        var timeRank = Int.max
        for (key, value) in fields {
            if filter.idKeys.contains(key), case .string(let id) = value, id == hex { matched = true }
            if key == "trace", filter.idKeys.contains("trace.id"), case .raw(let raw) = value, raw.hasPrefix("{"),
               JSONValue.parse(Array(raw.utf8))?["id"]?.string == hex { matched = true }
            if let rank = filter.timeKeys.firstIndex(of: key), rank < timeRank, let t = Self.time(value) {
                time = t
                timeRank = rank
            }
        }
        return matched ? .some(time) : nil
    }

    static func time(_ value: JSONLineScanner.Value) -> UInt64? {
        switch value {
        case .string(let text): RFC3339.nanoseconds(text) ?? UInt64(text)
        case .raw(let text): UInt64(text)
        }
    }
}

/// `memmem(3)`: the C library's substring search (glibc's compares two-byte hashes and skips ahead,
/// several GB/s for a 32-byte needle). It is a GNU/BSD extension that Swift's `Glibc` module does
/// not declare, so it is looked up at run time; a plain `memchr` + `memcmp` loop stands in if absent.
enum ByteSearch {
    typealias Function = @convention(c) (UnsafeRawPointer?, Int, UnsafeRawPointer?, Int) -> UnsafeMutableRawPointer?

    static let memmem: Function? = {
        #if canImport(Darwin)
        let handle = UnsafeMutableRawPointer(bitPattern: -2)  // RTLD_DEFAULT
        #else
        let handle: UnsafeMutableRawPointer? = nil  // RTLD_DEFAULT
        #endif
        return dlsym(handle, "memmem").map { unsafeBitCast($0, to: Function.self) }
    }()

    /// The first occurrence of `needle` in `haystack`, or `nil`.
    static func find(_ needle: UnsafeRawPointer, _ needleCount: Int, in haystack: UnsafeRawPointer, _ count: Int) -> UnsafeRawPointer? {
        if let memmem { return memmem(haystack, count, needle, needleCount).map { UnsafeRawPointer($0) } }
        guard needleCount > 0, count >= needleCount else { return nil }
        let first = needle.load(as: UInt8.self)
        var at = haystack
        let last = haystack + (count - needleCount)
        while at <= last, let hit = memchr(at, Int32(first), last - at + 1) {
            if memcmp(hit, needle, needleCount) == 0 { return UnsafeRawPointer(hit) }
            at = UnsafeRawPointer(hit) + 1
        }
        return nil
    }
}
