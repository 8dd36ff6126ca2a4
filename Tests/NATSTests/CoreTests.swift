// Core NATS through the Swift client, against a real nats-server per test.

import Glibc
import NATSServerLauncher
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

    @Test("two tasks iterating one subscription share its messages, each message exactly once")
    func twoIterators() async throws {
        let (server, nc) = try await connectedServer("core-two-iterators")
        defer { server.shutdown() }
        let sub = try nc.subscribe(to: "meridian.shared")
        try await nc.flush()
        for i in 0..<2000 { try nc.publish("meridian.shared", payload: Array("\(i)".utf8)) }
        try await nc.flush()
        try sub.drain()
        let parts = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<2 {
                group.addTask { var out: [String] = []; for await m in sub { out.append(m.string) }; return out }
            }
            var all: [[String]] = []
            for await part in group { all.append(part) }
            return all
        }
        let union = parts[0] + parts[1]
        #expect(union.count == 2000)
        #expect(Set(union).count == 2000)
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

    @Test("connecting to a port where nothing listens fails clearly, without retrying")
    func connectFailure() async throws {
        let port = try LoopbackProbe.reservePorts(1)[0]
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: NATSError.self) {
            _ = try await NATSConnection.connect(NATSOptions(servers: ["nats://127.0.0.1:\(port)"], connectTimeout: .seconds(1)))
        }
        #expect(error?.status == .noServer)
        #expect(error?.text.contains("127.0.0.1:\(port)") == true)
        // A refused connection fails at once (~1 ms alone). The bound is loose because the whole
        // suite runs CPU-heavy tests beside it on 2 cores (seen: 7 s before this task resumed);
        // a client that retried (reconnect policy: forever) would never end.
        #expect(clock.now - start < .seconds(30))
    }

    @Test("retryOnFailedConnect: connect waits for a server that starts later")
    func retryOnFailedConnect() async throws {
        let port = try LoopbackProbe.reservePorts(1)[0]
        let connecting = Task {
            try await NATSConnection.connect(NATSOptions(servers: ["nats://127.0.0.1:\(port)"], retryOnFailedConnect: true))
        }
        try await Task.sleep(for: .milliseconds(300))   // the server comes up later, on purpose
        let server = try await NATSServer.start(.init(serverName: "core-late", port: port))
        defer { server.shutdown() }
        let nc = try await connecting.value
        #expect(nc.status == .connected)
        #expect(nc.connectedURL == server.url)
        await nc.close()
    }

    @Test("a listener that never speaks NATS: connect gives up after the configured timeout")
    func connectTimeout() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: NATSError.self) {
            _ = try await NATSConnection.connect(NATSOptions(servers: ["nats://127.0.0.1:\(listener.port)"], connectTimeout: .milliseconds(500)))
        }
        let elapsed = clock.now - start
        #expect(error?.status == .noServer || error?.status == .timeout)
        #expect(elapsed >= .milliseconds(450))   // it did wait for the server's INFO, up to the timeout
        #expect(elapsed < .seconds(30))          // and gave up (loose: a busy 2-core suite delays the resume)
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

    @Test("blocking calls stay off the cooperative pool: 8 requests waiting 1 s each run side by side")
    func blockingCallsOffCooperativePool() async throws {
        let (server, nc) = try await connectedServer("core-threads")
        defer { server.shutdown() }
        let silent = try nc.subscribe(to: "meridian.silent")
        // On the cooperative pool (2 threads on this machine) 8 blocking 1 s waits would take >= 4 s.
        let clock = ContinuousClock()
        let start = clock.now
        let timeouts = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do throws(NATSError) {
                        _ = try await nc.request("meridian.silent", payload: Array("x".utf8), timeout: .seconds(1))
                        return false
                    } catch {
                        return error.status == .timeout
                    }
                }
            }
            var n = 0
            for await timedOut in group where timedOut { n += 1 }
            return n
        }
        #expect(timeouts == 8)
        #expect(clock.now - start < .milliseconds(3500))
        _ = silent
    }

    @Test("a subscription that is not consumed hits its pending limit: slow-consumer event and dropped count")
    func slowConsumer() async throws {
        let (server, nc) = try await connectedServer("core-slow")
        defer { server.shutdown() }
        var events = nc.events().makeAsyncIterator()
        let sub = try nc.subscribe(to: "meridian.flood", pendingLimit: 10)
        for _ in 0..<1000 { try nc.publish("meridian.flood", payload: [UInt8](repeating: 1, count: 64)) }
        try await nc.flush()
        let event = await events.next()
        guard case .error(let error, let subject)? = event else {
            Issue.record("expected a slow-consumer error event, got \(String(describing: event))")
            return
        }
        #expect(error.status == .slowConsumer)
        #expect(subject == "meridian.flood")
        #expect(sub.droppedCount > 0)
        // What was kept is still delivered, in order, and the subscription keeps working.
        let kept = await collect(10, from: sub)
        #expect(kept.count == 10)
    }
}

/// A TCP listener on 127.0.0.1 that accepts nothing and says nothing (connections wait in the
/// kernel's accept queue), to test connect timeouts on loopback.
final class SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else { throw NATSServerError("cannot listen on 127.0.0.1") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { Glibc.close(fd) }
}

@Suite("NATS options")
struct OptionsTests {
    @Test("reconnect backoff doubles from the initial delay up to the maximum")
    func backoff() {
        let policy = NATSReconnectPolicy(initialDelay: .milliseconds(50), maxDelay: .seconds(2), jitter: .milliseconds(100))
        #expect((1...8).map { policy.delay(attempt: $0) } == [
            .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(400),
            .milliseconds(800), .milliseconds(1600), .seconds(2), .seconds(2),
        ])
        #expect(policy.delay(attempt: 1000) == .seconds(2))
        #expect(NATSReconnectPolicy.forever.maxAttempts == nil)
        #expect(NATSReconnectPolicy.never.enabled == false)
    }

    @Test("error descriptions name the status, the JetStream code and the text")
    func errorDescription() {
        let error = NATSError(status: .error, jetStreamCode: 10071, text: "wrong last sequence: 1")
        #expect(error.description == "NATS error: Error (1), JetStream error 10071: wrong last sequence: 1")
        #expect(NATSError(status: .timeout, text: "Timeout").description == "NATS error: Timeout (26)")
        #expect(NATSStatus.noResponders.rawValue == 34)
    }
}
