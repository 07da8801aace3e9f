#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `trail`: Trail's command-line tool.
let usage = """
    usage: trail <command> [options]

    commands:
      demo      run a simulated request flow across two services and show its traces
      log       write one structured log line (for shell scripts)
      help      show this help (also: trail <command> --help)

    """

var arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.isEmpty ? "help" : arguments.removeFirst()

switch command {
case "demo":
    if arguments.contains("--help") || arguments.contains("-h") {
        print(Demo.usage)
        exit(0)
    }
    if let unknown = arguments.first {
        fail("trail demo: unknown argument '\(unknown)'\n\n\(Demo.usage)")
    }
    await Demo().run()
case "log":
    if arguments.contains("--help") || arguments.contains("-h") {
        print(LogCommand.usage)
        exit(0)
    }
    do {
        try LogCommand(arguments: arguments).run()
    } catch {
        fail("\(error.message)\n\n\(LogCommand.usage)")
    }
case "help", "--help", "-h":
    print(usage)
default:
    fail("trail: unknown command '\(command)'\n\n\(usage)")
}

func fail(_ message: String) -> Never {
    var line = message
    if !line.hasSuffix("\n") { line += "\n" }
    _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(64)
}
