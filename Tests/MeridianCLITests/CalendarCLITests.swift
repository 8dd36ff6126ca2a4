import Foundation
import MeridianTesting
import Testing

@Suite("meridian calendar show: holiday rules of the shipped config (the built binary)")
struct CalendarCLITests {
    static let config = ["--config", "Config/meridian.yaml"]

    @Test("Easter Monday 2031 is closed in emea, named with its rule")
    func easterMonday2031() async throws {
        #expect(try await MeridianCLI.run([
            "calendar", "show", "--region", "emea", "--from", "2031-04-14", "--days", "1",
        ] + Self.config) == MeridianCLI.Result(status: 0, stdout: """
            emea (Europe/Paris): 2031-04-14 to 2031-04-14, 0h00m open
            2031-04-14 Mon  closed: Lundi de Pâques (easter+1)

            """, stderr: ""))
    }

    @Test("Thanksgiving 2030 is closed in amer, named with its rule")
    func thanksgiving2030() async throws {
        #expect(try await MeridianCLI.run([
            "calendar", "show", "--region", "amer", "--from", "2030-11-28", "--days", "1",
        ] + Self.config) == MeridianCLI.Result(status: 0, stdout: """
            amer (America/New_York): 2030-11-28 to 2030-11-28, 0h00m open
            2030-11-28 Thu  closed: Thanksgiving Day (4th thu of nov)

            """, stderr: ""))
    }

    @Test("an observed day across a year end, and the working day after it")
    func newYearObserved() async throws {
        #expect(try await MeridianCLI.run([
            "calendar", "show", "--region", "amer", "--from", "2032-12-31", "--days", "4",
        ] + Self.config) == MeridianCLI.Result(status: 0, stdout: """
            amer (America/New_York): 2032-12-31 to 2033-01-03, 8h00m open
            2032-12-31 Fri  closed: New Year's Day (01-01 observed)
            2033-01-01 Sat  closed: New Year's Day (01-01 observed)
            2033-01-02 Sun  closed
            2033-01-03 Mon  09:00-17:00 -05:00   2033-01-03T14:00:00Z..2033-01-03T22:00:00Z

            """, stderr: ""))
    }

    @Test("a malformed rule in a config file: exit 2 with the file, key path and problem")
    func malformedRule() async throws {
        let dir = try MeridianCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = "\(dir)/bad.yaml"
        try """
            regions:
              emea:
                timezone: Europe/Paris
                hours: { mon-fri: "08:00-18:00" }
                holidays:
                  - { rule: easter+400, name: Too late }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await MeridianCLI.run([
            "calendar", "show", "--config", file, "--region", "emea", "--from", "2031-04-14", "--days", "1",
        ]) == MeridianCLI.Result(status: 2, stdout: "", stderr: """
            error: \(file): regions.emea.holidays[0].rule: "easter+400": an Easter offset is -80 to +250 days \
            (the day must lie in Easter's year), not +400 (line 6)

            """))
    }
}
