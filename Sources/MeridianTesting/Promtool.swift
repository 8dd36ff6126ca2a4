import Foundation

/// Prometheus's `promtool` (Debian's `prometheus` package) for tests of what Meridian exposes.
public enum Promtool {
    /// The binary: `$MERIDIAN_PROMTOOL` or `/usr/bin/promtool`.
    public static var executable: String {
        ProcessInfo.processInfo.environment["MERIDIAN_PROMTOOL"] ?? "/usr/bin/promtool"
    }

    /// `promtool check metrics` on a scrape: its exit status and what it printed (lint problems).
    public static func checkMetrics(_ exposition: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(exposition.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
