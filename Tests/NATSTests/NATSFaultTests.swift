// Fault tests (issue 3): real nats-servers killed with SIGKILL and restarted on the
// same port and store, and a 3-node cluster losing a stream leader mid-run.
// Every wait is bounded by a deadline; every server is this test's own, on loopback.

import MeridianTesting
import NATS
import Synchronization
import Testing

/// A counter shared between a publishing task and the test that watches it.
private final class Progress: Sendable {
    private let state = Mutex((acknowledged: 0, errors: [String: Int]()))
    var acknowledged: Int { state.withLock { $0.acknowledged } }
    var errors: [String: Int] { state.withLock { $0.errors } }
    func ack() { state.withLock { $0.acknowledged += 1 } }
    func failed(_ error: any Error) {
        let key = (error as? NATSError).map { "\($0.status)/\($0.jetStreamCode.map(String.init) ?? "-")" } ?? "\(error)"
        state.withLock { $0.errors[key, default: 0] += 1 }
    }
}

/// Publishes `ids` with their message ids, `concurrency` at a time, each retried (same id, so
/// dedup keeps it single) until acknowledged or `deadline`. Returns the acks by id.
private func publishAll(
    _ ids: [String], subject: String, js: JetStream, concurrency: Int, progress: Progress,
    deadline: ContinuousClock.Instant
) async -> [String: JetStreamPublishAck] {
    await withTaskGroup(of: [(String, JetStreamPublishAck)].self) { group in
        for lane in 0..<concurrency {
            group.addTask {
                var acks: [(String, JetStreamPublishAck)] = []
                for id in ids.enumerated().filter({ $0.offset % concurrency == lane }).map(\.element) {
                    while ContinuousClock.now < deadline {
                        do {
                            let ack = try await js.publish(subject, payload: Array(id.utf8), messageID: id, expectedStream: nil)
                            acks.append((id, ack))
                            progress.ack()
                            break
                        } catch {
                            progress.failed(error)
                            try? await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
                return acks
            }
        }
        var all: [String: JetStreamPublishAck] = [:]
        for await acks in group {
            for (id, ack) in acks { all[id] = ack }
        }
        return all
    }
}

/// Fetches from `consumer` and acknowledges (ackSync) until `count` messages arrived or `timeout` passed.
private func fetchAndAck(_ count: Int, from consumer: PullConsumer, timeout: Duration = .seconds(60)) async throws -> [JetStreamMessage] {
    let deadline = ContinuousClock.now + timeout
    var received: [JetStreamMessage] = []
    while received.count < count && ContinuousClock.now < deadline {
        let batch = try await consumer.fetch(batch: 100, timeout: .seconds(1))
        for message in batch {
            try await message.ackSync()
            received.append(message)
        }
    }
    return received
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
private func eventually(_ timeout: Duration = .seconds(20), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

/// Runs `body` and returns its result, or nil if `timeout` passes first (the body is cancelled).
private func within<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T?) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { try? await body() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// Waits for the first event of `events` matching `predicate`, up to `timeout`.
private func awaitEvent(
    _ events: AsyncStream<NATSConnectionEvent>, timeout: Duration = .seconds(15),
    where predicate: @escaping @Sendable (NATSConnectionEvent) -> Bool
) async -> NATSConnectionEvent? {
    await within(timeout) {
        for await event in events where predicate(event) { return event }
        return nil
    }
}

/// Takes exactly `count` messages from `iterator`, or fewer if `timeout` passes.
private func take(_ count: Int, from subscription: NATSSubscription, timeout: Duration = .seconds(10)) async -> [String] {
    await within(timeout) {
        var received: [String] = []
        for await message in subscription {
            received.append(message.string)
            if received.count == count { break }
        }
        return received
    } ?? []
}

@Suite("NATS faults")
struct NATSFaultTests {
    @Test("after SIGKILL and restart on the same port, the client reconnects by itself and a subscription keeps receiving")
    func coreReconnectAfterKill() async throws {
        let server = try await NATSServer.start(.init(serverName: "fault-core"))
        defer { server.shutdown() }
        let port = server.port
        let subscriber = try await NATSConnection.connect(NATSOptions(url: server.url))
        let publisher = try await NATSConnection.connect(NATSOptions(url: server.url))
        let subscriberEvents = subscriber.events()
        let publisherEvents = publisher.events()
        let subscription = try subscriber.subscribe(to: "fault.core.>")
        try await subscriber.flush()

        try publisher.publish("fault.core.before", string: "before")
        try await publisher.flush()
        #expect(await take(1, from: subscription) == ["before"])

        await server.stop(.kill)
        #expect(await awaitEvent(subscriberEvents) { $0 == .disconnected } == .disconnected)
        #expect(await awaitEvent(publisherEvents) { $0 == .disconnected } == .disconnected)

        try await server.restart()
        #expect(server.port == port)
        let reconnected = await awaitEvent(subscriberEvents) {
            if case .reconnected = $0 { return true } else { return false }
        }
        #expect(reconnected == .reconnected(url: server.url))
        _ = await awaitEvent(publisherEvents) {
            if case .reconnected = $0 { return true } else { return false }
        }
        #expect(subscriber.status == .connected)
        #expect(publisher.status == .connected)

        // The subscription was re-established by the client (same object, same iterator source).
        try await subscriber.flush()
        let after = (1...50).map { "after-\($0)" }
        for text in after {
            try publisher.publish("fault.core.after", string: text)
        }
        try await publisher.flush()
        #expect(await take(after.count, from: subscription) == after)

        await subscriber.close()
        await publisher.close()
    }

    @Test("SIGKILL right after acks and during a run of publishes: after restart on the same store no acknowledged message is lost or doubled")
    func noAcknowledgedMessageLostAfterKill() async throws {
        let server = try await NATSServer.start(.init(serverName: "fault-js"))
        defer { server.shutdown() }
        let nc = try await NATSConnection.connect(NATSOptions(url: server.url))
        let js = try nc.jetStream(JetStreamOptions(apiTimeout: .seconds(2)))
        try await js.createOrUpdateStream(StreamConfig(name: "FAULTJS", subjects: ["fault.js.>"], storage: .file))
        let ids = (1...600).map { "js-\($0)" }

        // 1. 200 acknowledged publishes, then SIGKILL at once: the last acks are the ones at risk.
        for id in ids[0..<200] {
            try await js.publish("fault.js.a", payload: Array(id.utf8), messageID: id)
        }
        await server.stop(.kill)
        try await server.restart()
        #expect(try await js.streamInfo("FAULTJS").messages == 200)

        // 2. SIGKILL while a publisher is running; it retries each message (same id) until acknowledged.
        let progress = Progress()
        let deadline = ContinuousClock.now + .seconds(60)
        let rest = Array(ids[200...])
        let publisher = Task { await publishAll(rest, subject: "fault.js.a", js: js, concurrency: 1, progress: progress, deadline: deadline) }
        #expect(await eventually { progress.acknowledged >= 100 })
        await server.stop(.kill)
        let acknowledgedAtKill = progress.acknowledged
        try await server.restart()
        let acks = await publisher.value
        #expect(acknowledgedAtKill < rest.count)   // the kill did hit the run
        #expect(acks.count == rest.count)

        let info = try await js.streamInfo("FAULTJS")
        #expect(info.messages == UInt64(ids.count))
        #expect(info.lastSequence == UInt64(ids.count))
        // Every acknowledgment names a distinct sequence: nothing was stored twice.
        #expect(Set(acks.values.map(\.sequence)) == Set(201...UInt64(ids.count)))

        // Replay everything: each id once, in publish order.
        let consumer = try await js.createOrUpdateConsumer(stream: "FAULTJS", ConsumerConfig(durable: "replay"))
        let fetched = try await fetchAndAck(ids.count, from: consumer)
        #expect(fetched.map(\.string) == ids)
        #expect(fetched.allSatisfy { $0.metadata.deliveryCount == 1 })
        print("single-server fault run: acknowledged at kill \(acknowledgedAtKill)/\(rest.count), errors retried by the test: \(progress.errors)")
        await nc.close()
    }

    @Test("3-node cluster, R3 work queue: SIGKILL the stream leader during 2,000 publishes with ids; each stored once, fetched once")
    func clusterLeaderKilledDuringPublishes() async throws {
        let cluster = try await NATSCluster.start(name: "fault")
        defer { cluster.shutdown() }
        let setup = try await NATSConnection.connect(NATSOptions(servers: cluster.urls))
        let setupJS = try setup.jetStream()
        try await setupJS.createOrUpdateStream(StreamConfig(name: "FAULTWQ", subjects: ["fault.wq.>"], retention: .workQueue, storage: .file, replicas: 3))
        let leader = try await cluster.streamLeader("FAULTWQ")

        // The publisher is connected to the leader first, so the kill also cuts its connection.
        let others = cluster.nodes.filter { $0 !== leader }.map(\.url)
        let nc = try await NATSConnection.connect(NATSOptions(servers: [leader.url] + others))
        #expect(nc.connectedURL == leader.url)
        let js = try nc.jetStream(JetStreamOptions(apiTimeout: .seconds(2), noRespondersRetryBudget: .seconds(10)))

        let ids = (1...2000).map { "wq-\($0)" }
        let progress = Progress()
        let deadline = ContinuousClock.now + .seconds(120)
        let publisher = Task { await publishAll(ids, subject: "fault.wq.emea.l1", js: js, concurrency: 4, progress: progress, deadline: deadline) }

        #expect(await eventually { progress.acknowledged >= 500 })
        await cluster.kill(leader)
        let acknowledgedAtKill = progress.acknowledged
        let newLeader = try await cluster.streamLeader("FAULTWQ", timeout: .seconds(30))
        #expect(newLeader !== leader)

        let acks = await publisher.value
        #expect(acknowledgedAtKill < ids.count)   // the kill did hit the run
        #expect(acks.count == ids.count)
        #expect(Set(acks.values.map(\.sequence)).count == ids.count)
        let info = try await js.streamInfo("FAULTWQ")
        #expect(info.messages == UInt64(ids.count))   // each stored exactly once
        #expect(info.lastSequence == UInt64(ids.count))

        // The killed node comes back on its port and store and catches up.
        try await cluster.restart(leader)
        #expect(await eventually(.seconds(30)) {
            cluster.nodes.allSatisfy { node in
                let jsz = node.monitorJSON("/jsz?accounts=true&streams=true")
                let details = (jsz?["account_details"] as? [[String: Any]])?.first?["stream_detail"] as? [[String: Any]]
                let state = details?.first { $0["name"] as? String == "FAULTWQ" }?["state"] as? [String: Any]
                return state?["messages"] as? Int == ids.count
            }
        })

        // Every message is fetched exactly once, then the work queue is empty.
        let consumer = try await js.createOrUpdateConsumer(stream: "FAULTWQ", ConsumerConfig(durable: "workers", ackWait: .seconds(60)))
        let fetched = try await fetchAndAck(ids.count, from: consumer, timeout: .seconds(90))
        #expect(fetched.count == ids.count)
        #expect(Set(fetched.map(\.string)) == Set(ids))
        #expect(fetched.allSatisfy { $0.metadata.deliveryCount == 1 })
        #expect(try await consumer.fetch(batch: 10, timeout: .seconds(1)).isEmpty)
        #expect(await eventually { (try? await js.streamInfo("FAULTWQ").messages) == 0 })
        print("cluster fault run: leader \(leader.serverName) killed at \(acknowledgedAtKill)/\(ids.count) acks, new leader \(newLeader.serverName), duplicate acks \(acks.values.filter(\.duplicate).count), errors retried by the test: \(progress.errors)")
        await nc.close()
        await setup.close()
    }
}
