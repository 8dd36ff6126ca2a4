import Foundation
import MeridianTesting
import Testing

private typealias CLIResult = MeridianCLI.Result

/// Runs the built `meridian` executable from the package root, as a user would.
private enum CLI {
    static let root = MeridianCLI.root
    static let binary = MeridianCLI.binary

    static func temporaryDirectory() throws -> String { try MeridianCLI.temporaryDirectory() }

    static func run(
        _ args: [String], stdin: String = "", stdinFile: String? = nil, directory: String = root
    ) async throws -> CLIResult {
        try await MeridianCLI.run(args, stdin: stdin, stdinFile: stdinFile, directory: directory)
    }
}

@Suite("meridian hours and calendar show (the built binary)")
struct HoursCLITests {
    static let config = ["--config", "Config/meridian.yaml"]

    @Test("single add: Dec 24 is a normal day, Dec 25 a holiday")
    func singleAdd() async throws {
        let result = try await CLI.run([
            "hours", "add", "--config", "Config/meridian.yaml", "--region", "emea",
            "--start", "2026-12-24T16:30:00Z", "--seconds", "7200",
        ])
        #expect(result == CLIResult(status: 0, stdout: "2026-12-28T08:30:00Z\n", stderr: ""))
    }

    @Test("single add with the default config, an offset and zero seconds")
    func singleAddDefaults() async throws {
        #expect(try await CLI.run([
            "hours", "add", "--region", "amer", "--start", "2026-11-25T16:00:00-05:00", "--seconds", "7200",
        ]) == CLIResult(status: 0, stdout: "2026-11-27T15:00:00Z\n", stderr: ""))
        #expect(try await CLI.run([
            "hours", "add", "--region", "apac", "--start", "2026-12-25T03:00:00Z", "--seconds", "0",
        ]) == CLIResult(status: 0, stdout: "2026-12-25T03:00:00Z\n", stderr: ""))
    }

    @Test("single between")
    func singleBetween() async throws {
        #expect(try await CLI.run([
            "hours", "between", "--region", "emea", "--start", "2026-12-24T16:30:00Z", "--end", "2026-12-28T08:30:00Z",
        ] + Self.config) == CLIResult(status: 0, stdout: "7200\n", stderr: ""))
        #expect(try await CLI.run([
            "hours", "between", "--region", "emea", "--start", "2026-12-28T08:30:00Z", "--end", "2026-12-24T16:30:00Z",
        ] + Self.config) == CLIResult(status: 0, stdout: "0\n", stderr: ""))
    }

    @Test("single forms with bad values exit 1")
    func singleBadValues() async throws {
        #expect(try await CLI.run([
            "hours", "add", "--region", "emea", "--start", "2026-12-24 16:30", "--seconds", "60",
        ] + Self.config) == CLIResult(
            status: 1, stdout: "",
            stderr: "error: --start \"2026-12-24 16:30\" is not an ISO-8601 date-time with an offset\n"))
        #expect(try await CLI.run([
            "hours", "add", "--region", "emea", "--start", "2026-12-24T16:30:00Z", "--seconds=-60",
        ] + Self.config) == CLIResult(status: 1, stdout: "", stderr: "error: --seconds \"-60\" is negative\n"))
        #expect(try await CLI.run([
            "hours", "between", "--region", "emea", "--start", "2026-12-24T16:30:00Z", "--end", "tomorrow",
        ] + Self.config) == CLIResult(
            status: 1, stdout: "", stderr: "error: --end \"tomorrow\" is not an ISO-8601 date-time with an offset\n"))
    }

    @Test("batch add: same rows in order, bad rows get an empty cell and a stderr line, exit 1")
    func batchAdd() async throws {
        let input = """
            start,seconds
            2026-12-24T16:30:00Z,7200
            2026-12-24T16:30:00Z,-5
            not-a-time,60
            2026-12-25T10:00:00+01:00,3600
            2026-12-24T16:30:00Z,1.5
            2026-12-24T16:30:00Z
            2026-12-24T16:30:00Z,,
            2026-02-30T10:00:00Z,60
            ,60
            2026-12-24T16:30:00Z,

            2026-12-31T16:59:59Z,1\r
            2027-01-01T00:00:00Z,36000000

            """
        let result = try await CLI.run(["hours", "add", "--region", "emea"] + Self.config, stdin: input)
        #expect(result.stdout == """
            start,seconds,end
            2026-12-24T16:30:00Z,7200,2026-12-28T08:30:00Z
            2026-12-24T16:30:00Z,-5,
            not-a-time,60,
            2026-12-25T10:00:00+01:00,3600,2026-12-28T08:00:00Z
            2026-12-24T16:30:00Z,1.5,
            2026-12-24T16:30:00Z,,
            2026-12-24T16:30:00Z,,
            2026-02-30T10:00:00Z,60,
            ,60,
            2026-12-24T16:30:00Z,,
            ,,
            2026-12-31T16:59:59Z,1,2026-12-31T17:00:00Z
            2027-01-01T00:00:00Z,36000000,2030-12-18T17:00:00Z

            """)
        #expect(result.stderr == """
            line 3: seconds "-5" is negative
            line 4: start "not-a-time" is not an ISO-8601 date-time with an offset
            line 6: seconds "1.5" is not a whole number
            line 7: missing column "seconds"
            line 8: expected 2 columns (start,seconds), found 3
            line 9: start "2026-02-30T10:00:00Z" is not an ISO-8601 date-time with an offset
            line 10: missing value for "start"
            line 11: missing value for "seconds"
            line 12: empty row
            error: 9 of 13 rows had no answer

            """)
        #expect(result.status == 1)
    }

    @Test("batch between: good rows exit 0 with nothing on stderr; CRLF and quoted fields")
    func batchBetween() async throws {
        let input = "start,end\r\n2026-12-24T16:30:00Z,2026-12-28T08:30:00Z\r\n"
            + "\"2026-12-28T08:30:00Z\",\"2026-12-24T16:30:00Z\"\r\n"
            + "2026-01-01T00:00:00Z,2027-01-01T00:00:00Z\r\n"
        #expect(try await CLI.run(["hours", "between", "--region", "emea"] + Self.config, stdin: input) == CLIResult(
            status: 0,
            stdout: """
                start,end,seconds
                2026-12-24T16:30:00Z,2026-12-28T08:30:00Z,7200
                "2026-12-28T08:30:00Z","2026-12-24T16:30:00Z",0
                2026-01-01T00:00:00Z,2027-01-01T00:00:00Z,9072000

                """,
            stderr: ""))
    }

    @Test("batch between with bad rows")
    func batchBetweenBadRows() async throws {
        let input = "start,end\n2026-12-24T16:30:00Z,soon\n2026-12-24T16:30:00Z\n2026-12-24T16:30:00Z,2026-12-24T17:00:00Z\n"
        #expect(try await CLI.run(["hours", "between", "--region", "emea"] + Self.config, stdin: input) == CLIResult(
            status: 1,
            stdout: "start,end,seconds\n2026-12-24T16:30:00Z,soon,\n2026-12-24T16:30:00Z,,\n2026-12-24T16:30:00Z,2026-12-24T17:00:00Z,1800\n",
            stderr: """
                line 2: end "soon" is not an ISO-8601 date-time with an offset
                line 3: missing column "end"
                error: 2 of 3 rows had no answer

                """))
    }

    @Test("a line longer than the read buffer is a bad row; the next rows are still answered")
    func longLine() async throws {
        let input = "start,seconds\n" + String(repeating: "x", count: 3_000_000) + ",5\n"
            + "2026-12-24T16:30:00Z,7200\n" + String(repeating: "y", count: 1_048_576) + "\n2026-12-24T16:30:00Z,60"
        #expect(try await CLI.run(["hours", "add", "--region", "emea"] + Self.config, stdin: input) == CLIResult(
            status: 1,
            stdout: "start,seconds,end\n,,\n2026-12-24T16:30:00Z,7200,2026-12-28T08:30:00Z\n,,\n"
                + "2026-12-24T16:30:00Z,60,2026-12-24T16:31:00Z\n",
            stderr: """
                line 2: longer than 1048576 bytes
                line 4: longer than 1048576 bytes
                error: 2 of 4 rows had no answer

                """))
    }

    @Test("a batch without the header exits 2; an empty one too")
    func batchBadHeader() async throws {
        #expect(try await CLI.run(
            ["hours", "add", "--region", "emea"] + Self.config, stdin: "2026-12-24T16:30:00Z,7200\n"
        ) == CLIResult(
            status: 2, stdout: "",
            stderr: "error: line 1: expected the header \"start,seconds\", found \"2026-12-24T16:30:00Z,7200\"\n"))
        #expect(try await CLI.run(["hours", "between", "--region", "emea"] + Self.config, stdin: "") == CLIResult(
            status: 2, stdout: "", stderr: "error: no input: expected the header \"start,end\"\n"))
        #expect(try await CLI.run(["hours", "add", "--region", "emea"] + Self.config, stdin: "start,seconds\n")
            == CLIResult(status: 0, stdout: "start,seconds,end\n", stderr: ""))
    }

    @Test("config errors exit 2 with the file, the key path and the problem, no stack trace")
    func badConfig() async throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(String, String)] = [
            (
                "regions:\n  emea:\n    timezone: Europe/Pariss\n    hours: { mon-fri: \"08:00-18:00\" }\n",
                "regions.emea.timezone: unknown time zone \"Europe/Pariss\" (line 3)"
            ),
            (
                "regions:\n  amer:\n    timezone: America/New_York\n    hours:\n      mon: \"9:00-25:00\"\n",
                "regions.amer.hours.mon: \"9:00-25:00\" is not a time range (line 5)"
            ),
            (
                "regions:\n  emea:\n    timezone: Europe/Paris\n    hours: { sat-sun: closed }\n",
                "regions.emea.hours: the calendar has no open time at all (line 4)"
            ),
            (
                "regions:\n  emea:\n    timezone: Europe/Paris\n    hours: { mon-fri: \"08:00-18:00\" }\n  bad: [\n",
                "YAML syntax error: did not find expected node content while parsing a flow node (line 6, column 1)"
            ),
        ]
        for (i, (yaml, message)) in cases.enumerated() {
            let file = "\(dir)/bad\(i).yaml"
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try await CLI.run([
                "hours", "add", "--config", file, "--region", "emea", "--start", "2026-12-24T16:30:00Z", "--seconds", "1",
            ]) == CLIResult(status: 2, stdout: "", stderr: "error: \(file): \(message)\n"))
        }
        #expect(try await CLI.run([
            "hours", "between", "--config", "\(dir)/missing.yaml", "--region", "emea",
            "--start", "2026-12-24T16:30:00Z", "--end", "2026-12-24T16:30:00Z",
        ]) == CLIResult(status: 2, stdout: "", stderr: "error: \(dir)/missing.yaml: no such file\n"))
        #expect(try await CLI.run([
            "hours", "add", "--region", "mars", "--start", "2026-12-24T16:30:00Z", "--seconds", "1",
        ] + Self.config) == CLIResult(
            status: 2, stdout: "",
            stderr: "error: Config/meridian.yaml: regions: no region \"mars\" (known: amer, apac, emea)\n"))
    }

    @Test("calendar show: local and UTC intervals, holidays and special hours marked")
    func calendarShow() async throws {
        #expect(try await CLI.run([
            "calendar", "show", "--region", "emea", "--from", "2026-12-23", "--days", "6",
        ] + Self.config) == CLIResult(status: 0, stdout: """
            emea (Europe/Paris): 2026-12-23 to 2026-12-28, 30h00m open
            2026-12-23 Wed  08:00-18:00 +01:00   2026-12-23T07:00:00Z..2026-12-23T17:00:00Z
            2026-12-24 Thu  08:00-18:00 +01:00   2026-12-24T07:00:00Z..2026-12-24T17:00:00Z
            2026-12-25 Fri  closed: Noël
            2026-12-26 Sat  closed
            2026-12-27 Sun  closed
            2026-12-28 Mon  08:00-18:00 +01:00   2026-12-28T07:00:00Z..2026-12-28T17:00:00Z

            """, stderr: ""))

        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = "\(dir)/night.yaml"
        try """
            regions:
              night:
                timezone: Europe/Paris
                hours:
                  sat: "22:00-06:00"
                  sun: "12:00-13:00"
                open_days:
                  2026-03-27: { hours: "09:00-12:00", name: Inventaire }
              always:
                timezone: America/New_York
                hours: 24x7
            """.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await CLI.run([
            "calendar", "show", "--config", file, "--region", "night", "--from", "2026-03-27", "--days", "3",
        ]) == CLIResult(status: 0, stdout: """
            night (Europe/Paris): 2026-03-27 to 2026-03-29, 11h00m open
            2026-03-27 Fri  09:00-12:00 +01:00   2026-03-27T08:00:00Z..2026-03-27T11:00:00Z   special hours: Inventaire
            2026-03-28 Sat  22:00 +01:00 - 06:00(+1) +02:00 (7h00m)   2026-03-28T21:00:00Z..2026-03-29T04:00:00Z
            2026-03-29 Sun  12:00-13:00 +02:00   2026-03-29T10:00:00Z..2026-03-29T11:00:00Z

            """, stderr: ""))
        // A 24x7 calendar on the fall-back day: a 25-hour day.
        #expect(try await CLI.run([
            "calendar", "show", "--config", file, "--region", "always", "--from", "2026-10-31", "--days", "3",
        ]) == CLIResult(status: 0, stdout: """
            always (America/New_York): 2026-10-31 to 2026-11-02, 73h00m open
            2026-10-31 Sat  00:00-24:00 -04:00   2026-10-31T04:00:00Z..2026-11-01T04:00:00Z
            2026-11-01 Sun  00:00 -04:00 - 24:00 -05:00 (25h00m)   2026-11-01T04:00:00Z..2026-11-02T05:00:00Z
            2026-11-02 Mon  00:00-24:00 -05:00   2026-11-02T05:00:00Z..2026-11-03T05:00:00Z

            """, stderr: ""))
    }

    @Test("bench hours runs and checks its cases (figures come from release builds)")
    func benchSmoke() async throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try await CLI.run(
            ["bench", "hours", "--cases", "2000", "--add-csv", "\(dir)/add.csv"] + Self.config)
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "wrote 2000 rows to \(dir)/add.csv")
        #expect(lines.last?.hasPrefix("check between(s, add(s, n)) == n: 2000 of 2000") == true)
        // The CSV it wrote is valid batch input.
        let csv = try String(contentsOfFile: "\(dir)/add.csv", encoding: .utf8)
        let batch = try await CLI.run(["hours", "add", "--region", "emea"] + Self.config, stdin: csv)
        #expect(batch.status == 0)
        #expect(batch.stderr == "")
        #expect(batch.stdout.split(separator: "\n").count == 2001)
    }

    @Test("batch is streaming: half a million rows in about the memory of one")
    func streaming() async throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Half a million rows (a debug build takes about 2 s of CPU for them, so they do
        // not slow the timing-sensitive tests that run in parallel much): one block of
        // 10,000 rows written 50 times.
        let rows = 500_000
        var block = ""
        for i in 0..<10_000 {
            block += "2026-12-\(10 + i % 20)T0\(i % 10):30:00Z,\(i * 37 % 100_000)\n"
        }
        _ = FileManager.default.createFile(atPath: "\(dir)/in.csv", contents: nil)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dir)/in.csv"))
        try file.write(contentsOf: Data("start,seconds\n".utf8))
        let blockData = Data(block.utf8)
        for _ in 0..<(rows / 10_000) { try file.write(contentsOf: blockData) }
        try file.close()
        try ("start,seconds\n" + block.prefix(while: { $0 != "\n" }) + "\n")
            .write(toFile: "\(dir)/one.csv", atomically: false, encoding: .utf8)

        // `--stats` reports the process's own peak RSS (VmHWM), so the test process's
        // size does not leak into the figure as it would through wait4's ru_maxrss.
        func peakKB(_ input: String, rows expected: Int) async throws -> Int {
            let result = try await CLI.run(
                ["hours", "add", "--region", "emea", "--stats"] + Self.config, stdinFile: input)
            #expect(result.status == 0)
            #expect(result.stdout.utf8.count > expected * 40)
            let stats = try #require(result.stderr.split(separator: "\n").last)
            #expect(stats.hasPrefix("stats: \(expected) row"), "\(stats)")
            let field = try #require(stats.split(separator: " ").dropLast().last)
            return try #require(Int(field))
        }
        let one = try await peakKB("\(dir)/one.csv", rows: 1)
        let many = try await peakKB("\(dir)/in.csv", rows: rows)
        // The input is 14 MB and the output 24 MB; the batch holds two 1 MiB buffers.
        #expect(one > 0)
        #expect(many < one + 8 * 1024, "peak RSS for 1 row: \(one) KB, for \(rows) rows: \(many) KB")
    }
}

