import ArgumentParser
import BusinessTime

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `meridian bench hours`: business-time arithmetic on a shipped calendar.
struct BenchHours: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hours",
        abstract: "Times add and between over random cases and measures a loaded calendar.",
        discussion: """
            swift run -c release meridian bench hours
            swift run -c release meridian bench hours --add-csv /tmp/add-1m.csv --between-csv /tmp/between-1m.csv
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Region whose calendar to use.")
    var region: String = "emea"

    @Option(help: "Number of random cases.")
    var cases: Int = 1_000_000

    @Option(help: "Seed of the random cases (the same seed gives the same cases).")
    var seed: UInt64 = 2026

    @Option(help: ArgumentHelp("Also write the add cases as CSV (start,seconds) to this file.", valueName: "file"))
    var addCSV: String?

    @Option(help: ArgumentHelp("Also write the between cases as CSV (start,end) to this file.", valueName: "file"))
    var betweenCSV: String?

    func validate() throws {
        guard cases > 0 else { throw ValidationError("--cases must be positive.") }
    }

    func run() throws {
        // The calendar: spec parsing apart, so that compile time and memory are its own.
        let specs: [String: CalendarSpec]
        do {
            specs = try CalendarConfig.loadSpecs(
                file: configOptions.config, extraKeys: ConfigOptions.regionKeysOfOtherModules)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        guard let spec = specs[region] else {
            printError("error: \(configOptions.config): regions: no region \"\(region)\"")
            throw ExitCode(2)
        }
        let rssBefore = residentBytes()
        let loadStart = ContinuousClock.now
        let calendar = try BusinessCalendar(spec)
        let loadTime = ContinuousClock.now - loadStart
        let rssAfter = residentBytes()
        let covered = calendar.precomputedDates

        // Random cases: starts anywhere in 2026-2027 (open or closed), additions of
        // 0-200 business hours, between-spans of 0-90 days.
        var rng = SplitMix64(seed: seed)
        let from = LocalDate.daysSinceEpoch(year: 2026, month: 1, day: 1) * 86_400
        let to = LocalDate.daysSinceEpoch(year: 2028, month: 1, day: 1) * 86_400
        let starts = (0..<cases).map { _ in Instant(unixSeconds: from + Int64(rng.next() % UInt64(to - from))) }
        let amounts = (0..<cases).map { _ in Int64(rng.next() % (200 * 3600 + 1)) }
        let ends = starts.map { $0 + Int64(rng.next() % (90 * 86_400 + 1)) }

        if let addCSV {
            try writeCSV(addCSV, header: "start,seconds", rows: cases) { i in "\(starts[i].iso8601),\(amounts[i])" }
        }
        if let betweenCSV {
            try writeCSV(betweenCSV, header: "start,end", rows: cases) { i in "\(starts[i].iso8601),\(ends[i].iso8601)" }
        }

        print("meridian bench hours: region \(region) (\(calendar.timeZoneIdentifier)), \(cases) random cases, seed \(seed)")
        #if DEBUG
        print("warning: a debug build; figures are meaningful only with -c release")
        #endif
        print("calendar: compiled in \(format(loadTime.milliseconds, 2)) ms; tables \(calendar.memoryFootprint) bytes "
            + "(local days \(covered.lowerBound)..<\(covered.upperBound)); resident set +\((rssAfter - rssBefore) / 1024) KiB")

        var checksum: Int64 = 0
        // Warm-up (page in the tables and the arrays).
        for i in 0..<min(cases, 100_000) { checksum &+= calendar.add(starts[i], seconds: amounts[i]).unixSeconds }

        var results = [Instant](repeating: Instant(unixSeconds: 0), count: cases)
        let addTime = measure {
            for i in 0..<cases { results[i] = calendar.add(starts[i], seconds: amounts[i]) }
        }
        report("add, 0-200 business hours", addTime, verb: "adds")

        for (label, n) in [("add 2 business hours", Int64(7200)), ("add 10,000 business hours", Int64(36_000_000))] {
            let time = measure {
                for i in 0..<cases { checksum &+= calendar.add(starts[i], seconds: n).unixSeconds }
            }
            report(label, time, verb: "adds")
        }

        let betweenTime = measure {
            for i in 0..<cases { checksum &+= calendar.between(starts[i], ends[i]) }
        }
        report("between, spans of 0-90 days", betweenTime, verb: "betweens")

        // Check the cases: between(s, add(s, n)) == n.
        var wrong = 0
        for i in 0..<cases where calendar.between(starts[i], results[i]) != amounts[i] { wrong += 1 }
        print("check between(s, add(s, n)) == n: \(cases - wrong) of \(cases) (checksum \(checksum & 0xFFFF))")
        if wrong > 0 { throw ExitCode(1) }
    }

    /// Prints rate and cost by the thread's CPU time (robust on a shared machine) and by
    /// wall-clock time.
    func report(_ label: String, _ time: Timing, verb: String) {
        let ns = time.cpuNanoseconds / Double(cases)
        let perSecond = Double(cases) / (time.cpuNanoseconds / 1e9)
        let wallNs = time.wallNanoseconds / Double(cases)
        let padded = label + String(repeating: " ", count: max(0, 30 - label.count))
        print("\(padded) \(format(perSecond / 1e6, 2))M \(verb)/s   \(format(ns, 1)) ns per \(verb.dropLast())"
            + "   (wall: \(format(wallNs, 1)) ns)")
    }

    struct Timing {
        var cpuNanoseconds: Double
        var wallNanoseconds: Double
    }

    func measure(_ body: () -> Void) -> Timing {
        let cpuStart = threadCPUNanoseconds()
        let start = ContinuousClock.now
        body()
        let wall = ContinuousClock.now - start
        return Timing(cpuNanoseconds: threadCPUNanoseconds() - cpuStart, wallNanoseconds: wall.nanoseconds)
    }

    func writeCSV(_ path: String, header: String, rows: Int, row: (Int) -> String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            printError("error: cannot write \(path)")
            throw ExitCode(1)
        }
        defer { close(fd) }
        var out = OutputBuffer(fd: fd, capacity: 1 << 20)
        defer { out.deallocate() }
        out.append(header + "\n")
        for i in 0..<rows { out.append(row(i) + "\n") }
        out.flush()
        print("wrote \(rows) rows to \(path)")
    }
}
