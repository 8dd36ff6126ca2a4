import NATSServerLauncher
import BusinessTime
import Foundation
@testable import MeridianServices
import MeridianTesting
import NATS
import Synchronization
import Testing
import TicketRouting

@Suite("meridian status: assembled from heartbeats and queues")
struct DeploymentStatusTests {
    static func t(_ iso: String) -> Instant { Instant(iso8601: iso)! }

    static func beat(_ node: NodeID, _ region: RegionID, clocks: Int, backlog: Int, elsewhere: [String: Int] = [:],
                     atRisk: Int = 0, breaches: Int = 0, state: Heartbeat.State = .up) -> Heartbeat {
        var beat = Heartbeat(node: node, region: region, state: state, backlog: backlog, clocks: clocks)
        beat.handledElsewhere = elsewhere
        beat.atRisk = atRisk
        beat.breachesToday = breaches
        beat.caughtUp = true
        return beat
    }

    // Tuesday 2026-11-24 10:00Z: emea open (11:00 Paris) until 17:00Z; amer closed, opens 14:00Z;
    // apac closed (18:00 Singapore), opens 01:00Z on Wednesday.
    @Test("tickets handed to another region count there; a region whose nodes said goodbye is unreported")
    func assemble() {
        let beats = [
            Self.beat("emea-1", "emea", clocks: 5, backlog: 2, elsewhere: ["amer": 3], atRisk: 1, breaches: 4),
            Self.beat("emea-2", "emea", clocks: 6, backlog: 3, elsewhere: ["amer": 3, "apac": 1], atRisk: 2, breaches: 4),
            Self.beat("amer-1", "amer", clocks: 1, backlog: 1),
            Self.beat("amer-1", "amer", clocks: 1, backlog: 1, state: .down),
        ]
        let queues = [
            WorkQueueCensus(region: "emea", tier: .l2, backlog: 1, oldestAgeSeconds: 90),
            WorkQueueCensus(region: "emea", tier: .l1, backlog: 4, oldestAgeSeconds: 30),
        ]
        let status = DeploymentStatus.assemble(config: ServiceFixtures.config, at: Self.t("2026-11-24T10:00:00Z"),
                                               beats: beats, queues: queues)
        #expect(status.unreported == ["amer", "apac"])
        let byRegion = Dictionary(uniqueKeysWithValues: status.regions.map { ($0.region, $0) })
        let emea = byRegion["emea"]!
        #expect(emea.open)
        #expect(emea.localTime == "2026-11-24 11:00:00 +01:00")
        #expect(emea.nextClosing == Self.t("2026-11-24T17:00:00Z"))
        #expect(emea.nextOpening == nil)
        #expect(emea.liveWorkers == 2)
        #expect(emea.nodes == ["emea-1", "emea-2"])
        #expect(emea.queues.map(\.tier) == [.l1, .l2])
        // The freshest report of emea's log is emea-2's.
        #expect(emea.clocks == 6)
        #expect(emea.unanswered == 3)
        #expect(emea.atRisk == 2)
        #expect(emea.breachesToday == 4)
        let amer = byRegion["amer"]!
        #expect(!amer.open)
        #expect(amer.nextOpening == Self.t("2026-11-24T14:00:00Z"))
        #expect(amer.liveWorkers == 0)
        #expect(amer.clocks == 3)  // handed in from emea's log; amer's own log is unreported
        #expect(amer.unanswered == nil)
        #expect(byRegion["apac"]!.nextOpening == Self.t("2026-11-25T01:00:00Z"))
        #expect(byRegion["apac"]!.clocks == 1)

        let text = status.text
        #expect(text.contains("emea    open    2026-11-24 11:00:00 +01:00  closes 2026-11-24T17:00:00Z  2        l1=4 l2=1  1m30s   6       3           2        4\n"))
        #expect(text.contains("amer    closed  2026-11-24 05:00:00 -05:00  opens 2026-11-24T14:00:00Z   0        -          -       3       ?           ?        ?\n"))
        #expect(text.hasSuffix("no live worker in amer, apac: their tickets are not counted (? = unknown)\n"))
        let json = String(decoding: try! JSONCoding.encode(status), as: UTF8.self)
        #expect(json.contains(#""region":"emea","timezone":"Europe/Paris","unanswered":3}"#))
        #expect(json.contains(#""live_workers":2"#))
        #expect(json.contains(#"{"backlog":4,"oldest_age_seconds":30,"region":"emea","tier":"l1"}"#))
    }

    @Test("status on a real server: the heartbeats' clocks and backlog count handled, unanswered tickets; a forged heartbeat is skipped")
    func liveStatus() async throws {
        let h = try await ServiceHarness(name: "ops-status", start: Self.t("2026-11-24T10:00:00Z"))
        let router = h.startRouter()
        let worker = try await h.startWorker("emea", node: "emea-1")
        try await waitUntil("emea worker live") { router.liveLoads()["emea"]?.liveWorkers == 1 }
        _ = try await h.submit(ServiceFixtures.ticketJSON("S-1", severity: "critical", createdAt: "2026-11-24T10:00:00Z"))
        _ = try await h.submit(ServiceFixtures.ticketJSON("S-2", severity: "major", createdAt: "2026-11-24T10:00:00Z"))
        _ = try await h.submit(ServiceFixtures.ticketJSON("S-3", severity: "major", createdAt: "2026-11-24T10:00:00Z"))
        try await waitUntil("assigned") { h.delivered.count == 3 }
        try await h.record(.responded, ticket: "S-2", at: Self.t("2026-11-24T10:00:00Z"), automatic: false)
        try await h.record(.resolved, ticket: "S-3", at: Self.t("2026-11-24T10:00:00Z"))
        try await waitUntil("S-3 resolved on the node") {
            worker.clocks.clock("S-3").map { $0.phase == .resolved } ?? false
        }

        // A forged heartbeat whose body names another node than its subject: skipped.
        var forged = Heartbeat(node: "emea-9", region: "emea", state: .up, backlog: 99, clocks: 99)
        forged.atRisk = 99
        let unreadable = UnreadableSubjects()
        let forger = Task {
            while !Task.isCancelled {
                try? h.connection.publish("meridian.nodes.emea.emea-8", payload: try JSONCoding.encode(forged))
                // And one that is its own node but counts -5 clocks.
                try? h.connection.publish("meridian.nodes.emea.emea-7", payload: try JSONCoding.encode(
                    Heartbeat(node: "emea-7", region: "emea", state: .up, backlog: 0, clocks: -5)))
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let status = try await StatusProbe.gather(h.connection, config: h.config, listen: .seconds(3),
                                                  now: h.clock.now(), onUnreadable: { unreadable.add($0) })
        forger.cancel()
        let emea = try #require(status.regions.first { $0.region == "emea" })
        #expect(emea.liveWorkers == 1)
        #expect(emea.nodes == ["emea-1"])
        #expect(emea.clocks == 2)       // S-1, S-2 (S-3 resolved)
        #expect(emea.unanswered == 1)   // S-1 (S-2 answered)
        #expect(emea.atRisk == 1)       // S-1 (critical) due 11:00Z, within the hour; S-2's resolution is far
        #expect(emea.breachesToday == 0)
        #expect(emea.queues.map { "\($0.tier.rawValue)=\($0.backlog)/\($0.oldestAgeSeconds)" } == ["l1=0/0", "l2=0/0", "l3=0/0"])
        #expect(status.unreported == ["amer", "apac"])
        #expect(Set(unreadable.all) == ["meridian.nodes.emea.emea-8", "meridian.nodes.emea.emea-7"])
        await h.stop()
    }
}

extension DeploymentStatusTests {
    @Test("a queue's backlog and the age of its oldest item, from the consumer and the stream (amer closed: its work waits)")
    func queueCensus() async throws {
        let h = try await ServiceHarness(name: "ops-queue", start: Self.t("2026-11-24T10:00:00Z"))
        let router = h.startRouter()
        // No amer worker runs: before its consumer exists the queue is unknown, not empty.
        try await waitUntil("the router ready") { router.readiness.problem == nil }
        let nowReal = Int64(Date().timeIntervalSince1970)
        #expect(try await WorkQueueCensus.read(h.js, connection: h.connection, region: "amer", tier: .l1, now: nowReal) == nil)
        _ = try await MeridianStreams().workConsumer(h.js, region: "amer", tier: .l1)
        _ = try await h.submit(ServiceFixtures.ticketJSON("Q-1", plan: "premium", region: "amer", createdAt: "2026-11-24T10:00:00Z"))
        _ = try await h.submit(ServiceFixtures.ticketJSON("Q-2", plan: "premium", region: "amer", createdAt: "2026-11-24T10:00:00Z"))
        let first = try #require(try await h.js.message(stream: MeridianStreams.work, sequence: 1))
        #expect(first.subject == "meridian.work.amer.l1")
        let stored = first.timestampNanoseconds / 1_000_000_000
        let census = try #require(try await WorkQueueCensus.read(h.js, connection: h.connection, region: "amer", tier: .l1,
                                                                 now: stored + 100))
        #expect(census == WorkQueueCensus(region: "amer", tier: .l1, backlog: 2, oldestAgeSeconds: 100))
        // A clock behind the stream's never gives a negative age.
        let behind = try #require(try await WorkQueueCensus.read(h.js, connection: h.connection, region: "amer", tier: .l1,
                                                                 now: stored - 50))
        #expect(behind.oldestAgeSeconds == 0)
        await h.stop()
    }

    @Test("the JetStream message-get answer is parsed to whole seconds; an error answer or junk is none")
    func storedTimeParsing() {
        let answer = #"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","message":{"subject":"meridian.work.emea.l1","seq":7,"time":"2026-12-04T03:58:01.123456789Z"}}"#
        #expect(WorkQueueCensus.parseStoredTime(Array(answer.utf8)) == Self.t("2026-12-04T03:58:01Z").unixSeconds)
        let missing = #"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","error":{"code":404,"err_code":10037,"description":"no message found"}}"#
        #expect(WorkQueueCensus.parseStoredTime(Array(missing.utf8)) == nil)
        #expect(WorkQueueCensus.parseStoredTime(Array(#"{"message":{"time":"yesterday"}}"#.utf8)) == nil)
        #expect(WorkQueueCensus.parseStoredTime(Array("\u{0}".utf8)) == nil)
    }
}

final class UnreadableSubjects: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ subject: String) { list.withLock { $0.append(subject) } }
    var all: [String] { list.withLock { $0 } }
}

@Suite("Alertmanager: the alert book and a real Alertmanager")
struct AlertmanagerTests {
    static func t(_ iso: String) -> Instant { Instant(iso8601: iso)! }

    static func alert(_ kind: TicketEvent.Kind, _ ticket: TicketID, _ clock: ClockKind, at: String,
                      cycle: Int = 0) -> TicketEvent {
        var event = TicketEvent(ticket: ticket, kind: kind, at: Self.t(at), region: "emea")
        event.plan = "enterprise"
        event.severity = .critical
        event.clock = clock
        event.cycle = cycle
        event.due = Self.t(at)
        return event
    }

    @Test("breaches open alerts, a response resolves first-response ones, a resolution all; warnings only when asked")
    func book() {
        var book = AlertBook(warnings: false)
        book.apply(Self.alert(.warning, "B-1", .firstResponse, at: "2026-11-24T09:30:00Z"))
        #expect(book.activeCount == 0)
        book.apply(Self.alert(.breached, "B-1", .firstResponse, at: "2026-11-24T10:00:00Z"))
        book.apply(Self.alert(.breached, "B-1", .resolution, at: "2026-11-24T17:00:00Z"))
        let active = book.activeAlerts(now: Self.t("2026-11-24T17:00:00Z"), resolveTimeout: 300)
        #expect(active.map { $0.labels["clock"]! } == ["first_response", "resolution"])
        #expect(active[0].labels == ["alertname": "MeridianSLABreach", "region": "emea", "plan": "enterprise",
                                     "severity": "critical", "clock": "first_response", "ticket": "B-1"])
        #expect(active[0].startsAt == "2026-11-24T10:00:00Z")
        #expect(active[0].endsAt == "2026-11-24T17:05:00Z")
        #expect(active[0].annotations["due"] == "2026-11-24T10:00:00Z")

        book.apply(TicketEvent(ticket: "B-1", kind: .responded, at: Self.t("2026-11-24T17:10:00Z"), region: "emea"))
        let resolved = book.takeResolved()
        #expect(resolved.map { "\($0.labels["clock"]!) \($0.endsAt)" } == ["first_response 2026-11-24T17:10:00Z"])
        #expect(book.takeResolved().isEmpty)
        #expect(book.activeCount == 1)
        book.apply(TicketEvent(ticket: "B-1", kind: .resolved, at: Self.t("2026-11-24T18:00:00Z"), region: "emea"))
        #expect(book.takeResolved().map { $0.labels["clock"]! } == ["resolution"])
        #expect(book.activeCount == 0)

        var withWarnings = AlertBook(warnings: true)
        withWarnings.apply(Self.alert(.warning, "B-2", .firstResponse, at: "2026-11-24T09:30:00Z"))
        #expect(withWarnings.activeAlerts(now: Self.t("2026-11-24T09:30:00Z"), resolveTimeout: 60)
            .map { $0.labels["alertname"]! } == ["MeridianSLAWarning"])
        // The breach of the same clock supersedes its warning.
        withWarnings.apply(Self.alert(.breached, "B-2", .firstResponse, at: "2026-11-24T10:00:00Z"))
        #expect(withWarnings.takeResolved().map { $0.labels["alertname"]! } == ["MeridianSLAWarning"])
        #expect(withWarnings.activeAlerts(now: Self.t("2026-11-24T10:00:00Z"), resolveTimeout: 60)
            .map { $0.labels["alertname"]! } == ["MeridianSLABreach"])
    }

    /// The alerts Alertmanager holds for `ticket`, by their labels.
    static func labels(_ am: AlertmanagerServer, ticket: String) async -> [[String: String]] {
        await am.alerts().compactMap { $0["labels"] as? [String: String] }.filter { $0["ticket"] == ticket }
    }

    // Tuesday 2026-11-24, emea open: A-1 (enterprise/critical) is due 10:00Z.
    @Test("a breach reaches a real Alertmanager with its labels, is re-posted, and resolves when the ticket is answered")
    func realAlertmanager() async throws {
        let am = try await AlertmanagerServer.start()
        defer { am.stop() }
        let h = try await ServiceHarness(name: "ops-alertmanager", start: Self.t("2026-11-24T09:00:00Z"))
        let router = h.startRouter()
        _ = try await h.startWorker("emea", node: "emea-1")
        try await waitUntil("emea worker live") { router.liveLoads()["emea"]?.liveWorkers == 1 }
        let bridge = AlertmanagerBridge(
            connection: try await h.newConnection(), client: AlertmanagerClient(baseURL: URL(string: am.url)!),
            refresh: .seconds(1), resolveTimeout: .seconds(120), logger: h.logger)
        h.run(bridge)

        _ = try await h.submit(ServiceFixtures.ticketJSON("A-1", severity: "critical", createdAt: "2026-11-24T09:00:00Z"))
        try await waitUntil("assigned") { h.delivered.count == 1 }
        for step in ["2026-11-24T09:30:00Z", "2026-11-24T09:45:00Z", "2026-11-24T10:00:00Z"] {
            h.clock.advance(to: Self.t(step))
            try await waitUntil("the alert due at \(step)") {
                try await h.events("meridian.events.emea.>").contains { $0.kind.isAlert && $0.at == Self.t(step) }
            }
        }
        try await waitUntil(timeout: .seconds(20), "the breach in Alertmanager") { await Self.labels(am, ticket: "A-1").isEmpty == false }
        // Warnings are not pushed without --warnings: only the breach.
        #expect(await Self.labels(am, ticket: "A-1") == [[
            "alertname": "MeridianSLABreach", "region": "emea", "plan": "enterprise", "severity": "critical",
            "clock": "first_response", "ticket": "A-1",
        ]])
        let stored = try #require(await am.alerts().first { ($0["labels"] as? [String: String])?["ticket"] == "A-1" })
        #expect((stored["startsAt"] as? String)?.hasPrefix("2026-11-24T10:00:00") == true)
        #expect((stored["annotations"] as? [String: String])?["due"] == "2026-11-24T10:00:00Z")
        // Active alerts are posted again with each refresh.
        let posted = bridge.postedBatches
        try await waitUntil("re-posted") { bridge.postedBatches >= posted + 2 }

        try await h.record(.responded, ticket: "A-1", at: Self.t("2026-11-24T10:05:00Z"), automatic: false)
        try await waitUntil(timeout: .seconds(20), "resolved in Alertmanager") { await Self.labels(am, ticket: "A-1").isEmpty }
        await h.stop()
    }
}
