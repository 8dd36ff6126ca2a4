import ArgumentParser
import BusinessTime
import Foundation
import MeridianServices
import MeridianTesting
import NATS
import TicketRouting

/// `meridian bench log-scan`: how fast the reports read the event log from a real nats-server.
struct BenchLogScan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log-scan",
        abstract: "Reports over a synthetic event log on a local nats-server: events/s of report partners, hours and sla.",
        discussion: """
            Starts its own nats-server (JetStream, temporary store, free loopback port), publishes
            --events synthetic events of one month (per ticket: created with a partner, routed,
            assigned, responded, time_logged, one in four escalated, resolved), then times one
            pass of each report over the whole log, and as the reference a bare replay of the
            same log that decodes every event. Bounded by --events.
              swift run -c release meridian bench log-scan --events 1000000
            """)

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Events to publish (about 6.25 per ticket).")
    var events: Int = 1_000_000

    func validate() throws {
        guard events >= 100, events <= 5_000_000 else { throw ValidationError("--events must be 100...5000000") }
    }

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        let server = try await NATSServer.start(.init(serverName: "meridian-bench-log-scan"))
        defer { server.shutdown() }
        let nc = try await NATSConnection.connect(NATSOptions(url: server.url))
        let js = try nc.jetStream()
        try await MeridianStreams().ensureStreams(js)
        print("meridian bench log-scan: \(events) events on \(server.url)")
        let publishStart = ContinuousClock.now
        let publisher = try js.makeAsyncPublisher(maxInFlight: 256)
        var i = 0, published = 0
        while published < events {
            for event in Self.ticketEvents(i, config: config) {
                try await publisher.publish(event.subject, payload: Array(event.jsonString.utf8),
                                            expectedStream: MeridianStreams.events)
                published += 1
            }
            i += 1
        }
        let summary = await publisher.complete()
        print("published \(published) events of \(i) tickets in \(Self.seconds(ContinuousClock.now - publishStart)) s "
              + "(\(summary.acknowledged) acknowledged, \(summary.failures.count) failures)")
        let count = published

        let (from, to) = (Instant(iso8601: "2026-12-01T00:00:00Z")!, Instant(iso8601: "2027-01-01T00:00:00Z")!)
        let reference = try await Self.time("replay + decode every event (reference)", count: count) {
            var n = 0
            let replay = try await js.replay(stream: MeridianStreams.events, filter: "meridian.events.>")
            scan: for try await item in replay {
                switch item {
                case .caughtUp: break scan
                case .message(let m): if (try? TicketEvent.decode(json: m.payload)) != nil { n += 1 }
                }
            }
            return "\(n) decoded"
        }
        try await Self.time("report partners", count: count, reference: reference) {
            var report = PartnerReport(from: from, to: to)
            _ = try await EventLogScan.read(js, kinds: [.created, .escalated, .partnerWarning]) { report.apply($0) }
            return "\(report.result.count) partners"
        }
        try await Self.time("report hours --partner reseller-7", count: count, reference: reference) {
            var ledger = SupportHoursLedger(partner: "reseller-7", from: from, to: to)
            _ = try await EventLogScan.read(js, kinds: [.created, .timeLogged]) { ledger.apply($0) }
            return "\(ledger.statement(allowance: nil).cases.count) cases"
        }
        try await Self.time("report sla", count: count, reference: reference) {
            var sla = SLAReport(config: config, from: from, to: to)
            _ = try await EventLogScan.read(js, kinds: [.created, .responded, .breached, .escalated, .resolved]) { sla.add($0) }
            return "\(sla.lines.count) lines"
        }
        await nc.close()
    }

    /// Runs `body` once and prints its wall time and events/s (and the ratio to `reference`).
    @discardableResult
    static func time(_ what: String, count: Int, reference: Double? = nil,
                     _ body: () async throws -> String) async throws -> Double {
        let start = ContinuousClock.now
        let note = try await body()
        let s = Double((ContinuousClock.now - start).components.attoseconds) / 1e18
            + Double((ContinuousClock.now - start).components.seconds)
        var line = "\(what): \(String(format: "%.2f", s)) s, \(Int(Double(count) / s)) events/s (\(note))"
        if let reference { line += String(format: ", %.2f× the reference time", s / reference) }
        print(line)
        return s
    }

    static func seconds(_ d: Duration) -> String {
        String(format: "%.2f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    /// The events of ticket `i` of a deterministic December 2026 log.
    static func ticketEvents(_ i: Int, config: MeridianConfig) -> [TicketEvent] {
        let regions = config.regions, plans = config.plans.keys.sorted()
        let start = Instant(iso8601: "2026-12-01T00:00:00Z")!.unixSeconds
        var out: [TicketEvent] = []
        do {
            let id = TicketID(unchecked: "B-\(i)")
            let region = regions[i % regions.count], plan = plans[i % plans.count]
            let at = Instant(unixSeconds: start + Int64(i % 2_600_000))
            let ticket = Ticket(id: id, customer: "c", plan: plan, severity: .major, region: region, createdAt: at,
                                subject: "s", details: "d", partner: "reseller-\(i % 9 + 1)")
            out.append(.created(ticket))
            var routed = TicketEvent.created(ticket)
            routed.kind = .routed
            routed.toRegion = region
            routed.tier = .l1
            out.append(routed)
            out.append(.simple(.assigned, ticket: id, at: at + 5, region: region, tier: .l1))
            out.append(.simple(.responded, ticket: id, at: at + 600, region: region, automatic: false))
            out.append(LoggedTime.event(ticket: id, home: region, at: at + 900, seconds: 300 + Int64(i % 7) * 300,
                                        workClass: i % 5 == 0 ? .incident : .question, note: nil, by: "ana"))
            if i % 4 == 0 { out.append(.simple(.escalated, ticket: id, at: at + 1200, region: region, tier: .l2, automatic: false)) }
            out.append(.simple(.resolved, ticket: id, at: at + 3600, region: region))
        }
        return out
    }
}
