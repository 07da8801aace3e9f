import Trail

/// `trail pretty`: JSON log lines on stdin, the console format on stdout.
enum PrettyCommand {
    static let usage = """
        usage: trail pretty [--color | --no-color]

        Reads JSON log lines on standard input and writes each in the console format as soon as it
        is complete, until the input ends; lines that are not JSON pass through
        as they are, except for control characters, which are shown as escapes.
        Colours on a terminal unless NO_COLOR is set; --color / --no-color decide instead.

        example:
          tail -f logs/app.log | trail pretty
        """

    static func run(arguments: [String]) throws(CommandError) -> Int32 {
        let parsed = try Arguments(arguments, command: "pretty", flags: ["--color", "--no-color"])
        if let operand = parsed.operands.first {
            throw CommandError("trail pretty: unexpected argument '\(operand)' (it reads standard input: trail pretty < \(operand))")
        }
        var colors = LineOutput.wantsColors(fileDescriptor: 1)
        if parsed.flags.contains("--color") { colors = true }
        if parsed.flags.contains("--no-color") { colors = false }
        do {
            try LineOutput(format: .console(colors: colors)).pretty(input: 0)
            return ExitStatus.success
        } catch let failure as ReadFailure {
            printError("trail pretty: \(failure)")
            return ExitStatus.trouble
        } catch {
            return ExitStatus.trouble  // stdout closed
        }
    }
}
