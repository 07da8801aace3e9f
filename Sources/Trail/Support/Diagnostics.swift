#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Trail's own problems (bad configuration, a failing destination) reported on stderr, each distinct
/// message once, so a broken setting is visible but never floods the output.
public enum Diagnostics {
    private struct State {
        var seen: Set<String> = []
        var handler: @Sendable (String) -> Void = { message in
            let line = Diagnostics.stderrLine(message)
            _ = line.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
        }
    }

    private static let state = Locked(State())

    /// Where messages go; replace it to collect them (tests) or route them to your own logging.
    /// Defaults to a `trail: ` line on stderr.
    public static var handler: @Sendable (String) -> Void {
        get { state.withLock { $0.handler } }
        set { state.withLock { $0.handler = newValue } }
    }

    /// `trail: <message>\n` as the default handler writes it. A message can quote a server's answer
    /// (an OTLP partial-success text, an Elasticsearch error reason) or a value from the environment:
    /// its control characters are made visible, so it stays one line and cannot drive the terminal.
    static func stderrLine(_ message: String) -> [UInt8] {
        var out = Array("trail: ".utf8)
        Array(message.utf8).withUnsafeBytes { ConsoleFormatter.visibleControls($0, into: &out) }
        out.append(0x0A)
        return out
    }

    /// How many distinct messages are remembered. When a new one would exceed it (a server
    /// answering with a different text each time), the memory is cleared and starts again: memory
    /// stays bounded, and at worst a message seen long ago is reported a second time.
    static let maximumRememberedMessages = 1000

    /// Reports `message` unless the same text was reported before.
    public static func report(_ message: String) {
        let handler = state.withLock { state -> (@Sendable (String) -> Void)? in
            guard !state.seen.contains(message) else { return nil }
            if state.seen.count >= maximumRememberedMessages { state.seen.removeAll(keepingCapacity: true) }
            state.seen.insert(message)
            return state.handler
        }
        handler?(message)
    }
}
