import NATSServerLauncher
import Foundation
import MeridianAuth
import MeridianTesting
import NATS
import NKeys
import Testing
import TicketRouting

/// Every identity against every subject class, on a real nats-server running the generated
/// auth.conf: each probe is asserted allowed for the identities listed and denied for all others.
@Suite("auth.conf enforced by nats-server: the permission table")
struct PermissionTableTests {
    typealias Op = PermissionProbe.Operation

    static let admin = "admin", router = "router", monitor = "monitor", submitter = "submitter"
    static let workerEMEA = "worker-emea", workerAPAC = "worker-apac", teamEMEA = "team-emea", teamAPAC = "team-apac"
    static let everyone = [admin, router, workerAPAC, teamAPAC, workerEMEA, teamEMEA, monitor, submitter]

    /// (operation, the identities allowed to do it). Everyone else must be denied.
    static let table: [(Op, Set<String>)] = [
        // Intake.
        (.publish("meridian.intake"), [submitter]),
        (.publish("meridian.intake.queue"), [submitter]),
        (.subscribe("meridian.intake"), [router]),
        (.publish("meridian.intake.rejected"), [router]),
        (.subscribe("meridian.intake.rejected"), [monitor]),
        // Routed work: only the router publishes it; nobody reads it outside JetStream.
        (.publish("meridian.work.emea.l1"), [router]),
        (.publish("meridian.work.apac.l2"), [router]),
        (.subscribe("meridian.work.>"), []),
        // Events: a region's log takes its workers', its team's (actions only) and the router's.
        (.publish("meridian.events.emea.breached.T1"), [router, workerEMEA]),
        (.publish("meridian.events.emea.warning.T1"), [router, workerEMEA]),
        (.publish("meridian.events.apac.breached.T1"), [router, workerAPAC]),
        (.publish("meridian.events.emea.responded.T1"), [router, workerEMEA, teamEMEA]),
        (.publish("meridian.events.apac.resolved.T1"), [router, workerAPAC, teamAPAC]),
        (.publish("meridian.events.emea.routed.T1"), [router, workerEMEA]),
        (.publish("meridian.events.emea.escalated.T1"), [router, workerEMEA, teamEMEA]),
        (.publish("meridian.events.emea.assigned.T1"), [router, workerEMEA, workerAPAC]),  // handed-off work
        (.publish("meridian.events.apac.assigned.T1"), [router, workerEMEA, workerAPAC]),
        (.subscribe("meridian.events.>"), []),
        // Heartbeats steer routing: a region's own workers only.
        (.publish("meridian.nodes.emea.n1"), [workerEMEA]),
        (.publish("meridian.nodes.apac.n1"), [workerAPAC]),
        (.subscribe("meridian.nodes.>"), [router, monitor]),
        // A region's inbox (read-only request/reply).
        (.subscribe("meridian.inbox.emea"), [workerEMEA]),
        (.subscribe("meridian.inbox.apac"), [workerAPAC]),
        (.publish("meridian.inbox.emea"), [teamEMEA, teamAPAC, monitor]),
        // Replies: only to one's own inbox prefix; nobody reads another's.
        (.publish("_INBOX_router.abc"), []),
        (.publish("_INBOX.abc"), []),
        (.subscribe("_INBOX.>"), []),
        (.subscribe("_INBOX_worker-emea.>"), [workerEMEA]),
        (.subscribe("_INBOX_submitter.x"), [submitter]),
        (.subscribe(">"), []),
        // The tickets bucket.
        (.publish("$KV.meridian_tickets.T1"), [router]),
        (.publish("$JS.API.DIRECT.GET.KV_meridian_tickets.$KV.meridian_tickets.T1"), [admin, router, teamEMEA, teamAPAC]),
        // Stream management: admin only.
        (.publish("$JS.API.STREAM.CREATE.MERIDIAN_WORK"), [admin]),
        (.publish("$JS.API.STREAM.UPDATE.MERIDIAN_EVENTS"), [admin]),
        (.publish("$JS.API.STREAM.DELETE.MERIDIAN_EVENTS"), [admin]),
        (.publish("$JS.API.STREAM.PURGE.MERIDIAN_WORK"), [admin]),
        (.publish("$JS.API.STREAM.MSG.DELETE.MERIDIAN_EVENTS"), [admin]),
        (.publish("$JS.API.STREAM.INFO.MERIDIAN_EVENTS"), [admin, router, workerEMEA, workerAPAC, monitor]),
        // Consumer management: admin only (durables and named consumers of the work stream).
        (.publish("$JS.API.CONSUMER.DURABLE.CREATE.MERIDIAN_WORK.work-emea-l1"), [admin]),
        (.publish("$JS.API.CONSUMER.CREATE.MERIDIAN_WORK.work-emea-l1.meridian.work.emea.l1"), [admin]),
        (.publish("$JS.API.CONSUMER.CREATE.MERIDIAN_WORK"), [admin]),
        (.publish("$JS.API.CONSUMER.DELETE.MERIDIAN_WORK.work-emea-l1"), [admin]),
        (.publish("$JS.API.CONSUMER.DELETE.MERIDIAN_EVENTS.router-escalations"), [admin]),
        // Fetch and ack: a region's work consumers by its workers only.
        (.publish("$JS.API.CONSUMER.MSG.NEXT.MERIDIAN_WORK.work-emea-l1"), [admin, workerEMEA]),
        (.publish("$JS.API.CONSUMER.MSG.NEXT.MERIDIAN_WORK.work-apac-l3"), [admin, workerAPAC]),
        (.publish("$JS.ACK.MERIDIAN_WORK.work-emea-l1.1.5.5.1700000000000000000.0"), [workerEMEA]),
        (.publish("$JS.ACK.MERIDIAN_WORK.work-apac-l1.1.5.5.1700000000000000000.0"), [workerAPAC]),
        (.publish("$JS.API.CONSUMER.MSG.NEXT.MERIDIAN_INTAKE.router-intake"), [admin, router]),
        (.publish("$JS.ACK.MERIDIAN_INTAKE.router-intake.1.2.2.1700000000000000000.0"), [router]),
        (.publish("$JS.API.CONSUMER.MSG.NEXT.MERIDIAN_EVENTS.router-escalations"), [admin, router]),
        // Read-only replays of the event log: ephemeral consumers only (named or durable ones: admin).
        (.publish("$JS.API.CONSUMER.CREATE.MERIDIAN_EVENTS"), [admin, router, workerEMEA, workerAPAC, monitor]),
        (.publish("$JS.API.CONSUMER.INFO.MERIDIAN_EVENTS.r1"), [admin, router, workerEMEA, workerAPAC, monitor]),
        (.publish("$JS.API.CONSUMER.CREATE.MERIDIAN_EVENTS.r1.meridian.events.emea.>"), [admin]),
        (.publish("$JS.API.CONSUMER.CREATE.MERIDIAN_EVENTS.router-escalations.meridian.events.*.escalated.*"), [admin]),
        (.publish("$JS.API.CONSUMER.DURABLE.CREATE.MERIDIAN_EVENTS.router-escalations"), [admin]),
        (.publish("$JS.API.CONSUMER.CREATE.MERIDIAN_INTAKE"), [admin]),
    ]

    @Test("every identity × every subject class: allowed exactly where the table says, denied elsewhere")
    func table() async throws {
        let auth = try await AuthServer(name: "auth-table")
        #expect(Identity.all(regions: auth.config.regions).map(\.name).sorted() == Self.everyone.sorted())
        var mismatches: [String] = []
        let probe = PermissionProbe(auth: auth)
        for name in Self.everyone {
            let verdicts = try await probe.verdicts(Identity(name: name)!, Self.table.map(\.0))
            for (operation, allowed) in Self.table where verdicts[operation] != allowed.contains(name) {
                mismatches.append("\(name): \(operation): \(verdicts[operation] == true ? "allowed" : "denied")")
            }
        }
        // The log really holds violations (the probe is not blind): at least one per identity.
        let log = try String(contentsOfFile: auth.server.logFile, encoding: .utf8)
        #expect(log.components(separatedBy: "Publish Violation").count > Self.everyone.count)
        let violations = log.split(separator: "\n").filter { $0.contains("Violation") }.prefix(3)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20).joined(separator: "\n"))\n--- log\n\(violations.joined(separator: "\n"))")
    }

    @Test("a connection without credentials, or with an unknown key, is refused")
    func noCredentialsRefused() async throws {
        let auth = try await AuthServer(name: "auth-refuse")
        await #expect(throws: NATSError.self) {
            _ = try await NATSConnection.connect(NATSOptions(servers: [auth.server.url], reconnect: .never), logger: auth.logger)
        }
        let stranger = auth.keys + "/stranger.nk"
        try NKeysSupport.writeSeed(to: stranger)
        do {
            _ = try await NATSConnection.connect(NATSOptions(
                servers: [auth.server.url], auth: .nkey(publicKey: try KeyDirectory.readSeed(stranger).publicKey, seedFile: stranger),
                reconnect: .never), logger: auth.logger)
            Issue.record("a key the server does not know was accepted")
        } catch let error as NATSError {
            #expect(error.status == .authFailed || error.text.lowercased().contains("authorization"), "\(error)")
        }
    }
}
