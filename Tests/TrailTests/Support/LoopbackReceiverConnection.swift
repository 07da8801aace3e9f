import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One accepted connection of a ``LoopbackReceiver``: reads requests one after another
/// (keep-alive) and answers each as scripted.
struct ReceiverConnection {
    let receiver: LoopbackReceiver
    let fd: Int32
    let number: Int
    /// Bytes read but not yet consumed (the start of a pipelined next request).
    private var buffer: [UInt8] = []

    static let maxHeadBytes = 64 * 1024
    static let maxBodyBytes = 128 << 20

    init(receiver: LoopbackReceiver, fd: Int32, number: Int) {
        self.receiver = receiver
        self.fd = fd
        self.number = number
    }

    mutating func serve() {
        while !receiver.isStopped {
            guard let request = readRequest() else { return }
            let answer = receiver.answer(for: request)
            if answer.delay > .zero, !pause(answer.delay) { return }
            switch answer.action {
            case .reset:
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                return
            case .hang:
                // Until the receiver stops or the client gives up (a hung connection holds no thread after that).
                while !receiver.isStopped && !peerClosed() { usleep(5000) }
                return
            case .respond(let status, let headers, let body):
                // A client that timed out while the request waited unread, or while it was
                // answered, has closed its end: the answer may never reach it.
                let goneBefore = peerClosed()
                guard send(status: status, headers: headers, body: body) else { return }
                if (200..<300).contains(status) { receiver.delivered(request, clientMayHaveGivenUp: goneBefore || peerClosed()) }
                if request.header("Connection")?.lowercased() == "close" { return }
            }
        }
    }

    /// `true` once the client closed or reset the connection (bytes it sent meanwhile are left unread).
    private func peerClosed() -> Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
    }

    /// Sleeps `duration` in small steps; `false` if the receiver stopped meanwhile.
    private func pause(_ duration: Duration) -> Bool {
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end {
            if receiver.isStopped { return false }
            usleep(2000)
        }
        return true
    }

    // MARK: reading

    /// Reads more bytes into `buffer`; `false` at end of stream, on error or when stopped.
    private mutating func fill() -> Bool {
        while !receiver.isStopped {
            guard LoopbackReceiver.waitReadable(fd, milliseconds: 20) else { continue }
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
        return false
    }

    /// Takes bytes up to and including the first CRLF CRLF (or CRLF when `line`).
    private mutating func take(through terminator: [UInt8], limit: Int) -> [UInt8]? {
        while true {
            if let end = Self.find(terminator, in: buffer) {
                let taken = Array(buffer[..<(end + terminator.count)])
                buffer.removeFirst(end + terminator.count)
                return taken
            }
            guard buffer.count <= limit, fill() else { return nil }
        }
    }

    private mutating func take(count: Int) -> [UInt8]? {
        while buffer.count < count { guard fill() else { return nil } }
        let taken = Array(buffer[..<count])
        buffer.removeFirst(count)
        return taken
    }

    private mutating func readRequest() -> RecordedRequest? {
        guard let head = take(through: Array("\r\n\r\n".utf8), limit: Self.maxHeadBytes) else { return nil }
        let receivedAt = ContinuousClock.now
        let lines = String(decoding: head.dropLast(4), as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3 else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var request = RecordedRequest(method: String(parts[0]), target: String(parts[1]), headers: headers, body: [],
                                      receivedAt: receivedAt, connection: number)
        if request.header("Expect")?.lowercased() == "100-continue" {
            guard write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return nil }
        }
        if request.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            guard let body = readChunkedBody() else { return nil }
            request.body = body
        } else if let length = request.header("Content-Length").flatMap({ Int($0) }) {
            guard length >= 0, length <= Self.maxBodyBytes, let body = take(count: length) else { return nil }
            request.body = body
        }
        return request
    }

    private mutating func readChunkedBody() -> [UInt8]? {
        var body: [UInt8] = []
        while true {
            guard let sizeLine = take(through: Array("\r\n".utf8), limit: 1024) else { return nil }
            let text = String(decoding: sizeLine.dropLast(2), as: UTF8.self)
            guard let size = Int(text.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0,
                  body.count + size <= Self.maxBodyBytes else { return nil }
            if size == 0 {
                // Trailer fields, up to the empty line.
                while true {
                    guard let line = take(through: Array("\r\n".utf8), limit: Self.maxHeadBytes) else { return nil }
                    if line.count == 2 { return body }
                }
            }
            guard let chunk = take(count: size + 2) else { return nil }
            body.append(contentsOf: chunk.dropLast(2))
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }

    // MARK: writing

    private func send(status: Int, headers: [(String, String)], body: [UInt8]) -> Bool {
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        // A 204 has no body and no Content-Length (RFC 9110 §8.6).
        if status != 204 && status != 304 { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return write(Array(head.utf8) + (status == 204 ? [] : body))
    }

    private func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 413: "Payload Too Large"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }
}
