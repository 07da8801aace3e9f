import Foundation
import Testing
@testable import Trail

@Suite struct GzipTests {
    /// Deterministic bytes that compress somewhat (a small alphabet) but not trivially.
    func sample(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(ascii: "a") + UInt8((state >> 33) % 20)
        }
    }

    @Test func compressedBytesDecompressToTheSameBytes() throws {
        for count in [0, 1, 100, Gzip.chunkSize - 1, Gzip.chunkSize, Gzip.chunkSize * 3 + 17] {
            let original = sample(count)
            let compressed = try Gzip.compress(original)
            #expect(Array(compressed.prefix(3)) == [0x1f, 0x8b, 8], "gzip magic and deflate method")
            #expect(try Gzip.decompress(compressed) == original, "\(count) bytes")
        }
    }

    @Test func repetitiveLogTextShrinks() throws {
        let line = Array(#"{"level":"info","message":"request handled","status":200}"#.utf8) + [10]
        let text = Array((0..<1000).map { _ in line }.joined())
        #expect(try Gzip.compress(text).count < text.count / 20)
    }

    @Test func concatenatedMembersDecompressToTheConcatenation() throws {
        let a = sample(1000, seed: 1), b = sample(70_000, seed: 2)
        #expect(try Gzip.decompress(try Gzip.compress(a) + Gzip.compress(b)) == a + b)
    }

    @Test func corruptTruncatedAndForeignDataAreRejectedWithAReason() throws {
        let compressed = try Gzip.compress(sample(5000))
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress([]) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Array("plain text".utf8)) }
        do {
            _ = try Gzip.decompress(Array(compressed.dropLast(10)))
            Issue.record("a truncated stream was accepted")
        } catch let failure as Gzip.Failure {
            #expect(failure.description.contains("ends early"))
        }
        #expect(throws: Gzip.Failure.self, "bytes after the last member that are not another member") {
            try Gzip.decompress(compressed + Array("junk".utf8))
        }
        var flipped = compressed
        flipped[flipped.count - 6] ^= 0xff  // in the CRC-32 trailer
        do {
            _ = try Gzip.decompress(flipped)
            Issue.record("a wrong checksum was accepted")
        } catch let failure as Gzip.Failure {
            #expect(failure.description.contains("not valid gzip"))
        }
    }

    @Test func decompressionStopsAtTheSizeLimit() throws {
        let compressed = try Gzip.compress([UInt8](repeating: 0, count: 1_000_000))
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(compressed, maxSize: 999_999) }
        #expect(try Gzip.decompress(compressed, maxSize: 1_000_000).count == 1_000_000)
    }

    @Test func aCompressedFileReplacesItsSourceAndLeavesNoTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        let original = sample(300_000)
        #expect(FileManager.default.createFile(atPath: dir.file("a.log"), contents: Data(original)))
        let made = try Gzip.compressFile(atPath: dir.file("a.log"))
        #expect(made == dir.file("a.log.gz"))
        #expect(dir.names() == ["a.log.gz"])
        #expect(try Gzip.decompress(dir.bytes("a.log.gz")) == original)
    }

    @Test func compressingAMissingFileThrowsWithThePathAndTheSystemError() throws {
        let dir = try TemporaryDirectory()
        do {
            try Gzip.compressFile(atPath: dir.file("missing.log"))
            Issue.record("no error")
        } catch let failure as Gzip.Failure {
            #expect(failure.errno == ENOENT)
            #expect(failure.description.contains(dir.file("missing.log")))
            #expect(failure.description.contains("No such file or directory"))
        }
        #expect(dir.names().isEmpty)
    }

    @Test(.enabled(if: hasGzipExecutable)) func theSystemGzipAcceptsWhatWeWrite() async throws {
        let dir = try TemporaryDirectory()
        let original = sample(200_000)
        #expect(FileManager.default.createFile(atPath: dir.file("b.log"), contents: Data(original)))
        try Gzip.compressFile(atPath: dir.file("b.log"))
        let path = dir.file("b.log.gz")
        let status = try await onOwnThread { try runToCompletion(gzipExecutable, ["-t", path]) }
        #expect(status == 0, "gzip -t")
        // And the other way round: what gzip writes, we read.
        #expect(FileManager.default.createFile(atPath: dir.file("c.log"), contents: Data(original)))
        let c = dir.file("c.log")
        #expect(try await onOwnThread { try runToCompletion(gzipExecutable, ["-9", c]) } == 0)
        #expect(try Gzip.decompress(dir.bytes("c.log.gz")) == original)
    }
}
