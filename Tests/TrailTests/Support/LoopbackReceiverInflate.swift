import CZlib

/// `Content-Encoding: deflate` bodies for the receiver: HTTP's deflate is the zlib format, but some
/// clients (and Go servers, which read it as raw deflate) use a bare deflate stream; both are
/// accepted. gzip bodies go through `Gzip.decompress`.
enum Inflate {
    static func deflate(_ bytes: [UInt8], maxSize: Int) throws -> [UInt8] {
        // zlib wrapper first (window bits 15), then raw deflate (-15).
        if let zlib = try? inflate(bytes, windowBits: 15, maxSize: maxSize) { return zlib }
        return try inflate(bytes, windowBits: -15, maxSize: maxSize)
    }

    private static func inflate(_ bytes: [UInt8], windowBits: Int32, maxSize: Int) throws -> [UInt8] {
        // zlib's state points back at its z_stream: keep it at one heap address.
        let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        z.initialize(to: z_stream())
        defer { z.deallocate() }
        guard inflateInit2_(z, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ReceiverFailure("deflate: cannot start inflating")
        }
        defer { inflateEnd(z) }
        var output: [UInt8] = []
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 64 * 1024)
        defer { scratch.deallocate() }
        return try bytes.withUnsafeBufferPointer { input in
            z.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            z.pointee.avail_in = uInt(input.count)
            while true {
                z.pointee.next_out = scratch.baseAddress
                z.pointee.avail_out = uInt(scratch.count)
                let status = CZlib.inflate(z, Z_NO_FLUSH)
                let produced = scratch.count - Int(z.pointee.avail_out)
                output.append(contentsOf: scratch[..<produced])
                guard output.count <= maxSize else { throw ReceiverFailure("deflate: the body expands beyond \(maxSize) bytes") }
                if status == Z_STREAM_END { return output }
                guard status == Z_OK, produced > 0 || z.pointee.avail_in > 0 else {
                    throw ReceiverFailure("deflate: the body is not valid deflate data (zlib status \(status))")
                }
            }
        }
    }
}
