import Foundation
import MeridianTesting
import Testing

@Suite("meridian route: on-call (the built binary)")
struct OnCallCLITests {
    /// The issue's case: Enterprise critical, created and routed on Saturday 2026-11-28 02:00 UTC.
    static let saturdayCritical = """
        {"id":"C-1","customer":"acme","plan":"enterprise","severity":"critical","region":"emea",\
        "created_at":"2026-11-28T02:00:00Z","subject":"Site down","details":"Every request fails."}
        """

    @Test("Shipped config: Saturday 02:00Z Enterprise critical is on-call work, not queued; no coverage warning")
    func saturdayNightIsOnCall() async throws {
        let r = try await MeridianCLI.run(
            ["route", "--config", "Config/meridian.yaml", "--at", "2026-11-28T02:00:00Z"], stdin: Self.saturdayCritical)
        #expect(r.status == 0)
        #expect(r.stderr == "")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["tier"] as? String == "oncall")
        #expect(object["reason"] as? String == "on_call")
        #expect(object["region"] as? String == "emea")
        #expect(object["queued_until"] == nil)
        #expect(object["first_response_due"] as? String == "2026-11-28T03:00:00Z")
    }

    @Test("ticket escalate --tier oncall is refused: on-call is not an escalation level")
    func escalateToOnCallRefused() async throws {
        let r = try await MeridianCLI.run(["ticket", "escalate", "T-1", "--tier", "oncall"])
        #expect(r.status == 64)
        #expect(r.stderr.contains(#"--tier: "oncall" is not l1, l2 or l3"#))
    }

    @Test("A config promising 24x7 with no on-call anywhere: route still answers, and warns on stderr naming the plan")
    func uncoveredPromiseWarns() async throws {
        let shipped = try String(contentsOfFile: MeridianCLI.root + "/Config/meridian.yaml", encoding: .utf8)
        let dir = try MeridianCLI.temporaryDirectory()
        let file = dir + "/meridian.yaml"
        try shipped.replacingOccurrences(of: "on_call: 24x7", with: "")
            .write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: dir + "/holidays", withDestinationPath: MeridianCLI.root + "/Config/holidays")
        let r = try await MeridianCLI.run(["route", "--config", file, "--at", "2026-11-28T02:00:00Z"],
                                          stdin: Self.saturdayCritical)
        #expect(r.status == 0)
        #expect(r.stderr == "warning: \(file): plans enterprise (critical) promise 24x7 targets but no region has "
            + "on-call coverage (regions.<id>.on_call): a ticket arriving while every region is closed waits for the "
            + "next opening and breaches\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["tier"] as? String == "l1")
        #expect(object["queued_until"] as? String == "2026-11-30T01:00:00Z")
    }
}
