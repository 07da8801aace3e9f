import Foundation
import Testing
@testable import Trail

/// Compression, crash leftovers, files moved under the sink, SIGHUP, and failures.
@Suite struct FileSinkRecoveryTests {
    // MARK: Compression

    @Test func rotatedFilesAreGzippedInTheBackgroundAndHoldEveryLineInOrder() async throws {
        let dir = try TemporaryDirectory()
        let clock = TestClock("2026-11-22T10:00:00Z")
        let sink = try FileSink.testing(dir.file("app.log"), .init(maxBytes: 300, compress: true), clock: clock)
        let lines = (0..<200).map { #"{"n":\#($0),"message":"hello"}"# }
        for chunk in stride(from: 0, to: lines.count, by: 5) {
            try sink.write(Array(lines[chunk..<chunk + 5]))
            clock.advance(seconds: 0.01)
        }
        try await sink.settle()
        let names = dir.names()
        #expect(names.last == "app.log")
        let rotated = names.dropLast()
        #expect(rotated.count > 10)
        #expect(rotated.allSatisfy { $0.hasPrefix("app-2026-11-22T10-00-") && $0.hasSuffix(".log.gz") }, "\(rotated)")
        var text = ""
        for name in names { text += try dir.text(name) }
        #expect(text == lines.map { $0 + "\n" }.joined())
    }

    @Test(.enabled(if: hasGzipExecutable)) func theSystemGzipAcceptsARotatedFile() async throws {
        let dir = try TemporaryDirectory()
        let sink = try FileSink.testing(dir.file("app.log"), .init(maxBytes: 10, compress: true), clock: TestClock("2026-11-22T10:00:00Z"))
        try sink.write(["first line"])
        try sink.write(["second line"])
        try await sink.settle()
        let gz = dir.file("app-2026-11-22T10-00-00.000.log.gz")
        #expect(try await onOwnThread { try runToCompletion(gzipExecutable, ["-t", gz]) } == 0)
        #expect(try dir.text("app-2026-11-22T10-00-00.000.log.gz") == "first line\n")
    }

    @Test func aRotatedFileACrashLeftUncompressedIsCompressedAtStartUpAndPartialOnesAreDeleted() async throws {
        let dir = try TemporaryDirectory()
        let plain = "app-2026-11-22T08-00-00.000.log"
        let both = "app-2026-11-22T09-00-00.000.log"  // crashed after the rename, before deleting the source
        let files: [String: [UInt8]] = [
            plain: Array("from the crashed run\n".utf8),
            both: Array("compressed twice\n".utf8),
            both + ".gz": try Gzip.compress(Array("compressed twice\n".utf8)),
            "app-2026-11-22T09-30-00.000.log.gz.tmp": [0x1f, 0x8b, 8, 0],  // an interrupted compression
            "other-2026-11-22T09-30-00.000.log.gz.tmp": [1],  // not ours
        ]
        for (name, bytes) in files { #expect(FileManager.default.createFile(atPath: dir.file(name), contents: Data(bytes))) }
        let sink = try FileSink.testing(dir.file("app.log"), .init(compress: true), clock: TestClock("2026-11-22T10:00:00Z"))
        try await sink.settle()
        #expect(dir.names() == [plain + ".gz", both + ".gz", "app.log", "other-2026-11-22T09-30-00.000.log.gz.tmp"])
        #expect(try dir.text(plain + ".gz") == "from the crashed run\n")
        #expect(try dir.text(both + ".gz") == "compressed twice\n")
    }

    @Test func shutdownWaitsForPendingCompressionsThenLaterWritesThrow() async throws {
        let dir = try TemporaryDirectory()
        let clock = TestClock("2026-11-22T10:00:00Z")
        let sink = try FileSink.testing(dir.file("app.log"), .init(maxBytes: 100_000, compress: true), clock: clock)
        let line = String(repeating: "z", count: 999)
        for _ in 0..<8 {
            try sink.write(Array(repeating: line, count: 100))  // 100 kB: every batch after the first rotates
            clock.advance(seconds: 1)
        }
        await sink.shutdown()
        let names = dir.names()
        #expect(names.count == 8)
        #expect(names.dropLast().allSatisfy { $0.hasSuffix(".log.gz") }, "\(names)")
        do {
            try sink.write(["late"])
            Issue.record("a write after shutdown succeeded")
        } catch let error as FileSinkError {
            #expect(error.operation == .closed)
        }
    }

    // MARK: Files moved under the sink

    @Test func aFileMovedOrDeletedExternallyIsRecreatedByTheNextBatchAndNothingIsLost() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("logs/app.log")
        let sink = try FileSink.testing(path, .init(), clock: TestClock("2026-11-22T10:00:00Z"))
        try sink.write(["a1", "a2"])
        // logrotate without copytruncate: rename, and the sink creates a new file.
        try FileManager.default.moveItem(atPath: path, toPath: dir.file("logs/app.log.1"))
        try sink.write(["b"])
        #expect(try dir.text("logs/app.log.1") == "a1\na2\n")
        #expect(try dir.text("logs/app.log") == "b\n")
        // Replaced by another file.
        try FileManager.default.removeItem(atPath: path)
        #expect(FileManager.default.createFile(atPath: path, contents: Data("someone else\n".utf8)))
        try sink.write(["c"])
        #expect(try dir.text("logs/app.log") == "someone else\nc\n")
        // Deleted with its directory.
        try FileManager.default.removeItem(atPath: dir.file("logs"))
        try sink.write(["d"])
        #expect(try dir.text("logs/app.log") == "d\n")
        // Truncated in place (logrotate's copytruncate): appends go to the new end.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.close()
        try sink.write(["e"])
        #expect(try dir.text("logs/app.log") == "e\n")
        #expect(sink.openCount == 4)
    }

    @Test func afterSIGHUPTheNextBatchReopensTheFile() async throws {
        let dir = try TemporaryDirectory()
        let clock = TestClock("2026-11-22T10:00:00Z")
        let withHangup = try FileSink.testing(dir.file("hup.log"), .init(reopenOnSIGHUP: true), clock: clock)
        let without = try FileSink.testing(dir.file("plain.log"), .init(), clock: clock)
        try withHangup.write(["before"])
        try without.write(["before"])
        // To the process, not this thread: threads of Swift's pool block signals, and a signal
        // raised on one would wait there. Some other thread runs the handler, soon.
        let before = FileSinkHangup.generation.load(ordering: .relaxed)
        #expect(kill(getpid(), SIGHUP) == 0)  // the handler is installed: the process keeps running
        for _ in 0..<500 where FileSinkHangup.generation.load(ordering: .relaxed) == before { try await Task.sleep(for: .milliseconds(10)) }
        #expect(FileSinkHangup.generation.load(ordering: .relaxed) > before)
        try withHangup.write(["after"])
        try without.write(["after"])
        #expect(withHangup.openCount == 2)
        #expect(without.openCount == 1)
        try withHangup.write(["again"])
        #expect(withHangup.openCount == 2, "one reopen per signal")
        #expect(try dir.text("hup.log") == "before\nafter\nagain\n")
    }

    // MARK: Failures

    @Test func aPathThatCannotBeCreatedThrowsAnErrorThatSaysWhatToCheck() throws {
        let dir = try TemporaryDirectory()
        #expect(FileManager.default.createFile(atPath: dir.file("blocker"), contents: Data()))
        for path in [dir.file("blocker/logs/app.log"), dir.file("blocker/app.log")] {
            do {
                _ = try FileSink(path: path)
                Issue.record("no error for \(path)")
            } catch let error as FileSinkError {
                #expect(error.operation == .createDirectory)
                #expect(error.errno == ENOTDIR)
                #expect(error.path == dir.file("blocker"))
                #expect(error.description.hasPrefix("cannot create directory \(dir.file("blocker")) for log file \(path): Not a directory"))
                #expect(error.description.contains("check that"))
            }
        }
        do {
            _ = try FileSink(path: dir.path)
            Issue.record("no error")
        } catch let error as FileSinkError {
            #expect(error.operation == .open && error.errno == EISDIR)
        }
        #expect(dir.names() == ["blocker"])
    }

    @Test func aWriteThatFailsPartWayIsCutBackToWholeLinesAndThrown() throws {
        let dir = try TemporaryDirectory()
        // Writes at most 7 bytes per call (partial writes), and fails with ENOSPC once the budget is spent.
        let budget = Locked(Int.max)
        let write: FileSinkIO.WriteFunction = { fd, bytes in
            let allowed = budget.withLock { budget -> Int in
                let n = min(budget, bytes.count, 7)
                budget -= n
                return n
            }
            guard allowed > 0 else { return (-1, ENOSPC) }
            return FileSinkIO.systemWrite(fd, UnsafeRawBufferPointer(rebasing: bytes[..<allowed]))
        }
        let sink = try FileSink.testing(dir.file("app.log"), .init(maxBytes: 1000), clock: TestClock("2026-11-22T10:00:00Z"), write: write)
        try sink.write(["first batch", "whole"])
        budget.withLock { $0 = 10 }
        do {
            try sink.write(["second batch", "never half written"])
            Issue.record("no error")
        } catch let error as FileSinkError {
            #expect(error.operation == .write && error.errno == ENOSPC)
            #expect(error.description.contains("No space left on device"))
            #expect(error.description.contains("only whole lines"))
        }
        #expect(try dir.text("app.log") == "first batch\nwhole\n")
        budget.withLock { $0 = .max }
        try sink.write(["third"])
        #expect(try dir.text("app.log") == "first batch\nwhole\nthird\n")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func aFullDeviceGivesAWriteErrorAndIsNeverRotated() throws {
        // No rotation or retention options: the sink only opens and writes /dev/full.
        let sink = try FileSink(path: "/dev/full")
        do {
            try sink.write(["nowhere to go"])
            Issue.record("no error")
        } catch let error as FileSinkError {
            #expect(error.operation == .write && error.errno == ENOSPC)
            #expect(error.description.contains("/dev/full"))
        }
        #expect(FileManager.default.fileExists(atPath: "/dev/full"))
    }

    @Test func aBatchThatFailedPartWayIsRetriedByItsWriterAndLandsExactlyOnce() async throws {
        let dir = try TemporaryDirectory()
        // The first call writes 4 bytes, the second fails with ENOSPC; then the disk has room again.
        let calls = Locked(0)
        let write: FileSinkIO.WriteFunction = { fd, bytes in
            let call = calls.withLock { calls -> Int in
                calls += 1
                return calls
            }
            if call == 1 { return FileSinkIO.systemWrite(fd, UnsafeRawBufferPointer(rebasing: bytes[..<4])) }
            if call == 2 { return (-1, ENOSPC) }
            return FileSinkIO.systemWrite(fd, bytes)
        }
        let sink = try FileSink.testing(dir.file("app.log"), .init(), clock: TestClock("2026-11-22T10:00:00Z"), write: write)
        let writer = BatchingWriter(destination: sink, configuration: .init(
            name: "file-retry-test", maxDelay: .milliseconds(10), retry: RetryPolicy(initialBackoff: .milliseconds(10))))
        for text in ["one", "two", "three"] { writer.enqueue(logLine(text)) }
        #expect(await writer.shutdown(timeout: .seconds(10)))
        #expect(writer.counters.written == 3 && writer.counters.failed == 0)
        #expect(try dir.text("app.log") == "one\ntwo\nthree\n")
    }

    @Test func failuresThatRetryingCannotFixAreNotRetried() throws {
        let dir = try TemporaryDirectory()
        #expect(FileManager.default.createFile(atPath: dir.file("blocker"), contents: Data()))
        #expect(throws: FileSinkError.self) { _ = try FileSink(path: dir.file("blocker/app.log")) }
        do {
            _ = try FileSink(path: dir.file("blocker/app.log"))
        } catch let error as FileSinkError {
            #expect(!error.isTransient, "ENOTDIR needs a person")
        }
        let full = FileSinkError(.write, path: "x", errno: ENOSPC, "full")
        #expect(full.isTransient, "a full disk may get room")
        #expect(!FileSinkError(.write, path: "x", errno: ENOSPC, "full, and not cut back", retryable: false).isTransient)
        #expect(!FileSinkError(.closed, path: "x", errno: 0, "closed").isTransient)
    }
}
