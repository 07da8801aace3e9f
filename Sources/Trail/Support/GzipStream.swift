import CZlib

/// Decompresses gzip data piece by piece (one member or several concatenated, as `gzip -d` does),
/// for reading `.gz` log files of any size in constant memory. zlib's state points back at its
/// `z_stream`, so the stream lives at a fixed heap address for its whole life.
final class GzipInflater {
    private let z: UnsafeMutablePointer<z_stream>
    /// `true` between members: the last member ended and no byte of another has been read.
    private(set) var atMemberEnd = false
    private var started = false

    init() throws {
        let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        z.initialize(to: z_stream())
        // 15: the largest window; +16: expect the gzip wrapper (header and CRC-32 trailer).
        let status = inflateInit2_(z, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            z.deallocate()
            throw Gzip.Failure(description: "gzip: cannot start decompressing (zlib status \(status))")
        }
        self.z = z
    }

    deinit {
        inflateEnd(z)
        z.deallocate()
    }

    /// Input not yet consumed by ``inflate(into:)``.
    var pendingInput: Int { Int(z.pointee.avail_in) }

    /// Sets the compressed bytes to read next; they must stay valid until ``pendingInput`` is 0.
    func setInput(_ input: UnsafeRawBufferPointer) {
        z.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        z.pointee.avail_in = uInt(input.count)
    }

    /// Decompresses pending input into `output`; returns how many bytes it wrote (0 when it needs
    /// more input). Throws on data that is not gzip or is corrupt.
    func inflate(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !output.isEmpty else { return 0 }
        if atMemberEnd {
            guard z.pointee.avail_in > 0 else { return 0 }
            inflateReset(z)  // another member follows
            atMemberEnd = false
        }
        started = true
        z.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        z.pointee.avail_out = uInt(output.count)
        let status = CZlib.inflate(z, Z_NO_FLUSH)
        let produced = output.count - Int(z.pointee.avail_out)
        switch status {
        case Z_STREAM_END: atMemberEnd = true
        case Z_OK, Z_BUF_ERROR: break
        default:
            let detail = z.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw Gzip.Failure(description: "not valid gzip data (\(detail))")
        }
        return produced
    }

    /// Whether the data so far ended exactly at the end of a member (else it was cut short).
    var isComplete: Bool { atMemberEnd || !started }
}
