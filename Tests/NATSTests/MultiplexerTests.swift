// Requests and JetStream publishes await their answers without a thread each.

import NATSServerLauncher
@testable import NATS
import Testing

@Suite("Request multiplexer and publish acknowledgments")
struct MultiplexerTests {
    @Test("1,000 concurrent requests on one connection each get their own reply")
    func concurrentRequests() async throws {
        let (server, nc) = try await connectedServer("mux-requests")
        defer { server.shutdown() }
        let sub = try nc.subscribe(to: "mux.echo")
        let responder = Task {
            for await request in sub { try? nc.respond(to: request, payload: Array("re:\(request.string)".utf8)) }
        }
        defer { responder.cancel() }
        let replies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 0..<1_000 {
                group.addTask {
                    (i, try await nc.request("mux.echo", payload: Array("\(i)".utf8), timeout: .seconds(20)).string)
                }
            }
            var all: [Int: String] = [:]
            for try await (i, reply) in group { all[i] = reply }
            return all
        }
        #expect(replies.count == 1_000)
        #expect(replies.allSatisfy { $0.value == "re:\($0.key)" })
        // Far fewer threads than requests: the pool's limit is 256, and no request held one.
        #expect(BlockingPool.shared.threadCount < 256)
    }

    @Test("hostile replies on the inbox are ignored; a late reply after a timeout changes nothing")
    func hostileReplies() async throws {
        let (server, nc) = try await connectedServer("mux-hostile")
        defer { server.shutdown() }
        let silent = try nc.subscribe(to: "mux.silent")
        let error = await #expect(throws: NATSError.self) {
            _ = try await nc.request("mux.silent", payload: Array("x".utf8), timeout: .milliseconds(200))
        }
        #expect(error?.status == .timeout)
        let mux = try nc.requestMultiplexer()
        // Garbage tokens, an overflowing one, one never issued, and the one that timed out.
        for token in ["abc", "99999999999999999999999", "", "123456789", "1", "-1"] {
            try nc.publish(mux.prefix + token, payload: Array("forged".utf8))
        }
        try await nc.flush()
        let sub = try nc.subscribe(to: "mux.echo")
        let responder = Task {
            for await request in sub { try? nc.respond(to: request, payload: request.payload) }
        }
        defer { responder.cancel() }
        let reply = try await nc.request("mux.echo", payload: Array("real".utf8), timeout: .seconds(5))
        #expect(reply.string == "real")
        _ = silent
    }

    @Test("a request on a closed connection fails at once")
    func closedConnection() async throws {
        let (server, nc) = try await connectedServer("mux-closed")
        defer { server.shutdown() }
        await nc.close()
        let error = await #expect(throws: NATSError.self) {
            _ = try await nc.request("mux.any", payload: [], timeout: .seconds(5))
        }
        #expect(error?.status != .timeout)
    }

    @Test("500 concurrent JetStream publishes: each gets its own ack; message ids de-duplicate")
    func concurrentPublishes() async throws {
        let (server, nc) = try await connectedServer("mux-publish")
        defer { server.shutdown() }
        let js = try nc.jetStream()
        try await js.createOrUpdateStream(StreamConfig(name: "MUX", subjects: ["mux.js.>"]))
        let acks = try await withThrowingTaskGroup(of: (Int, JetStreamPublishAck).self) { group in
            for i in 0..<500 {
                group.addTask {
                    // Every id twice: 250 distinct messages.
                    (i, try await js.publish("mux.js.\(i % 250)", payload: Array("\(i)".utf8), messageID: "id-\(i % 250)"))
                }
            }
            var all: [(Int, JetStreamPublishAck)] = []
            for try await pair in group { all.append(pair) }
            return all
        }
        #expect(acks.count == 500)
        #expect(acks.filter { !$0.1.duplicate }.count == 250)
        #expect(Set(acks.filter { !$0.1.duplicate }.map(\.1.sequence)) == Set(1...250))
        #expect(acks.allSatisfy { $0.1.stream == "MUX" })
        #expect(try await js.streamInfo("MUX").messages == 250)
        // The server's refusal reaches the right publisher: wrong expected stream, no stream at all.
        let wrong = await #expect(throws: NATSError.self) {
            try await js.publish("mux.js.x", payload: [1], expectedStream: "OTHER")
        }
        #expect(wrong?.jetStreamCode == 10060)
        let none = await #expect(throws: NATSError.self) {
            try await js.publish("mux.nostream", payload: [1])
        }
        #expect(none?.status == .noResponders)
    }

    @Test("key-value put: revisions from the stream; keys cnats refuses are refused")
    func keyValuePut() async throws {
        let (server, nc) = try await connectedServer("mux-kv")
        defer { server.shutdown() }
        let js = try nc.jetStream()
        let kv = try await js.createKeyValue(KeyValueConfig(bucket: "muxkv"))
        #expect(try await kv.put("T-1", Array("a".utf8)) == 1)
        #expect(try await kv.put("T-1", Array("b".utf8)) == 2)
        #expect(try await kv.get("T-1")?.string == "b")
        for bad in ["", ".a", "a.", "a b", "a*", "a>", "é"] {
            let error = await #expect(throws: NATSError.self) { try await kv.put(bad, Array("x".utf8)) }
            #expect(error?.status == .invalidArgument)
        }
    }

    @Test("stored-message look-ups through the multiplexer: found, missing, hostile names")
    func messageGet() async throws {
        let (server, nc) = try await connectedServer("mux-msgget")
        defer { server.shutdown() }
        let js = try nc.jetStream()
        try await js.createOrUpdateStream(StreamConfig(name: "LOG", subjects: ["log.>"]))
        try await js.publish("log.a", payload: Array("one".utf8), headers: ["X-Trace": "t 1", "X-Empty": ""], messageID: "m1")
        try await js.publish("log.a", payload: [], messageID: "m2")
        let last = try #require(try await js.lastMessage(stream: "LOG", subject: "log.a"))
        #expect(last.sequence == 2 && last.payload.isEmpty && last.headers["Nats-Msg-Id"] == "m2")
        let first = try #require(try await js.message(stream: "LOG", sequence: 1))
        #expect(first.string == "one" && first.subject == "log.a")
        #expect(first.headers["X-Trace"] == "t 1" && first.headers["X-Empty"] == "" && first.headers["Nats-Msg-Id"] == "m1")
        #expect(first.timestampNanoseconds > 1_700_000_000_000_000_000 && first.timestampNanoseconds <= last.timestampNanoseconds)
        #expect(try await js.lastMessage(stream: "LOG", subject: "log.b") == nil)
        #expect(try await js.lastMessage(stream: "LOG", subject: #"log."quoted"\"#) == nil)
        #expect(try await js.message(stream: "LOG", sequence: 99) == nil)
        #expect(try await js.lastMessage(stream: "NOSUCH", subject: "log.a") == nil)   // as js_GetLastMsg: not found
        for bad in ["", "A.B", "A*", "A>", "A B"] {
            let error = await #expect(throws: NATSError.self) { _ = try await js.lastMessage(stream: bad, subject: "log.a") }
            #expect(error?.status == .invalidArgument)
        }
    }

    @Test("the API answer's time and header block are parsed exactly, malformed ones refused")
    func answerParsing() {
        #expect(StoredMessage.unixNanoseconds("1970-01-01T00:00:00Z") == 0)
        #expect(StoredMessage.unixNanoseconds("2026-12-04T04:35:55.123456789Z") == 1_796_358_955_123_456_789)
        #expect(StoredMessage.unixNanoseconds("2026-12-04T04:35:55.5Z") == 1_796_358_955_500_000_000)
        #expect(StoredMessage.unixNanoseconds("2024-02-29T23:59:59Z") == 1_709_251_199_000_000_000)
        for bad in ["", "2026-12-04", "2026-12-04T04:35:55", "2026-13-04T04:35:55Z", "2026-12-04T04:35:55.Z",
                    "2026-12-04T04:35:55.1234567890Z", "2026-12-04T04:35:55+01:00", "x026-12-04T04:35:55Z"] {
            #expect(StoredMessage.unixNanoseconds(bad) == nil, "\(bad)")
        }
        #expect(NATSHeaders(block: Array("NATS/1.0\r\nA: 1\r\nB:2\r\nA: 3\r\n\r\n".utf8))?.values(for: "A") == ["1", "3"])
        #expect(NATSHeaders(block: Array("NATS/1.0\r\nB:2\r\n\r\n".utf8))?["B"] == "2")
        #expect(NATSHeaders(block: Array("HTTP/1.1\r\nA: 1\r\n\r\n".utf8)) == nil)
        #expect(NATSHeaders(block: Array("NATS/1.0\r\nno colon\r\n\r\n".utf8)) == nil)
        #expect(NATSHeaders(block: Array("NATS/1.0\r\n: empty name\r\n\r\n".utf8)) == nil)
        #expect(JetStream.jsonString(#"a"b\c"# + "\n") == #""a\"b\\c\u000a""#)
    }
}
