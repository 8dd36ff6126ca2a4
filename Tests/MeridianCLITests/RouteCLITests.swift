import Foundation
import MeridianTesting
import Testing

/// Runs the built `meridian` binary from the package root.
private enum RouteCLI {
    static let root = MeridianCLI.root

    static func run(_ args: [String], stdin: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try await MeridianCLI.run(args, stdin: stdin)
        return (result.status, result.stdout, result.stderr)
    }
}

@Suite("meridian route and sla replay (the built binary, shipped config)")
struct RouteCLITests {
    static let ticket = """
        {"id":"T-1","customer":"acme","plan":"enterprise","severity":"major","region":"emea",\
        "created_at":"2026-11-27T17:50:00+01:00","subject":"Export fails","details":"Stops at 90%."}
        """

    @Test("route: Friday 17:50 Paris goes to amer, first response due Monday 09:50 Paris")
    func route() async throws {
        let r = try await RouteCLI.run(
            ["route", "--config", "Config/meridian.yaml", "--at", "2026-11-27T17:50:00+01:00", "--live", "emea=3,amer=2"],
            stdin: Self.ticket)
        #expect(r.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(object["region"] as? String == "amer")
        #expect(object["tier"] as? String == "l1")
        #expect(object["reason"] as? String == "follow_the_sun")
        #expect(object["first_response_due"] as? String == "2026-11-30T08:50:00Z")
        #expect((object["warnings"] as? [Any])?.count == 4)
    }

    @Test("route: without live workers in amer the ticket waits for apac's opening")
    func routeLive() async throws {
        let r = try await RouteCLI.run(
            ["route", "--config", "Config/meridian.yaml", "--at", "2026-11-27T17:50:00+01:00", "--live", "emea=3,amer=0,apac=1"],
            stdin: Self.ticket)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(object["region"] as? String == "apac")
        #expect(object["reason"] as? String == "follow_the_sun_next_opening")
        #expect(object["queued_until"] as? String == "2026-11-30T01:00:00Z")
    }

    @Test("route: an invalid ticket prints the error object and exits 1")
    func routeInvalid() async throws {
        let r = try await RouteCLI.run(
            ["route", "--config", "Config/meridian.yaml"], stdin: Self.ticket.replacingOccurrences(of: "\"T-1\"", with: "\"T 1\""))
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix(#"{"error":{"code":"bad_id","field":"id","#))
    }

    @Test("sla replay: clock states; a bad line names its number and processing continues")
    func replay() async throws {
        let log = """
            {"ticket":"T-1","kind":"created","at":"2026-11-30T09:00:00+01:00","region":"emea","plan":"enterprise","severity":"major","home_region":"emea","created_at":"2026-11-30T09:00:00+01:00"}
            {"ticket":"T-1","kind":"responded","at":"2026-11-30T09:40:00+01:00","region":"emea"}
            {"ticket":"T-1","kind":"waiting_on_customer","at":"2026-11-30T10:00:00+01:00","region":"emea"}
            not json
            {"ticket":"T-1","kind":"customer_replied","at":"2026-12-01T09:00:00+01:00","region":"emea"}

            """
        let r = try await RouteCLI.run(
            ["sla", "replay", "--config", "Config/meridian.yaml", "--at", "2026-12-01T12:00:00+01:00"], stdin: log)
        #expect(r.status == 1)
        #expect(r.stderr == "line 4: bad_json: not a JSON object\n")
        #expect(r.stdout == """
            T-1 enterprise major l1 open handled-by emea | first_response met due 2026-11-30T10:00:00Z \
            at 2026-11-30T08:40:00Z used 40m/2h | resolution running due 2026-12-03T11:00:00Z used 4h/24h

            """)
    }
}
