import ArgumentParser
import BusinessTime

/// `meridian hours`: business-time arithmetic on a region's calendar.
struct Hours: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hours",
        abstract: "Business-time arithmetic on a region's calendar.",
        discussion: """
            Single form: give the values as options; the answer is printed.
            Batch form: leave them out and pipe a CSV on standard input; the answers
            come out as CSV on standard output, one row per input row, in order.
            A bad row gets an empty result cell and a line on standard error; the
            exit status is then 1. A config error exits with 2.
            """,
        subcommands: [Add.self, Between.self]
    )
}

extension Hours {
    /// `meridian hours add`.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The instant at which N business seconds have elapsed since a start.",
            discussion: """
                Single: meridian hours add --region emea --start ISO --seconds N
                Batch:  meridian hours add --region emea < in.csv > out.csv
                        (header start,seconds in; start,seconds,end out)
                """
        )

        @OptionGroup var options: RegionOptions

        @Option(help: ArgumentHelp("Start instant, ISO-8601 with offset (2026-12-24T16:30:00Z).", valueName: "iso"))
        var start: String?

        @Option(help: ArgumentHelp("Business seconds to add (a whole number >= 0).", valueName: "n"))
        var seconds: String?

        @Flag(help: "Batch: end with rows, time, rows/s and peak memory on standard error.")
        var stats = false

        func validate() throws {
            guard (start == nil) == (seconds == nil) else {
                throw ValidationError("Give both --start and --seconds, or neither (CSV on standard input).")
            }
            if start == nil, standardInputIsTerminal() {
                throw ValidationError("Give --start and --seconds, or pipe a CSV with the header start,seconds.")
            }
        }

        func run() throws {
            let calendar = try options.calendar()
            guard let start, let seconds else {
                try runBatch(AddOperation(calendar: calendar), stats: stats)
                return
            }
            let instant = try parseInstantOption(start, name: "--start")
            let n: Int64
            switch Array(seconds.utf8).withUnsafeBytes({ parseSeconds($0, column: "--seconds") }) {
            case .success(let value): n = value
            case .failure(let error):
                printError("error: \(error.message)")
                throw ExitCode(1)
            }
            print(calendar.add(instant, seconds: n).iso8601)
        }
    }

    /// `meridian hours between`.
    struct Between: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The business seconds between two instants.",
            discussion: """
                Single: meridian hours between --region emea --start ISO --end ISO
                Batch:  meridian hours between --region emea < in.csv > out.csv
                        (header start,end in; start,end,seconds out)
                """
        )

        @OptionGroup var options: RegionOptions

        @Option(help: ArgumentHelp("Start instant, ISO-8601 with offset.", valueName: "iso"))
        var start: String?

        @Option(help: ArgumentHelp("End instant, ISO-8601 with offset (0 if not after the start).", valueName: "iso"))
        var end: String?

        @Flag(help: "Batch: end with rows, time, rows/s and peak memory on standard error.")
        var stats = false

        func validate() throws {
            guard (start == nil) == (end == nil) else {
                throw ValidationError("Give both --start and --end, or neither (CSV on standard input).")
            }
            if start == nil, standardInputIsTerminal() {
                throw ValidationError("Give --start and --end, or pipe a CSV with the header start,end.")
            }
        }

        func run() throws {
            let calendar = try options.calendar()
            guard let start, let end else {
                try runBatch(BetweenOperation(calendar: calendar), stats: stats)
                return
            }
            let a = try parseInstantOption(start, name: "--start")
            let b = try parseInstantOption(end, name: "--end")
            print(calendar.between(a, b))
        }
    }
}

/// Parses an ISO-8601 option value.
/// - Throws: `ExitCode(1)` after printing the problem.
func parseInstantOption(_ text: String, name: String) throws -> Instant {
    guard let instant = Instant(iso8601: text) else {
        printError("error: \(name) \"\(text)\" is not an ISO-8601 date-time with an offset")
        throw ExitCode(1)
    }
    return instant
}

/// Runs a batch from standard input to standard output.
/// - Throws: `ExitCode(2)` for a bad header, `ExitCode(1)` if any row was bad.
/// With `stats`, ends with a line on standard error: rows, time, rate and peak memory.
func runBatch<Operation: BatchOperation>(_ operation: Operation, stats: Bool) throws {
    let started = ContinuousClock.now
    let summary: BatchSummary
    do {
        summary = try CSVBatch(operation).run()
    } catch {
        printError("error: \(error)")
        throw ExitCode(2)
    }
    if stats {
        let elapsed = ContinuousClock.now - started
        let seconds = max(elapsed.nanoseconds / 1e9, 1e-9)
        printError(
            "stats: \(summary.rows) row\(summary.rows == 1 ? "" : "s") (\(summary.badRows) bad) in \(format(seconds, 3)) s, "
                + "\(format(Double(summary.rows) / seconds / 1e6, 2))M rows/s, peak RSS \(peakResidentKB()) KB")
    }
    if summary.badRows > 0 {
        printError("error: \(summary.badRows) of \(summary.rows) rows had no answer")
        throw ExitCode(1)
    }
}
