import Foundation
import Trail
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for tests of network destinations.
///
/// It listens on an ephemeral port (or a chosen one), accepts on a thread of its own and serves
/// each connection on another thread, several requests per connection (keep-alive), bodies by
/// `Content-Length` or chunked. Every request is recorded (``requests``), or, for long runs, only
/// the latest few, every one being counted (``keepOnlyLatest(_:lateAfter:counting:)``, ``tally``). Answers come from a
/// script, one per request, then ``defaultAnswer``; a ``RequestValidator`` can reject broken
/// requests the way the real server would. ``stop()`` closes every socket and waits (bounded) for
/// the threads to end; every test that starts a receiver stops it.
final class LoopbackReceiver: Sendable {
    struct State {
        var script: [ScriptedAnswer] = []
        var defaultAnswer: ScriptedAnswer
        var requests: [RecordedRequest] = []
        /// Keep only this many of the latest requests in `requests` (``keepOnlyLatest(_:lateAfter:counting:)``).
        var keepLatest: Int?
        /// Counts every request, kept or not.
        var tally = ReceiverTally()
        /// Counts the items (log entries, spans) of a request answered 2xx.
        var itemCounter: (@Sendable (RecordedRequest) -> Int)?
        /// A 2xx answer sent later than this after its request arrived counts as late.
        var lateAfter = Duration.seconds(3600)
        /// While set, every valid request gets this answer instead of the validator's or the default.
        var fault: ScriptedAnswer?
        /// While positive, every answer waits this much longer.
        var extraDelay: Duration = .zero
        /// Open connection sockets, shut down by `stop()` so their threads wake.
        var connections: Set<Int32> = []
        var connectionCount = 0
        var threads = 0
        var stopped = false
    }

    let port: Int
    let validator: RequestValidator?
    let state: Locked<State>
    private let listener: Int32

    /// Starts listening on 127.0.0.1:`port` (0: an ephemeral port, read back into ``port``).
    init(port: Int = 0, validator: RequestValidator? = nil, script: [ScriptedAnswer] = [],
         defaultAnswer: ScriptedAnswer = .status(204)) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ReceiverFailure("socket: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw ReceiverFailure("cannot listen on 127.0.0.1:\(port): errno \(code)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.listener = fd
        self.validator = validator
        self.state = Locked(State(script: script, defaultAnswer: defaultAnswer))
        startThread(name: "receiver.accept") { [self] in acceptLoop() }
    }

    deinit { stop() }

    /// `http://127.0.0.1:<port>`.
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// A port that nothing listens on right now (bound once, then released): for "the server is
    /// down" tests, and to start a receiver there later. It is picked below Linux's ephemeral range
    /// (32768–60999), so neither another test's receiver (port 0) nor an outgoing connection can
    /// take it in the meantime.
    static func unusedPort() throws -> Int {
        for _ in 0..<50 {
            let candidate = Int.random(in: 20_000..<32_000)
            guard let probe = try? LoopbackReceiver(port: candidate) else { continue }
            probe.stop()
            return candidate
        }
        throw ReceiverFailure("no free port found in 20000..<32000 after 50 tries")
    }

    /// Appends answers to the script (consumed one per request, before the default).
    func enqueue(_ answers: ScriptedAnswer...) { state.withLock { $0.script.append(contentsOf: answers) } }

    var defaultAnswer: ScriptedAnswer {
        get { state.withLock { $0.defaultAnswer } }
        set { state.withLock { $0.defaultAnswer = newValue } }
    }

    /// Every request so far, in arrival order.
    var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// Waits (without blocking a thread) until at least `count` requests arrived or `timeout`
    /// passed; returns the requests so far.
    func waitForRequests(_ count: Int, timeout: Duration = .seconds(10)) async -> [RecordedRequest] {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            let requests = self.requests
            if requests.count >= count { return requests }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return requests
    }

    /// Stops accepting, closes every connection (a hanging answer ends) and waits at most 2 s for
    /// the receiver's threads to finish. Idempotent: only the first call touches sockets (a later
    /// one must not shut down a descriptor number the system has since given to another socket).
    func stop() {
        let first = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.stopped = true
            for fd in state.connections { shutdown(fd, Int32(SHUT_RDWR)) }
            return true
        }
        guard first else { return }
        // The accept thread closes the listener when it sees `stopped`.
        shutdown(listener, Int32(SHUT_RDWR))
        let end = ContinuousClock.now + .seconds(2)
        while state.withLock({ $0.threads > 0 }) && ContinuousClock.now < end { usleep(1000) }
    }

    var isStopped: Bool { state.withLock { $0.stopped } }

    // MARK: threads

    func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.threads += 1 }
        let thread = Thread { [self] in
            body()
            state.withLock { $0.threads -= 1 }
        }
        thread.name = name
        thread.start()
    }

    private func acceptLoop() {
        defer { close(listener) }
        while !isStopped {
            guard Self.waitReadable(listener, milliseconds: 20) else { continue }
            let fd = accept(listener, nil, nil)
            if fd < 0 { continue }
            let number = state.withLock { state -> Int? in
                guard !state.stopped else { return nil }
                state.connections.insert(fd)
                defer { state.connectionCount += 1 }
                return state.connectionCount
            }
            guard let number else {
                close(fd)
                return
            }
            startThread(name: "receiver.connection") { [self] in
                var connection = ReceiverConnection(receiver: self, fd: fd, number: number)
                connection.serve()
                state.withLock { _ = $0.connections.remove(fd) }
                close(fd)
            }
        }
    }

    /// Takes the answer for `request` (the script first, then a validator's rejection, then the
    /// validator's answer to a valid request, then the default) and records the request.
    func answer(for request: RecordedRequest) -> ScriptedAnswer {
        var request = request
        let rejection = validator?.rejection(of: request)
        if case .respond(_, _, let body)? = rejection?.action { request.rejection = String(decoding: body, as: UTF8.self) }
        return state.withLock { state in
            let scripted = state.script.isEmpty ? nil : state.script.removeFirst()
            var answer = scripted ?? rejection ?? state.fault ?? validator?.accept?(request) ?? state.defaultAnswer
            answer.delay += state.extraDelay
            if case .respond(let status, _, _) = answer.action { request.answeredStatus = status }
            state.tally.note(request)
            state.requests.append(request)
            if let keep = state.keepLatest, state.requests.count > keep { state.requests.removeFirst(state.requests.count - keep) }
            return answer
        }
    }

    static func waitReadable(_ fd: Int32, milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        return address
    }
}
