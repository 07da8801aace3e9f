#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to read one input; the description names it and says why.
package struct ReadFailure: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Reads a file descriptor (a plain file, a gzip file, a pipe) and hands over its text in pieces of
/// whole lines, in constant memory: nothing is ever loaded whole.
///
/// - gzip is recognised by its magic bytes (`1f 8b`), whatever the file's name; a name ending in
///   `.gz` whose data is not gzip is an error.
/// - A regular file is read up to the size it had when opened, so a file that keeps growing cannot
///   keep the reader going forever.
/// - Lines up to ``maxLineBytes`` are delivered whole; a longer line is delivered in pieces marked
///   ``Piece/overlong`` (the `trail grep` search ignores them, `trail pretty` passes them through).
package struct LineReader {
    package enum Piece {
        /// One or more whole lines, each ending in `\n` (the last line of the input may lack it).
        case lines(UnsafeRawBufferPointer)
        /// Part of a line longer than ``LineReader/maxLineBytes``; the piece that ends it includes its `\n`.
        case overlong(UnsafeRawBufferPointer)
    }

    package var maxLineBytes = 64 << 20
    package var initialBufferBytes = 1 << 20
    /// Read size for compressed input.
    var inputChunkBytes = 256 << 10

    package init() {}

    /// Opens `path` and reads it as ``read(fd:name:limit:consumed:_:)`` does.
    package func read(path: String, consumed: (Int) -> Void = { _ in }, _ body: (Piece) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadFailure("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ReadFailure("\(path): \(String(cString: strerror(errno)))") }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw ReadFailure("\(path): is a directory") }
        let limit = (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
        try read(fd: fd, name: path, limit: limit, consumed: consumed, body)
    }

    /// Reads `fd` to its end (or `limit` bytes), calling `body` with pieces of whole lines as they
    /// arrive (so a pipe's lines come out as soon as they are complete) and `consumed` with the number
    /// of input bytes read (compressed bytes for gzip).
    package func read(fd: Int32, name: String, limit: Int?, consumed: (Int) -> Void = { _ in }, _ body: (Piece) throws -> Void) throws {
        var source = RawSource(fd: fd, name: name, remaining: limit)
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: initialBufferBytes, alignment: 16)
        defer { buffer.deallocate() }
        var fill = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, 2)]))
        consumed(fill)
        var inflater: GzipInflater?
        var input = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        defer { if input.baseAddress != nil { input.deallocate() } }
        if fill == 2 && buffer[0] == 0x1F && buffer[1] == 0x8B {
            inflater = try GzipInflater()
            input = .allocate(byteCount: inputChunkBytes, alignment: 16)
            input[0] = 0x1F
            input[1] = 0x8B
            inflater!.setInput(UnsafeRawBufferPointer(rebasing: input[0..<2]))
            fill = 0
        } else if name.hasSuffix(".gz") {
            throw ReadFailure("\(name): not valid gzip data (no gzip header); rename it if it is plain text")
        }
        var skipping = false  // inside an overlong line
        var clean = 0  // buffer[0..<clean] is known to hold no line end
        while true {
            var produced = 0
            if fill < buffer.count {
                let free = UnsafeMutableRawBufferPointer(rebasing: buffer[fill...])
                if let inflater {
                    do {
                        while produced == 0 {
                            if inflater.pendingInput == 0 {
                                let n = try source.read(into: input)
                                consumed(n)
                                if n == 0 { break }
                                inflater.setInput(UnsafeRawBufferPointer(rebasing: input[0..<n]))
                            }
                            produced = try inflater.inflate(into: free)
                        }
                    } catch let failure as Gzip.Failure {
                        throw ReadFailure("\(name): \(failure.description)")
                    }
                    if produced == 0 && !inflater.isComplete {
                        throw ReadFailure("\(name): the gzip data ends early (truncated file, or still being written)")
                    }
                } else {
                    produced = try source.read(into: free)
                    consumed(produced)
                }
            }
            let atEnd = produced == 0 && fill < buffer.count
            fill += produced
            // Deliver whole lines; keep the unfinished last line for the next read.
            var start = 0
            if skipping, let newline = Self.firstNewline(buffer, clean, fill) {
                try body(.overlong(UnsafeRawBufferPointer(rebasing: buffer[0...newline])))
                start = newline + 1
                skipping = false
            }
            if !skipping, let last = Self.lastNewline(buffer, max(start, clean), fill) {
                try body(.lines(UnsafeRawBufferPointer(rebasing: buffer[start...last])))
                start = last + 1
            }
            if atEnd {
                if fill > start {
                    let rest = UnsafeRawBufferPointer(rebasing: buffer[start..<fill])
                    try body(skipping ? .overlong(rest) : .lines(rest))
                }
                return
            }
            if start > 0 {
                if fill > start { memmove(buffer.baseAddress!, buffer.baseAddress! + start, fill - start) }
                fill -= start
            } else if fill == buffer.count {
                // A full buffer without a line end: grow, or give the line up to `body` in pieces.
                if !skipping && buffer.count < maxLineBytes {
                    let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: min(buffer.count * 2, maxLineBytes), alignment: 16)
                    bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                    buffer.deallocate()
                    buffer = bigger
                } else {
                    try body(.overlong(UnsafeRawBufferPointer(rebasing: buffer[0..<fill])))
                    fill = 0
                    skipping = true
                }
            }
            clean = fill
        }
    }

    static func firstNewline(_ buffer: UnsafeMutableRawBufferPointer, _ from: Int, _ to: Int) -> Int? {
        guard to > from, let hit = memchr(buffer.baseAddress! + from, 0x0A, to - from) else { return nil }
        return UnsafeRawPointer(hit) - UnsafeRawPointer(buffer.baseAddress!)
    }

    static func lastNewline(_ buffer: UnsafeMutableRawBufferPointer, _ from: Int, _ to: Int) -> Int? {
        var i = to - 1
        while i >= from {
            if buffer[i] == 0x0A { return i }
            i -= 1
        }
        return nil
    }
}

/// `read(2)` with `EINTR` retried and an optional byte limit.
private struct RawSource {
    let fd: Int32
    let name: String
    var remaining: Int?

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let wanted = min(buffer.count, remaining ?? .max)
        guard wanted > 0 else { return 0 }
        while true {
            let n = systemRead(fd, buffer.baseAddress, wanted)
            if n >= 0 {
                if let r = remaining { remaining = r - n }
                return n
            }
            if errno == EINTR { continue }
            throw ReadFailure("\(name): cannot read: \(String(cString: strerror(errno)))")
        }
    }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
