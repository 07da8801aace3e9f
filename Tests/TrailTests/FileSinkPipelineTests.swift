import Foundation
import Testing
@testable import Trail

/// A FileSink behind a real Logger and Pipeline, under load.
@Suite struct FileSinkPipelineTests {
    static let producers = 8
    /// 200,000 lines of ~250 bytes into 256 KiB files: ~190 rotations, each gzipped.
    static let linesPerProducer = 25_000

    @Test func eightProducersWritingThroughAPipelineLoseNothingAndSplitNothingAcrossRotatedGzippedFiles() async throws {
        let dir = try TemporaryDirectory()
        let maxBytes = 1 << 18
        let sink = try FileSink(path: dir.file("app.log"), options: .init(maxBytes: maxBytes, compress: true))
        var configuration = BatchingWriter<LogLine>.Configuration.logDefaults
        configuration.overflow = .block(timeout: .seconds(60))  // never drop: every line must arrive
        let pipeline = Pipeline(serviceName: "load", destinations: [sink], writerConfiguration: configuration, environment: [:])
        let logger = Logger(label: "load", level: .info, pipeline: pipeline)

        // Each producer runs on a thread of its own: the block policy may make it wait for room,
        // and a wait must not hold a thread of Swift's (2-thread) cooperative pool.
        let deadline = ContinuousClock.now + .seconds(300)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<Self.producers {
                group.addTask {
                    try await onOwnThread {
                        for i in 0..<Self.linesPerProducer where ContinuousClock.now < deadline {
                            logger.info("m", ["p": producer, "i": i])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await pipeline.shutdown(timeout: .seconds(60)))
        let counters = pipeline.writers[0].counters
        #expect(counters.accepted == Self.producers * Self.linesPerProducer)
        #expect(counters.written == counters.accepted && counters.dropped == 0)

        let files = dir.names()
        let path = dir.path
        let report = try await onOwnThread { try Self.check(files: files, in: path, maxBytes: maxBytes) }
        #expect(report.problems.isEmpty, "\(report.problems.prefix(10))")
        #expect(report.lines == Self.producers * Self.linesPerProducer)
        #expect(files.last == "app.log")
        #expect(files.dropLast().allSatisfy { $0.hasSuffix(".log.gz") }, "every rotated file is compressed after shutdown")
        #expect(files.count > 40, "\(files.count) files")
    }

    struct Report: Sendable {
        var lines = 0
        var problems: [String] = []
    }

    /// Reads every file in name order (rotated ones sort by time; the active file is the newest):
    /// each must end with a whole line and hold at most `maxBytes`; every line must parse as JSON;
    /// every (producer, i) must appear exactly once, and each producer's lines in order.
    static func check(files: [String], in directory: String, maxBytes: Int) throws -> Report {
        var report = Report()
        var seen = [Bool](repeating: false, count: producers * linesPerProducer)
        var last = [Int](repeating: -1, count: producers)
        let ordered = files.filter { $0 != "app.log" } + ["app.log"]
        for name in ordered {
            let bytes = try logFileBytes(directory + "/" + name)
            if bytes.count > maxBytes { report.problems.append("\(name): \(bytes.count) bytes") }
            if let final = bytes.last, final != 10 { report.problems.append("\(name) ends inside a line") }
            for line in bytes.split(separator: 10) {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                      let producer = object["p"] as? Int, let i = object["i"] as? Int,
                      (0..<producers).contains(producer), (0..<linesPerProducer).contains(i) else {
                    report.problems.append("\(name): not a whole line: \(String(decoding: line.prefix(200), as: UTF8.self))")
                    continue
                }
                let index = producer * linesPerProducer + i
                if seen[index] { report.problems.append("p\(producer) i\(i) twice") }
                if i <= last[producer] { report.problems.append("p\(producer) i\(i) after i\(last[producer])") }
                seen[index] = true
                last[producer] = i
                report.lines += 1
            }
        }
        if let missing = seen.firstIndex(of: false) {
            report.problems.append("missing p\(missing / linesPerProducer) i\(missing % linesPerProducer) and \(seen.count { !$0 } - 1) more")
        }
        return report
    }
}
