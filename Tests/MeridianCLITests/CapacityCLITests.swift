import Foundation
import MeridianTesting
import Testing

private typealias CapacityCLIResult = MeridianCLI.Result

@Suite("meridian capacity (the built binary)")
struct CapacityCLITests {
    static let usage = """
        Usage: meridian capacity --arrivals-per-hour <n> --handle-time <duration> --answer-within <duration> --service-level <p> [--json]
          See 'meridian capacity --help' for more information.

        """

    fileprivate func capacity(_ arrivals: String, _ handle: String, _ within: String, _ level: String,
                  json: Bool = false) async throws -> CapacityCLIResult {
        try await MeridianCLI.run([
            "capacity", "--arrivals-per-hour=\(arrivals)", "--handle-time=\(handle)",
            "--answer-within=\(within)", "--service-level=\(level)",
        ] + (json ? ["--json"] : []))
    }

    @Test("Call Centre Helper's example as a table: 14 workers, 88.8% within 20 s")
    func table() async throws {
        #expect(try await capacity("200", "3m", "20s", "0.8") == CapacityCLIResult(status: 0, stdout: """
            workers        14
            service level  88.8% answered within 20s (target 80.0%)
            average wait   7.8 s
            occupancy      71.4%
            offered load   10.00 erlangs; 17.4% of tickets wait at all

            """, stderr: ""))
    }

    @Test("--json has exactly workers, service_level, average_wait_seconds and occupancy")
    func json() async throws {
        let result = try await capacity("720", "4m", "20s", "80%", json: true)
        #expect(result == CapacityCLIResult(
            status: 0,
            stdout: "{\"average_wait_seconds\":12.052316,\"occupancy\":0.888889,\"service_level\":0.817248,\"workers\":54}\n",
            stderr: ""))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["workers", "service_level", "average_wait_seconds", "occupancy"])
    }

    @Test("durations in several forms: 1h30m handle, 0 answer target")
    func durations() async throws {
        // 4 per hour × 5400 s = 6 erlangs; with t = 0 the level asked is 1 − C.
        let result = try await capacity("4", "1h30m", "0", "0.5", json: true)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("{\"average_wait_seconds\":"))
        #expect(result.stdout.hasSuffix(",\"workers\":8}\n"))
    }

    @Test("hostile values exit 64 naming the option", arguments: [
        (["nan", "3m", "20s", "0.8"], "--arrivals-per-hour: arrivals per hour must be more than 0 and at most 1000000, not nan"),
        (["inf", "3m", "20s", "0.8"], "--arrivals-per-hour: arrivals per hour must be more than 0 and at most 1000000, not inf"),
        (["-5", "3m", "20s", "0.8"], "--arrivals-per-hour: arrivals per hour must be more than 0 and at most 1000000, not -5.0"),
        (["0", "3m", "20s", "0.8"], "--arrivals-per-hour: arrivals per hour must be more than 0 and at most 1000000, not 0.0"),
        (["1e300", "3m", "20s", "0.8"], "--arrivals-per-hour: arrivals per hour must be more than 0 and at most 1000000, not 1e+300"),
        (["many", "3m", "20s", "0.8"], "--arrivals-per-hour: \"many\" is not a number"),
        (["1000000", "24h", "20s", "0.8"], "--arrivals-per-hour: the offered load (arrivals per hour × handle time) is 24000000.0 erlangs, more than 100000: split the demand"),
        (["200", "25h", "20s", "0.8"], "--handle-time: the handle time must be more than 0 and at most 24h, not 90000.0 s"),
        (["200", "0", "20s", "0.8"], "--handle-time: \"0\" is not a duration like 3m, 90s or 1h30m"),
        (["200", "3d", "20s", "0.8"], "--handle-time: \"3d\" is not a duration like 3m, 90s or 1h30m"),
        (["200", "2562047788015215h59m", "20s", "0.8"], "--handle-time: \"2562047788015215h59m\" is not a duration like 3m, 90s or 1h30m"),
        (["200", "3m", "-20s", "0.8"], "--answer-within: \"-20s\" is not a duration like 20s, 5m or 0"),
        (["200", "3m", "48h", "0.8"], "--answer-within: the answer target must be 0 to 24h, not 172800.0 s"),
        (["200", "3m", "20s", "1"], "--service-level: the service level must be more than 0 and less than 1 (e.g. 0.8 or 80%), not 1.0"),
        (["200", "3m", "20s", "1.5"], "--service-level: the service level must be more than 0 and less than 1 (e.g. 0.8 or 80%), not 1.5"),
        (["200", "3m", "20s", "120%"], "--service-level: the service level must be more than 0 and less than 1 (e.g. 0.8 or 80%), not 1.2"),
        (["200", "3m", "20s", "nan"], "--service-level: the service level must be more than 0 and less than 1 (e.g. 0.8 or 80%), not nan"),
        (["200", "3m", "20s", "most"], "--service-level: \"most\" is not a share like 0.8 or 80%"),
    ])
    func hostile(_ values: [String], _ message: String) async throws {
        #expect(try await capacity(values[0], values[1], values[2], values[3])
            == CapacityCLIResult(status: 64, stdout: "", stderr: "Error: \(message)\n" + Self.usage))
    }
}
