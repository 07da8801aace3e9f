#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `trail`: Trail's command-line tool.
let usage = """
    usage: trail <command> [options]

    commands:
      demo      run a simulated request flow across two services; write its logs and spans to files
      grep      print every log line of one trace from log files and directories, in time order
      show      show one trace as a waterfall with its log lines (terminal, or --html)
      pretty    JSON log lines on stdin → the console format on stdout
      log       write one structured log line (for shell scripts)
      help      show this help (also: trail <command> --help)

    exit status: 0 success, 1 nothing found (grep, show), 2 bad arguments or unreadable input
    """

var arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.isEmpty ? "help" : arguments.removeFirst()

/// The usage of each command, for `--help` and after a bad command line.
let usages = ["demo": Demo.usage, "grep": GrepCommand.usage, "show": ShowCommand.usage, "pretty": PrettyCommand.usage, "log": LogCommand.usage]

if let commandUsage = usages[command], arguments.contains("--help") || arguments.contains("-h") {
    print(commandUsage)
    exit(0)
}

do throws(CommandError) {
    switch command {
    case "demo":
        let demo = try Demo(arguments: arguments)
        exit(await demo.run())
    case "grep":
        exit(try GrepCommand(arguments: arguments).run())
    case "show":
        exit(try ShowCommand(arguments: arguments).run())
    case "pretty":
        exit(try PrettyCommand.run(arguments: arguments))
    case "log":
        try LogCommand(arguments: arguments).run()
    case "help", "--help", "-h":
        print(usage)
    default:
        throw CommandError("trail: unknown command '\(command)'")
    }
} catch {
    printError("\(error.message)\n\n\(usages[command] ?? usage)")
    exit(ExitStatus.trouble)
}
