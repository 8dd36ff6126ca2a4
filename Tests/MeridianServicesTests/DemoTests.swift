import BusinessTime
import Foundation
import Logging
import MeridianDemo
import MeridianServices
import MeridianTesting
import NATSServerLauncher
import Synchronization
import Testing
import TicketRouting

/// The shipped config (the demo runs on it).
enum ShippedConfig {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let config: MeridianConfig = {
        do { return try MeridianConfig.load(file: "\(root)/Config/meridian.yaml") } catch {
            fatalError("shipped config: \(error)")
        }
    }()
}

@Suite("The demo's ticket stream and clock")
struct DemoStreamTests {
    static let start = Instant(iso8601: "2026-11-30T00:00:00Z")!

    @Test("the same seed gives the same stream; tickets keep away from routing boundaries")
    func seededStream() {
        let a = DemoTickets.stream(seed: 7, count: 40, start: Self.start, end: Self.start + 36 * 3600,
                                   config: ShippedConfig.config)
        let b = DemoTickets.stream(seed: 7, count: 40, start: Self.start, end: Self.start + 36 * 3600,
                                   config: ShippedConfig.config)
        let c = DemoTickets.stream(seed: 8, count: 40, start: Self.start, end: Self.start + 36 * 3600,
                                   config: ShippedConfig.config)
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == 42)
        #expect(a.filter { $0.kind == .invalid }.map(\.id) == ["T 0005", "T-0021", "T-0037"])
        #expect(a.filter { $0.kind == .duplicate }.count == 2)
        #expect(a.map(\.at) == a.map(\.at).sorted())
        #expect(DemoOptions.defaultStart == Self.start)
        // No ticket within 30 minutes of an opening, a closing or a closing minus the margin.
        let config = ShippedConfig.config
        for submission in a {
            for region in config.regions {
                let calendar = config.calendars[region]!
                for interval in calendar.openIntervals(from: Self.start - 86_400, to: Self.start + 3 * 86_400) {
                    for boundary in [interval.start, interval.end, interval.end - config.routing.margin] {
                        #expect(abs(boundary - submission.at) >= DemoTickets.boundaryGuard, "\(submission.id) \(region)")
                    }
                }
            }
        }
    }

    @Test("the demo clock stands still until begin()")
    func clockBegins() async throws {
        let clock = DemoClock(start: Self.start, factor: 3600)
        #expect(clock.now() == Self.start)
        let woke = Task { () -> Instant in
            try await clock.sleep(until: Self.start + 1800)
            return clock.now()
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(clock.now() == Self.start)
        clock.begin()
        let at = try await woke.value
        #expect(at >= Self.start + 1800)
        #expect(at < Self.start + 3 * 3600)
    }

    @Test("DemoSimulation.format prints simulated UTC as HH:MM weekday")
    func format() {
        #expect(DemoSimulation.format(Instant(iso8601: "2026-12-01T10:02:59Z")!) == "10:02 Tue")
        #expect(DemoSimulation.format(Instant(iso8601: "2026-12-06T23:59:00Z")!) == "23:59 Sun")
    }
}

@Suite("meridian demo on a real nats-server")
struct DemoSimulationTests {
    @Test("36 simulated hours, seed 7, 40 tickets: exact routings, rejections, duplicates, handoffs and a table")
    func shortRun() async throws {
        let server = try await NATSServer.start(NATSServer.Options(serverName: "demo-test"))
        defer { server.shutdown() }
        var logger = Logger(label: "test.demo")
        logger.logLevel = .critical
        let lines = Mutex<[String]>([])
        let options = DemoOptions(config: ShippedConfig.config, natsURL: server.url, seed: 7, tickets: 40,
                                  hours: 36, speed: 10_000, logger: logger)
        let simulation = DemoSimulation(options: options) { line in lines.withLock { $0.append(line) } }
        try await simulation.run()
        let summary = try #require(simulation.summary)
        let output = lines.withLock { $0 }
        func printed(_ line: String) -> Bool { output.contains(line) }

        #expect(!summary.stoppedEarly)
        #expect(summary.reached == options.end)
        #expect(summary.submissions == 42)
        #expect(summary.routed == 37)
        #expect(summary.rejected == 3)
        #expect(summary.duplicates == 2)
        #expect(summary.failed == 0)
        // One Enterprise critical ticket arrives while every region is closed: the shipped config's
        // 24x7 on-call takes it in its home region (emea) instead of queuing it for apac's opening.
        #expect(summary.routedByRegion == ["amer": 11, "apac": 15, "emea": 11])
        #expect(summary.followTheSunByRegion == ["amer": 1, "apac": 8, "emea": 0])
        #expect(summary.handoffs == ["amer→apac": 4, "apac→emea": 1])
        #expect(output.filter { $0.contains("  route  ") }.count == 37)
        #expect(output.filter { $0.contains("  rejected  ") }.count == 3)
        #expect(printed("04:58 Mon  route     emea→apac  T-0004 enterprise/major l1  follow_the_sun"))
        #expect(printed("05:08 Mon  duplicate T-0004 resubmitted: already routed to apac, not routed again"))
        #expect(output.contains { $0.hasPrefix("05:24 Mon  rejected  \"T 0005\" bad_id (id)") }, "bad id")
        #expect(printed("18:26 Mon  route     emea→amer  T-0018 enterprise/major l1  follow_the_sun"))
        #expect(printed("22:00 Mon  handoff   amer→apac  T-0018 enterprise/major unanswered at amer's closing"))
        #expect(output.contains { $0.hasPrefix("Summary (ran to 12:00 Tue") }, "summary")
        #expect(printed("  submissions 42: routed 37, rejected 3, duplicates 2 (routed once)"))
        // Every routed ticket is in the table once.
        let total = summary.rows.reduce(0) { $0 + $1.routed }
        #expect(total == 37)
    }
}
