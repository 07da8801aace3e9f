import Foundation
import Testing
@testable import Trail

/// Naming, rotation by size and by time, and retention.
@Suite struct FileSinkTests {
    // MARK: Naming

    @Test func rotatedNamesCarryTheUTCTimeOfTheRotationToTheMillisecond() {
        let naming = RotatedFileNaming(path: "/var/log/shop/app.log")
        #expect(naming.directory == "/var/log/shop" && naming.stem == "app" && naming.pathExtension == ".log")
        #expect(naming.name(milliseconds: utcMilliseconds("2026-11-22T10:00:00Z")) == "app-2026-11-22T10-00-00.000.log")
        #expect(naming.name(milliseconds: utcMilliseconds("2026-01-02T03:04:05.067Z")) == "app-2026-01-02T03-04-05.067.log")
        #expect(naming.path("x") == "/var/log/shop/x")

        let bare = RotatedFileNaming(path: "events")
        #expect(bare.directory == "." && bare.stem == "events" && bare.pathExtension == "")
        #expect(bare.name(milliseconds: 0) == "events-1970-01-01T00-00-00.000")
        let hidden = RotatedFileNaming(path: "/.trail")
        #expect(hidden.directory == "/" && hidden.stem == ".trail" && hidden.pathExtension == "")
        #expect(hidden.path("a") == "/a")
        let dotted = RotatedFileNaming(path: "logs/app.v2.jsonl")
        #expect(dotted.directory == "logs" && dotted.stem == "app.v2" && dotted.pathExtension == ".jsonl")
    }

    @Test func onlyThisSinksRotatedNamesAreRecognised() throws {
        let naming = RotatedFileNaming(path: "/logs/app.log")
        let at = utcMilliseconds("2026-11-22T10:00:00.250Z")
        let plain = try #require(naming.parse("app-2026-11-22T10-00-00.250.log"))
        #expect(plain.milliseconds == at && plain.kind == .plain && plain.base == "app-2026-11-22T10-00-00.250.log")
        #expect(naming.parse("app-2026-11-22T10-00-00.250.log.gz")?.kind == .compressed)
        #expect(naming.parse("app-2026-11-22T10-00-00.250.log.gz")?.base == "app-2026-11-22T10-00-00.250.log")
        #expect(naming.parse("app-2026-11-22T10-00-00.250.log.gz.tmp")?.kind == .partial)
        for foreign in [
            "app.log", "app.log.1", "app.log.gz", "app-2026-11-22T10-00-00.250.txt", "app-2026-11-22T10-00-00.250.log.bak",
            "other-2026-11-22T10-00-00.250.log", "app-x-2026-11-22T10-00-00.250.log", "app-2026-11-22T10-00-00.log",
            "app-2026-13-22T10-00-00.250.log", "app-2026-11-22 10-00-00.250.log", "app-2026-11-22T10:00:00.250.log",
            "xapp-2026-11-22T10-00-00.250.log",
        ] {
            #expect(naming.parse(foreign) == nil, "\(foreign)")
        }
    }

    @Test func rotatedNamesSortInTimeOrder() {
        let naming = RotatedFileNaming(path: "app.log")
        var state: UInt64 = 7
        var times: [Int64] = [0, 999, 1000, utcMilliseconds("2026-12-31T23:59:59.999Z"), utcMilliseconds("2027-01-01T00:00:00Z")]
        for _ in 0..<500 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            times.append(Int64(state >> 24) % 4_102_444_800_000)  // up to 2100
        }
        let byName = times.map { naming.name(milliseconds: $0) }.sorted()
        #expect(byName == times.sorted().map { naming.name(milliseconds: $0) })
        for time in times { #expect(naming.parse(naming.name(milliseconds: time))?.milliseconds == time) }
    }

    // MARK: Size

    @Test func sizeRotationNeverSplitsABatchAndStaysUnderTheLimitUnlessOneBatchIsBigger() throws {
        let dir = try TemporaryDirectory()
        let clock = TestClock("2026-11-22T10:00:00Z")  // never advances: names are made unique by the millisecond
        let sink = try FileSink.testing(dir.file("app.log"), .init(maxBytes: 100), clock: clock)
        var batches: [[String]] = []
        var seed: UInt64 = 3
        for b in 0..<60 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let lines = Int(seed >> 60) % 4 + 1
            batches.append((0..<lines).map { "b\(b)-l\($0)-" + String(repeating: "x", count: Int(seed >> 40) % 20) })
        }
        batches.insert(["big-" + String(repeating: "y", count: 250)], at: 30)  // larger than maxBytes
        for batch in batches { try sink.write(batch) }

        let rotated = dir.names().filter { $0 != "app.log" }
        #expect(rotated.first == "app-2026-11-22T10-00-00.000.log")
        #expect(rotated.count > 10)
        let files = rotated + ["app.log"]  // in time order
        var remaining = batches.map { $0.map { $0 + "\n" }.joined() }[...]
        for file in files {
            let content = try dir.text(file)
            // Each file holds whole consecutive batches, in order.
            var consumed = ""
            var count = 0
            while consumed.utf8.count < content.utf8.count, let next = remaining.first {
                consumed += next
                remaining = remaining.dropFirst()
                count += 1
            }
            #expect(consumed == content, "\(file) holds whole batches")
            #expect(content.utf8.count <= 100 || count == 1, "\(file) is over the limit with \(count) batches")
            if content.hasPrefix("big-") { #expect(count == 1, "the oversized batch is alone") }
        }
        #expect(remaining.isEmpty)
    }

    @Test func aBatchThatFitsExactlyDoesNotRotate() throws {
        let dir = try TemporaryDirectory()
        let sink = try FileSink.testing(dir.file("app.log"), .init(maxBytes: 20), clock: TestClock("2026-11-22T10:00:00Z"))
        try sink.write(["123456789"])  // 10 bytes with the newline
        try sink.write(["abcdefghi"])  // 20: exactly the limit
        #expect(dir.names() == ["app.log"])
        try sink.write(["z"])
        #expect(dir.names() == ["app-2026-11-22T10-00-00.000.log", "app.log"])
        #expect(try dir.text("app.log") == "z\n")
    }

    @Test func alreadyEncodedLinesFollowTheSameRotationRules() throws {
        let dir = try TemporaryDirectory()
        let sink = try FileSink.testing(dir.file("events.ndjson"), .init(maxBytes: 16), clock: TestClock("2026-11-22T10:00:00Z"))
        try sink.write(encodedLines: Array("a,b,c\nd,e,f\n".utf8))
        try sink.write(encodedLines: [])
        try sink.write(encodedLines: Array("g,h,i\n".utf8))  // 18 > 16: a new file
        #expect(dir.names() == ["events-2026-11-22T10-00-00.000.ndjson", "events.ndjson"])
        #expect(try dir.text("events-2026-11-22T10-00-00.000.ndjson") == "a,b,c\nd,e,f\n")
        #expect(try dir.text("events.ndjson") == "g,h,i\n")
    }

    // MARK: Time

    @Test func hourlyRotationHappensAtTheFirstBatchOfEachNewHour() throws {
        let dir = try TemporaryDirectory()
        let clock = TestClock("2026-11-22T10:59:59.500Z")
        let sink = try FileSink.testing(dir.file("app.log"), .init(interval: .hourly), clock: clock)
        try sink.write(["a"])
        clock.set("2026-11-22T10:59:59.999Z")
        try sink.write(["b"])
        #expect(dir.names() == ["app.log"])
        clock.set("2026-11-22T11:00:00.000Z")
        try sink.write(["c"])
        #expect(dir.names() == ["app-2026-11-22T11-00-00.000.log", "app.log"])
        #expect(try dir.text("app-2026-11-22T11-00-00.000.log") == "a\nb\n")
        clock.set("2026-11-22T11:59:00Z")
        try sink.write(["d"])
        // Quiet for hours: one rotation at the next batch, and the next boundary is the hour after it.
        clock.set("2026-11-22T14:10:00.123Z")
        try sink.write(["e"])
        clock.set("2026-11-22T14:59:59Z")
        try sink.write(["f"])
        #expect(dir.names() == ["app-2026-11-22T11-00-00.000.log", "app-2026-11-22T14-10-00.123.log", "app.log"])
        #expect(try dir.text("app-2026-11-22T14-10-00.123.log") == "c\nd\n")
        #expect(try dir.text("app.log") == "e\nf\n")
    }

    @Test func aPassedBoundaryDoesNotRotateAnEmptyFile() throws {
        let dir = try TemporaryDirectory()
        let clock = TestClock("2026-11-22T10:30:00Z")
        let sink = try FileSink.testing(dir.file("app.log"), .init(interval: .hourly), clock: clock)
        clock.set("2026-11-22T11:30:00Z")
        try sink.write(["first"])
        #expect(dir.names() == ["app.log"])
        clock.set("2026-11-22T12:00:00Z")
        try sink.write(["second"])
        #expect(dir.names() == ["app-2026-11-22T12-00-00.000.log", "app.log"])
    }

    @Test func dailyUTCRotationHappensAtUTCMidnight() throws {
        let dir = try TemporaryDirectory()
        let clock = TestClock("2026-11-22T00:00:00Z")
        let sink = try FileSink.testing(dir.file("app.log"), .init(interval: .dailyUTC), clock: clock)
        try sink.write(["sunday"])
        clock.set("2026-11-22T23:59:59.999Z")
        try sink.write(["late sunday"])
        #expect(dir.names() == ["app.log"])
        clock.set("2026-11-23T00:00:00.001Z")
        try sink.write(["monday"])
        #expect(dir.names() == ["app-2026-11-23T00-00-00.001.log", "app.log"])
        #expect(try dir.text("app-2026-11-23T00-00-00.001.log") == "sunday\nlate sunday\n")
    }

    @Test func dailyLocalRotationFollowsTheZonesMidnightAcrossADaylightSavingChange() throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        // 2026-03-08 is the day US clocks go forward: a 23-hour day.
        #expect(FileSink.Interval.daily(newYork).nextBoundary(after: utc("2026-03-07T17:00:00Z")) == utc("2026-03-08T05:00:00Z"))
        #expect(FileSink.Interval.daily(newYork).nextBoundary(after: utc("2026-03-08T05:00:00Z")) == utc("2026-03-09T04:00:00Z"))
        // 2026-11-01 they go back: 25 hours.
        #expect(FileSink.Interval.daily(newYork).nextBoundary(after: utc("2026-11-01T04:00:00Z")) == utc("2026-11-02T05:00:00Z"))
        #expect(FileSink.Interval.dailyLocal == .daily(.current))

        let dir = try TemporaryDirectory()
        let clock = TestClock("2026-03-07T17:00:00Z")  // noon in New York
        let sink = try FileSink.testing(dir.file("app.log"), .init(interval: .daily(newYork)), clock: clock)
        try sink.write(["saturday"])
        clock.set("2026-03-08T04:59:59.999Z")
        try sink.write(["saturday night"])
        clock.set("2026-03-08T05:00:00Z")
        try sink.write(["sunday"])
        clock.set("2026-03-09T03:59:59Z")  // 23:59:59 EDT
        try sink.write(["sunday night"])
        #expect(dir.names().count == 2)
        clock.set("2026-03-09T04:00:00Z")
        try sink.write(["monday"])
        #expect(dir.names() == ["app-2026-03-08T05-00-00.000.log", "app-2026-03-09T04-00-00.000.log", "app.log"])
        #expect(try dir.text("app-2026-03-09T04-00-00.000.log") == "sunday\nsunday night\n")
    }

    @Test func aFileLastWrittenBeforeTheCurrentPeriodIsRotatedByTheFirstBatch() throws {
        let dir = try TemporaryDirectory()
        let clock = TestClock("2026-11-23T08:00:00Z")
        #expect(FileManager.default.createFile(atPath: dir.file("app.log"), contents: Data("yesterday\n".utf8)))
        try FileManager.default.setAttributes([.modificationDate: utc("2026-11-22T22:00:00Z")], ofItemAtPath: dir.file("app.log"))
        let sink = try FileSink.testing(dir.file("app.log"), .init(interval: .dailyUTC), clock: clock)
        try sink.write(["today"])
        #expect(dir.names() == ["app-2026-11-23T08-00-00.000.log", "app.log"])
        #expect(try dir.text("app-2026-11-23T08-00-00.000.log") == "yesterday\n")
    }

    // MARK: Retention

    @Test func retentionKeepsTheNewestRotatedFilesAndNothingElseIsTouched() async throws {
        let dir = try TemporaryDirectory()
        let strangers = ["app.log.bak", "other-2026-11-22T09-00-00.000.log", "app-notatime.log", "app-2026-11-22T09-00-00.000.txt", "notes"]
        for name in strangers { #expect(FileManager.default.createFile(atPath: dir.file(name), contents: Data("keep\n".utf8))) }
        let clock = TestClock("2026-11-22T10:00:00Z")
        let sink = try FileSink.testing(dir.file("app.log"), .init(maxBytes: 10, maxFiles: 3), clock: clock)
        for i in 0..<10 {
            try sink.write(["line \(i)"])  // 7 bytes: every batch after the first rotates
            clock.advance(seconds: 1)
        }
        try await sink.settle()
        let rotated = dir.names().filter { $0.hasPrefix("app-2026") && $0.hasSuffix(".log") }
        #expect(rotated == ["app-2026-11-22T10-00-07.000.log", "app-2026-11-22T10-00-08.000.log", "app-2026-11-22T10-00-09.000.log"])
        #expect(try dir.text("app-2026-11-22T10-00-09.000.log") == "line 8\n")
        #expect(Set(dir.names()) == Set(strangers + rotated + ["app.log"]))
        for name in strangers { #expect(try dir.text(name) == "keep\n") }
    }

    @Test func retentionAtStartUpTrimsFilesFromEarlierRunsByCount() async throws {
        let dir = try TemporaryDirectory()
        let old = (1...5).map { "app-2026-11-2\($0)T10-00-00.000.log" }
        for name in old { #expect(FileManager.default.createFile(atPath: dir.file(name), contents: Data("x\n".utf8))) }
        let sink = try FileSink.testing(dir.file("app.log"), .init(maxFiles: 2), clock: TestClock("2026-11-26T00:00:00Z"))
        try await sink.settle()
        #expect(dir.names() == ["app-2026-11-24T10-00-00.000.log", "app-2026-11-25T10-00-00.000.log", "app.log"])
    }

    @Test func retentionByAgeDeletesFilesRotatedLongerAgoAtStartUpAndAfterEachRotation() async throws {
        let dir = try TemporaryDirectory()
        let names = ["app-2026-11-22T07-00-00.000.log.gz", "app-2026-11-22T08-00-00.000.log", "app-2026-11-22T09-30-00.000.log"]
        for name in names { #expect(FileManager.default.createFile(atPath: dir.file(name), contents: Data())) }
        let clock = TestClock("2026-11-22T10:00:00Z")
        let sink = try FileSink.testing(dir.file("app.log"), .init(maxBytes: 5, maxAge: .seconds(3600)), clock: clock)
        try await sink.settle()
        #expect(dir.names() == ["app-2026-11-22T09-30-00.000.log", "app.log"])
        clock.set("2026-11-22T10:40:00Z")  // the 09:30 file is now 70 minutes old
        try sink.write(["abc"])
        try sink.write(["def"])  // rotates
        try await sink.settle()
        #expect(dir.names() == ["app-2026-11-22T10-40-00.000.log", "app.log"])
    }
}
