// Core NATS through the Swift client, against a real nats-server per test.

import MeridianTesting
import NATS
import Testing

/// Starts a server (own port and store) and connects to it.
func connectedServer(_ name: String) async throws -> (NATSServer, NATSConnection) {
    let server = try await NATSServer.start(.init(serverName: name))
    let connection = try await NATSConnection.connect(NATSOptions(url: server.url))
    return (server, connection)
}

/// Collects exactly `count` messages from `subscription`, or fewer if `timeout` passes first.
func collect(_ count: Int, from subscription: NATSSubscription, timeout: Duration = .seconds(5)) async -> [NATSMessage] {
    await withTaskGroup(of: [NATSMessage]?.self) { group in
        group.addTask {
            var messages: [NATSMessage] = []
            for await message in subscription {
                messages.append(message)
                if messages.count == count { break }
            }
            return messages
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next()!
        group.cancelAll()
        if let first { return first }
        return await group.next()! ?? []
    }
}

@Suite("NATS core")
struct CoreTests {
    @Test("publish/subscribe carries subject, headers and payload")
    func pubSubWithHeaders() async throws {
        let (server, nc) = try await connectedServer("core-headers")
        defer { server.shutdown() }
        let sub = try nc.subscribe(to: "meridian.test.headers")
        var headers = NATSHeaders()
        headers["Nats-Msg-Id"] = "t-1"
        headers.add("X-Tag", "a")
        headers.add("X-Tag", "b")
        try nc.publish("meridian.test.headers", payload: Array("hello".utf8), headers: headers)
        try nc.publish("meridian.test.headers", payload: Array("plain".utf8))
        let messages = await collect(2, from: sub)
        #expect(messages.count == 2)
        #expect(messages[0].subject == "meridian.test.headers")
        #expect(messages[0].string == "hello")
        #expect(messages[0].headers["Nats-Msg-Id"] == "t-1")
        #expect(messages[0].headers.values(for: "X-Tag") == ["a", "b"])
        #expect(messages[0].reply == nil)
        #expect(messages[1].string == "plain")
        #expect(messages[1].headers.isEmpty)
    }

    @Test("a queue group spreads messages over two members, each message to exactly one")
    func queueGroup() async throws {
        let (server, nc) = try await connectedServer("core-queue")
        defer { server.shutdown() }
        let a = try nc.subscribe(to: "meridian.work.emea.l1", queueGroup: "workers")
        let b = try nc.subscribe(to: "meridian.work.emea.l1", queueGroup: "workers")
        let total = 200
        for i in 0..<total { try nc.publish("meridian.work.emea.l1", payload: Array("\(i)".utf8)) }
        try await nc.flush()
        try a.drain()
        try b.drain()
        let received = await withTaskGroup(of: [String].self) { group in
            for sub in [a, b] {
                group.addTask { var out: [String] = []; for await m in sub { out.append(m.string) }; return out }
            }
            var all: [[String]] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(received[0].count > 0)
        #expect(received[1].count > 0)
        let union = received[0] + received[1]
        #expect(union.count == total)
        #expect(Set(union) == Set((0..<total).map { "\($0)" }))
    }

    @Test("request/reply answers; no subscriber gives the distinct no-responders error")
    func requestReply() async throws {
        let (server, nc) = try await connectedServer("core-request")
        defer { server.shutdown() }
        let sub = try nc.subscribe(to: "meridian.intake")
        let responder = Task {
            for await request in sub {
                try? nc.respond(to: request, payload: Array("ack:\(request.string)".utf8))
            }
        }
        defer { responder.cancel() }
        let reply = try await nc.request("meridian.intake", payload: Array("T-1".utf8), timeout: .seconds(2))
        #expect(reply.string == "ack:T-1")

        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: NATSError.self) {
            _ = try await nc.request("meridian.nobody", payload: Array("x".utf8), timeout: .seconds(5))
        }
        #expect(error?.status == .noResponders)
        #expect(error?.isNoResponders == true)
        #expect(clock.now - start < .seconds(4))
    }

    @Test("wildcards * and > match the right subjects")
    func wildcards() async throws {
        let (server, nc) = try await connectedServer("core-wildcards")
        defer { server.shutdown() }
        let star = try nc.subscribe(to: "meridian.events.*.breached.*")
        let tail = try nc.subscribe(to: "meridian.events.emea.>")
        let subjects = [
            "meridian.events.emea.breached.T1",
            "meridian.events.apac.breached.T2",
            "meridian.events.emea.warning.T3",
            "meridian.events.emea.breached.T4.extra",
            "meridian.other.emea.breached.T5",
        ]
        for s in subjects { try nc.publish(s, payload: Array(s.utf8)) }
        try await nc.flush()
        try star.drain()
        try tail.drain()
        var starSubjects: [String] = []
        for await m in star { starSubjects.append(m.subject) }
        var tailSubjects: [String] = []
        for await m in tail { tailSubjects.append(m.subject) }
        #expect(starSubjects == ["meridian.events.emea.breached.T1", "meridian.events.apac.breached.T2"])
        #expect(tailSubjects == ["meridian.events.emea.breached.T1", "meridian.events.emea.warning.T3", "meridian.events.emea.breached.T4.extra"])
    }

    @Test("connecting to a port where nothing listens fails clearly within the timeout")
    func connectFailure() async throws {
        let port = try LoopbackProbe.reservePorts(1)[0]
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: NATSError.self) {
            _ = try await NATSConnection.connect(NATSOptions(servers: ["nats://127.0.0.1:\(port)"], connectTimeout: .seconds(1)))
        }
        #expect(error?.status == .noServer)
        #expect(error?.text.contains("127.0.0.1:\(port)") == true)
        #expect(clock.now - start < .seconds(2))
    }

    @Test("connection events: closed is observed after close()")
    func closedEvent() async throws {
        let (server, nc) = try await connectedServer("core-events")
        defer { server.shutdown() }
        let events = nc.events()
        #expect(nc.status == .connected)
        await nc.close()
        var seen: [NATSConnectionEvent] = []
        for await e in events { seen.append(e) }
        #expect(seen == [.disconnected, .closed])   // cnats reports the disconnect of a close, then closed
        #expect(nc.status == .closed)
    }

    @Test("a request nobody answers times out (distinct from no responders)")
    func requestTimeout() async throws {
        let (server, nc) = try await connectedServer("core-timeout")
        defer { server.shutdown() }
        let silent = try nc.subscribe(to: "meridian.silent")
        let error = await #expect(throws: NATSError.self) {
            _ = try await nc.request("meridian.silent", payload: Array("x".utf8), timeout: .milliseconds(200))
        }
        #expect(error?.status == .timeout)
        #expect(error?.isNoResponders == false)
        _ = silent
    }

    @Test("user/password and token: right credentials connect, wrong ones fail with auth error")
    func authentication() async throws {
        let server = try await NATSServer.start(.init(serverName: "core-auth", extraArguments: ["--user", "meridian", "--pass", "s3cret"]))
        defer { server.shutdown() }
        let ok = try await NATSConnection.connect(NATSOptions(servers: [server.url], name: "auth-test",
                                                              auth: .userPassword(user: "meridian", password: "s3cret")))
        #expect(ok.status == .connected)
        await ok.close()
        let error = await #expect(throws: NATSError.self) {
            _ = try await NATSConnection.connect(NATSOptions(servers: [server.url], auth: .userPassword(user: "meridian", password: "wrong"),
                                                             reconnect: .never))
        }
        #expect(error?.status == .authFailed)

        let tokenServer = try await NATSServer.start(.init(serverName: "core-token", extraArguments: ["--auth", "t0ken"]))
        defer { tokenServer.shutdown() }
        let withToken = try await NATSConnection.connect(NATSOptions(servers: [tokenServer.url], auth: .token("t0ken")))
        #expect(withToken.status == .connected)
        await withToken.close()
    }

    @Test("events: disconnected when the server is killed, reconnected after it restarts on the same port")
    func reconnectEvents() async throws {
        let server = try await NATSServer.start(.init(serverName: "core-reconnect"))
        defer { server.shutdown() }
        let nc = try await NATSConnection.connect(NATSOptions(servers: [server.url],
                                                              reconnect: NATSReconnectPolicy(initialDelay: .milliseconds(20), maxDelay: .milliseconds(200))))
        var events = nc.events().makeAsyncIterator()
        let sub = try nc.subscribe(to: "meridian.nodes.>")
        await server.stop(.kill)
        #expect(await events.next() == .disconnected)
        #expect(nc.status == .reconnecting)
        try await server.restart()
        #expect(await events.next() == .reconnected(url: server.url))
        #expect(nc.status == .connected)
        try nc.publish("meridian.nodes.emea.n1", payload: Array("alive".utf8))
        let received = await collect(1, from: sub)
        #expect(received.map(\.string) == ["alive"])
        await nc.close()
    }

    @Test("drain delivers what was received, ends subscriptions, then closes the connection")
    func drain() async throws {
        let (server, nc) = try await connectedServer("core-drain")
        defer { server.shutdown() }
        let publisher = try await NATSConnection.connect(NATSOptions(url: server.url))
        let sub = try nc.subscribe(to: "meridian.drain")
        try await nc.flush()
        for i in 0..<100 { try publisher.publish("meridian.drain", payload: Array("\(i)".utf8)) }
        try await publisher.flush()
        try await nc.flush()
        try await nc.drain(timeout: .seconds(5))
        #expect(nc.status == .closed)
        var count = 0
        for await _ in sub { count += 1 }
        #expect(count == 100)
        let error = #expect(throws: NATSError.self) { try nc.publish("meridian.drain", payload: [UInt8]()) }
        #expect(error?.status == .connectionClosed)
    }
}
