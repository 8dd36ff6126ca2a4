import ArgumentParser

/// `meridian bench`: benchmarks that print their figures (run them with `-c release`).
/// (Branch `nats` only has `nats`; when merged with another branch's `Bench`, keep one group
/// and list every benchmark in its `subcommands`.)
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print their figures (build with -c release).",
        subcommands: [BenchNATS.self]
    )
}
