import BusinessTime
import Foundation
import MeridianServices
import MeridianTesting
import NATSServerLauncher
import NATS
import Synchronization
import Testing
import TicketRouting

#if canImport(Glibc)
import Glibc
#endif

/// `meridian router` and `meridian worker` as child processes on real time, SIGKILLed mid-work.
@Suite("Crash and restart of meridian processes on a real nats-server")
struct CrashRestartTests {
    static func ticket(_ id: String, plan: String, severity: String, createdAt: Instant) -> (id: String, json: [UInt8]) {
        (id, ServiceFixtures.ticketJSON(id, plan: plan, severity: severity, createdAt: createdAt.iso8601))
    }

    /// A worker holding 1,000 open clocks is SIGKILLed; 200 of them have their first-response due
    /// instants over the next seconds (`roundtheclock` counts 1 hour on 24x7, and those tickets were
    /// created just under an hour ago; they are submitted once the node holds the other 800, so that
    /// a slow machine still kills it before they come due). A new worker rebuilds the same 1,000 due
    /// times from the log and publishes each breach that came due while no worker was up, once.
    @Test("SIGKILL a worker holding 1,000 clocks; a new one rebuilds the same due times and fires the missed breaches once")
    func workerKilledAndReplaced() async throws {
        let h = try await ServiceHarness(name: "crash-worker", start: SystemClock().now(), config: SunFixtures.config)
        let procs = try MeridianProcesses(directory: h.server.directory)
        let config = try procs.write("meridian.yaml", SunFixtures.yaml)
        let common = ["--config", config, "--nats", h.server.url, "--log-level", "warning", "--heartbeat", "1"]
        let beats = try Heartbeats(h.connection)
        do {
            try procs.start("router", ["router"] + common + ["--node", "router-1"])
            try procs.start("worker-1", ["worker"] + common + ["--region", "emea", "--node", "emea-p1"])
            try await waitUntil(timeout: .seconds(30), "worker 1 up") { beats["emea-p1"] != nil }
            try await h.waitForStreams()

            let count = 1000, dueSoon = 200
            func id(_ i: Int) -> String { "K-\(10_000 + i)" }
            func enqueue(_ range: Range<Int>, due: (Int) -> Instant) async throws {
                try await h.enqueue(range.map { i in
                    Self.ticket(id(i), plan: "roundtheclock", severity: "critical", createdAt: due(i) + -3600)
                })
            }
            // Tickets 200..<1000: due in about two hours.
            let t0 = SystemClock().now()
            let dueLater = { (i: Int) in t0 + Int64(7200 + i) }
            try await enqueue(dueSoon..<count, due: dueLater)
            try await waitUntil(timeout: .seconds(30), "worker 1 holds 800 clocks") {
                beats["emea-p1"]?.clocks == count - dueSoon
            }
            // Tickets 0..<200: due 10 to 19 seconds from now, 20 a second.
            let t1 = SystemClock().now()
            let dueSoonAt = { (i: Int) in t1 + Int64(10 + i / 20) }
            func due(_ i: Int) -> Instant { i < dueSoon ? dueSoonAt(i) : dueLater(i) }
            try await enqueue(0..<dueSoon, due: dueSoonAt)
            try await waitUntil(timeout: .seconds(30), "worker 1 holds 1,000 clocks") {
                beats["emea-p1"]?.clocks == count
            }
            let before = try await h.inbox("emea")
            let killedAt = SystemClock().now()
            await procs.stop("worker-1", signal: SIGKILL)
            #expect(before.count == count)
            // The kill must come before the first due instant, or nothing came due while it was down.
            try #require(killedAt < due(0), "worker 1 was ready only at \(killedAt), after the first due \(due(0))")

            // Down until about half of the 200 have come due.
            try await waitUntil(timeout: .seconds(30), "time passes") { SystemClock().now() >= t1 + 15 }
            let restartedAt = SystemClock().now()
            try procs.start("worker-2", ["worker"] + common + ["--region", "emea", "--node", "emea-p2"])
            let missed = (0..<dueSoon).filter { due($0) > killedAt && due($0) <= restartedAt }
            #expect(missed.count >= 80)

            try await waitUntil(timeout: .seconds(30), "all 200 breaches") {
                try await h.events("meridian.events.emea.breached.>").count >= dueSoon
            }
            try await waitUntil(timeout: .seconds(10), "worker 2 answers") { beats["emea-p2"]?.clocks == count }
            let after = try await h.inbox("emea")

            // The same due times, all of them.
            #expect(after.count == count)
            let beforeByID = Dictionary(uniqueKeysWithValues: before.map { ($0.ticket, $0) })
            var sameDue = 0
            for status in after {
                guard let old = beforeByID[status.ticket] else { continue }
                if old.firstResponse.due == status.firstResponse.due && old.resolution.due == status.resolution.due {
                    sameDue += 1
                }
            }
            #expect(sameDue == count)
            for i in [0, 150, 199, 200, 999] {
                let status = after.first { $0.ticket.rawValue == id(i) }
                #expect(status?.firstResponse.due == due(i))
                #expect(status?.resolution.due == due(i) + 7 * 3600)
            }

            // Each breach once, at or after its due instant, and none for tickets not yet due.
            let breaches = try await h.events("meridian.events.emea.breached.>")
            #expect(breaches.count == dueSoon)
            #expect(Set(breaches.map(\.ticket.rawValue)) == Set((0..<dueSoon).map(id)))
            for breach in breaches {
                guard let i = Int(breach.ticket.rawValue.dropFirst(2)).map({ $0 - 10_000 }) else { continue }
                #expect(breach.clock == .firstResponse)
                #expect(breach.due == due(i))
                #expect(breach.at >= due(i))
                #expect(breach.overdueSeconds == breach.at - due(i))
            }
            let missedIDs = Set(missed.map(id))
            let firedLate = breaches.filter { missedIDs.contains($0.ticket.rawValue) }
            #expect(firedLate.count == missed.count)
            #expect(firedLate.allSatisfy { $0.at >= restartedAt })
        } catch {
            Issue.record("worker-1: \(procs.errors("worker-1").suffix(2000))\nworker-2: \(procs.errors("worker-2").suffix(2000))")
            await procs.stopAll()
            beats.task.cancel()
            await h.stop()
            throw error
        }
        await procs.stopAll()
        beats.task.cancel()
        await h.stop()
    }

    /// 5,000 tickets go to the intake stream (JetStream publishes with message ids); the router
    /// process is SIGKILLed after about 1,000 are routed, and a new one routes the rest, including
    /// those the first had fetched but not acknowledged (back after the consumer's 30 s ack wait).
    @Test("SIGKILL a router during a burst of 5,000 tickets: every ticket routed exactly once", .timeLimit(.minutes(3)))
    func routerKilledDuringABurst() async throws {
        let h = try await ServiceHarness(name: "crash-router", start: SystemClock().now(), config: SunFixtures.config)
        let procs = try MeridianProcesses(directory: h.server.directory)
        let config = try procs.write("meridian.yaml", SunFixtures.yaml)
        let common = ["--config", config, "--nats", h.server.url, "--log-level", "warning"]
        do {
            try procs.start("router-1", ["router"] + common + ["--node", "router-1"])
            try await h.waitForStreams()
            let count = 5000
            let now = SystemClock().now()
            let ids = (0..<count).map { "B-\(10_000 + $0)" }
            let burst = Task {
                try await h.enqueue(ids.map { Self.ticket($0, plan: "premium", severity: "minor", createdAt: now) })
            }
            // created + routed per ticket: kill once about 1,000 are routed.
            try await waitUntil(timeout: .seconds(60), "1,000 routed") {
                try await h.js.streamInfo(MeridianStreams.events).messages >= 2000
            }
            await procs.stop("router-1", signal: SIGKILL)
            let routedAtKill = try await h.js.streamInfo(MeridianStreams.events).messages / 2
            try await burst.value
            try procs.start("router-2", ["router"] + common + ["--node", "router-2"])

            try await waitUntil(timeout: .seconds(120), "intake drained") {
                let intake = try await h.js.streamInfo(MeridianStreams.intake).messages
                let events = try await h.js.streamInfo(MeridianStreams.events).messages
                return intake == 0 && events >= UInt64(2 * count)
            }
            #expect(routedAtKill < UInt64(count))
            let events = try await h.events("meridian.events.emea.>")
            let routed = events.filter { $0.kind == .routed }
            let created = events.filter { $0.kind == .created }
            #expect(routed.count == count)
            #expect(created.count == count)
            #expect(Set(routed.map(\.ticket.rawValue)) == Set(ids))
            #expect(Set(created.map(\.ticket.rawValue)) == Set(ids))
            #expect(events.count == 2 * count)

            // One work item per ticket (the work stays queued: no workers run).
            let work = try await h.js.streamInfo(MeridianStreams.work)
            #expect(work.messages == UInt64(count))
            let workTickets = try await withThrowingTaskGroup(of: [String].self) { group in
                let sequences = Array(work.firstSequence...work.lastSequence)
                let chunk = (sequences.count + 7) / 8
                for start in stride(from: 0, to: sequences.count, by: chunk) {
                    let part = sequences[start..<min(start + chunk, sequences.count)]
                    group.addTask {
                        var tickets: [String] = []
                        for sequence in part {
                            guard let message = try await h.js.message(stream: MeridianStreams.work, sequence: sequence)
                            else { continue }
                            tickets.append(try JSONCoding.decode(WorkItem.self, from: message.payload).ticket.id.rawValue)
                        }
                        return tickets
                    }
                }
                var all: [String] = []
                for try await part in group { all += part }
                return all
            }
            #expect(workTickets.count == count)
            #expect(Set(workTickets) == Set(ids))
        } catch {
            Issue.record("router-1: \(procs.errors("router-1").suffix(2000))\nrouter-2: \(procs.errors("router-2").suffix(2000))")
            await procs.stopAll()
            await h.stop()
            throw error
        }
        await procs.stopAll()
        await h.stop()
    }
}

/// The latest heartbeat of each node (the `clocks` count a worker holds).
final class Heartbeats: Sendable {
    final class Store: Sendable {
        let beats = Mutex<[String: Heartbeat]>([:])
    }

    let store = Store()
    let task: Task<Void, Never>

    init(_ connection: NATSConnection) throws {
        let subscription = try connection.subscribe(to: Subjects.allNodes)
        let store = self.store
        task = Task {
            for await message in subscription {
                guard let beat = try? JSONCoding.decode(Heartbeat.self, from: message.payload) else { continue }
                store.beats.withLock { $0[beat.node.rawValue] = beat }
            }
        }
    }

    subscript(node: String) -> Heartbeat? { store.beats.withLock { $0[node] } }
}
