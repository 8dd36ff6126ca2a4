import BusinessTime
import MeridianServices
import MeridianTesting
import NATSServerLauncher
import NATS
import Synchronization
import Testing
import TicketRouting

@Suite("Scaling a region on a real nats-server")
struct ScalingTests {
    @Test("1 → 3 workers during a burst of 300 tickets: each delivered to the team once, none lost, the work spreads")
    func scaleUpDuringABurst() async throws {
        let h = try await ServiceHarness(name: "scale", start: ServiceFixtures.t("2026-11-24T09:00:00Z"))
        let router = h.startRouter()
        // The team takes 10 ms per assignment, so that one node alone cannot keep up with the burst.
        let teamTime = Duration.milliseconds(10)
        try await h.startWorker("emea", node: "emea-1", teamTime: teamTime)
        try await waitUntil("emea worker live") { router.liveLoads()["emea"]?.liveWorkers == 1 }

        let count = 300
        let ids = (0..<count).map { "S-\(1000 + $0)" }
        let repliesSeen = Counter()
        // 24 clients submit at once. (Not 300: each NATS request holds one of the NATS module's 256
        // blocking threads until its reply, and the services in this process need those threads too.)
        let clients = 24
        let routed = try await withThrowingTaskGroup(of: [String].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var replies: [String] = []
                    for id in stride(from: client, to: count, by: clients).map({ ids[$0] }) {
                        defer { repliesSeen.add() }
                        replies.append(try await h.connection.request(
                            Subjects.intake, payload: ServiceFixtures.ticketJSON(id, createdAt: "2026-11-24T09:00:00Z"),
                            timeout: .seconds(60)
                        ).string)
                    }
                    return replies
                }
            }
            // Scale up while the tickets are coming in.
            try await waitUntil(timeout: .seconds(60), "first replies") { repliesSeen.value >= 30 }
            try await h.startWorker("emea", node: "emea-2", teamTime: teamTime)
            try await h.startWorker("emea", node: "emea-3", teamTime: teamTime)
            var all: [String] = []
            for try await replies in group { all += replies }
            return all
        }
        #expect(routed.count == count)
        #expect(routed.filter { $0.contains(#""reason":"home_open""#) }.count == count)

        try await waitUntil(timeout: .seconds(60), "every ticket delivered") {
            Set(h.delivered.map(\.work.ticket.id)).count == count
        }
        try await waitUntil("work queue empty (all acknowledged)") {
            try await h.js.streamInfo(MeridianStreams.work).messages == 0
        }
        let delivered = h.delivered
        #expect(delivered.count == count)
        #expect(Set(delivered.map(\.work.ticket.id.rawValue)) == Set(ids))
        #expect(delivered.allSatisfy { $0.delivery == 1 })
        let perNode = Dictionary(grouping: delivered, by: \.node).mapValues(\.count)
        #expect(perNode.count > 1, "work per node: \(perNode)")
        #expect(perNode.values.reduce(0, +) == count)
        let assigned = try await h.events("meridian.events.emea.assigned.>")
        #expect(assigned.count == count)
        #expect(Set(assigned.map(\.ticket)).count == count)
        await h.stop()
    }
}

final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
