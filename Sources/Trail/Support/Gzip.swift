import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// gzip (RFC 1952) through the system zlib: whole buffers (HTTP bodies, tests) and files compressed
/// in chunks (rotated log files).
enum Gzip {
    /// A gzip operation that failed; the description says what, on which file, and why.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// The system error behind a file operation, if any (`ENOENT` when the source is gone).
        var errno: Int32? = nil
    }

    /// Bytes read and written per step when compressing a file.
    static let chunkSize = 64 * 1024
    /// Appended to the `.gz` name while it is being written; only a complete file gets the final name.
    static let temporarySuffix = ".tmp"

    /// `bytes` as one gzip member.
    static func compress(_ bytes: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION) throws -> [UInt8] {
        let stream = try DeflateStream(level: level)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count / 4 + 64)
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)
        defer { scratch.deallocate() }
        try bytes.withUnsafeBytes { all in
            var offset = 0
            repeat {
                let end = min(all.count, offset + chunkSize)
                try stream.pump(UnsafeRawBufferPointer(rebasing: all[offset..<end]), finish: end == all.count, scratch: scratch) {
                    output.append(contentsOf: $0)
                }
                offset = end
            } while offset < all.count
        }
        return output
    }

    /// The bytes of gzip data (one member or several concatenated, as `gzip -d` accepts).
    /// Throws on anything else, on corrupt or truncated data, and when the result would exceed
    /// `maxSize` bytes (so a small hostile body cannot expand without limit).
    static func decompress(_ bytes: [UInt8], maxSize: Int = .max) throws -> [UInt8] {
        let inflater = try GzipInflater()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1)
        defer { scratch.deallocate() }
        var output: [UInt8] = []
        output.reserveCapacity(min(maxSize, bytes.count * 4))
        try bytes.withUnsafeBytes { input in
            inflater.setInput(input)
            while true {
                let pending = inflater.pendingInput
                let produced = try inflater.inflate(into: scratch)
                guard output.count + produced <= maxSize else {
                    throw Failure(description: "gzip: the data expands to more than \(maxSize) bytes")
                }
                output.append(contentsOf: scratch[..<produced])
                // No progress: the input is used up, or the last member ended.
                if produced == 0 && inflater.pendingInput == pending { break }
            }
        }
        guard inflater.isComplete, inflater.pendingInput == 0 else {
            throw Failure(description: "gzip: the data ends early (\(bytes.count) bytes, no end of stream)")
        }
        return output
    }

    /// Compresses the file at `source` to `source + ".gz"`, then deletes `source`; returns the
    /// `.gz` path. Streams in ``chunkSize`` pieces, so memory stays small for any file size.
    ///
    /// The compressed bytes go to `<source>.gz.tmp`, are synced to disk, and only then renamed to
    /// the final name, so a crash never leaves a partial `.gz` under the final name (a leftover
    /// `.tmp` is the caller's to delete). An existing `.gz` of the same name is replaced.
    @discardableResult
    static func compressFile(atPath source: String, level: Int32 = Z_DEFAULT_COMPRESSION) throws -> String {
        let destination = source + ".gz"
        let temporary = destination + temporarySuffix
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw fileFailure("cannot open \(source) to compress it") }
        defer { close(input) }
        let output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw fileFailure("cannot create \(temporary)") }
        var outputOpen = true
        var renamed = false
        defer {
            if outputOpen { close(output) }
            if !renamed { unlink(temporary) }
        }

        let stream = try DeflateStream(level: level)
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1)
        defer { readBuffer.deallocate() }
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)
        defer { scratch.deallocate() }
        while true {
            let count = read(input, readBuffer.baseAddress, readBuffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw fileFailure("cannot read \(source) to compress it")
            }
            try stream.pump(UnsafeRawBufferPointer(rebasing: readBuffer[..<count]), finish: count == 0, scratch: scratch) { chunk in
                try writeAll(chunk, to: output, path: temporary)
            }
            if count == 0 { break }
        }
        guard fsync(output) == 0 else { throw fileFailure("cannot sync \(temporary) to disk") }
        outputOpen = false
        guard close(output) == 0 else { throw fileFailure("cannot close \(temporary)") }
        guard rename(temporary, destination) == 0 else { throw fileFailure("cannot rename \(temporary) to \(destination)") }
        renamed = true
        // The .gz is complete; a crash before this unlink leaves both, and compressing again is harmless.
        if unlink(source) != 0 && errno != ENOENT { throw fileFailure("compressed \(source) but cannot delete it") }
        return destination
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw fileFailure("cannot write \(path)")
            }
            offset += written
        }
    }

    /// `what` followed by the current `errno`'s text.
    private static func fileFailure(_ what: String) -> Failure {
        let code = errno
        return Failure(description: "gzip: \(what): \(String(cString: strerror(code))) (errno \(code))", errno: code)
    }

    fileprivate static func message(_ z: UnsafeMutablePointer<z_stream>, _ status: Int32) -> String {
        if let text = z.pointee.msg { return "\(String(cString: text)), zlib status \(status)" }
        return "zlib status \(status)"
    }
}

/// A deflate stream with the gzip wrapper. zlib's state points back at its `z_stream`, so the
/// stream lives at a fixed heap address for its whole life.
private final class DeflateStream {
    let z: UnsafeMutablePointer<z_stream>

    init(level: Int32) throws {
        let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        z.initialize(to: z_stream())
        // 15: the largest window; +16: write the gzip wrapper; 8: zlib's default memory level.
        let status = deflateInit2_(z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            z.deallocate()  // before `self.z` is set: `deinit` does not run for a half-made object
            throw Gzip.Failure(description: "gzip: cannot start compressing at level \(level) (zlib status \(status))")
        }
        self.z = z
    }

    deinit {
        deflateEnd(z)
        z.deallocate()
    }

    /// Feeds all of `input`, passing every produced piece to `emit`; with `finish`, also ends the
    /// stream (header to trailer complete).
    func pump(
        _ input: UnsafeRawBufferPointer, finish: Bool, scratch: UnsafeMutableBufferPointer<UInt8>,
        _ emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        z.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        z.pointee.avail_in = uInt(input.count)
        while true {
            z.pointee.next_out = scratch.baseAddress
            z.pointee.avail_out = uInt(scratch.count)
            let status = deflate(z, finish ? Z_FINISH : Z_NO_FLUSH)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw Gzip.Failure(description: "gzip: compression failed (\(Gzip.message(z, status)))")
            }
            let produced = scratch.count - Int(z.pointee.avail_out)
            if produced > 0 { try emit(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: scratch[..<produced]))) }
            if finish {
                if status == Z_STREAM_END { return }
            } else if z.pointee.avail_in == 0 && z.pointee.avail_out > 0 {
                return  // everything consumed; zlib keeps the rest for later
            }
        }
    }
}
