import ArgumentParser

/// `meridian bench`: benchmarks that print their figures (run them with `-c release`).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print their figures (build with -c release).",
        subcommands: [BenchHours.self, BenchNATS.self, BenchClocks.self, BenchE2E.self, BenchReport.self, BenchLogScan.self]
    )
}
