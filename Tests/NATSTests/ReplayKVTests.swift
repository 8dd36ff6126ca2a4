// Ordered replay, asynchronous publish and key-value, against a real nats-server per test.

import NATSServerLauncher
import NATS
import Testing

/// Reads replay events until `count` messages and the caught-up marker have been seen.
func readReplay(_ replay: JetStreamReplay, messages count: Int) async throws -> [String] {
    var out: [String] = []
    var messages = 0
    var caughtUp = false
    for try await event in replay {
        switch event {
        case .message(let m):
            out.append("\(m.metadata.streamSequence):\(m.subject):\(m.string)")
            messages += 1
        case .caughtUp:
            out.append("caughtUp")
            caughtUp = true
        }
        if messages >= count && caughtUp { break }
    }
    return out
}

@Suite("JetStream replay, async publish, key-value")
struct ReplayKVTests {
    @Test("ordered replay returns every message of a filter in order, then caught-up, then live")
    func orderedReplay() async throws {
        let (server, _, js) = try await jetStreamServer("js-replay")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "EVENTS", subjects: ["meridian.events.>"]))
        for i in 1...30 {
            let region = i % 3 == 0 ? "apac" : "emea"
            try await js.publish("meridian.events.\(region).created.T\(i)", payload: Array("e\(i)".utf8))
        }
        let replay = try await js.replay(stream: "EVENTS", filter: "meridian.events.emea.>")
        #expect(replay.lastSequenceAtStart == 30)
        let emea = (1...30).filter { $0 % 3 != 0 }
        var expected = emea.map { "\($0):meridian.events.emea.created.T\($0):e\($0)" }
        expected.append("caughtUp")
        #expect(try await readReplay(replay, messages: emea.count) == expected)

        // Live after catching up.
        var iterator = replay.makeAsyncIterator()
        try await js.publish("meridian.events.apac.created.T31", payload: Array("e31".utf8))
        try await js.publish("meridian.events.emea.created.T32", payload: Array("e32".utf8))
        guard case .message(let live)? = try await iterator.next() else { Issue.record("no live message"); return }
        #expect(live.metadata.streamSequence == 32)
        #expect(live.string == "e32")
    }

    @Test("replay of 5,000 events: exactly the filter's sequences, strictly in order, caught up after the last")
    func replayVolume() async throws {
        let (server, _, js) = try await jetStreamServer("js-replay-volume")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "EVENTS", subjects: ["meridian.events.>"]))
        let publisher = try js.makeAsyncPublisher(maxInFlight: 512)
        for i in 1...5000 {
            let region = i % 4 == 0 ? "amer" : "emea"
            try await publisher.publish("meridian.events.\(region).routed.T\(i)", payload: Array("\(i)".utf8), messageID: "e\(i)")
        }
        let summary = await publisher.complete()
        #expect(summary.acknowledged == 5000)
        let replay = try await js.replay(stream: "EVENTS", filter: "meridian.events.amer.>")
        var sequences: [UInt64] = []
        var caughtUpAfter: Int?
        for try await event in replay {
            switch event {
            case .message(let m):
                sequences.append(m.metadata.streamSequence)
                #expect(m.string == "\(m.metadata.streamSequence)")
            case .caughtUp:
                caughtUpAfter = sequences.count
            }
            if caughtUpAfter != nil { break }
        }
        let expected: [UInt64] = stride(from: 4, through: 5000, by: 4).map { UInt64($0) }
        #expect(sequences == expected)
        #expect(caughtUpAfter == 1250)
    }

    @Test("replay from a sequence; an empty filter is caught up at once")
    func replayFromSequenceAndEmpty() async throws {
        let (server, _, js) = try await jetStreamServer("js-replay-seq")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "EVENTS", subjects: ["meridian.events.>"]))
        for i in 1...10 { try await js.publish("meridian.events.emea.created.T\(i)", payload: Array("e\(i)".utf8)) }
        let fromSeven = try await js.replay(stream: "EVENTS", filter: "meridian.events.>", from: .sequence(7))
        #expect(try await readReplay(fromSeven, messages: 4) == [
            "7:meridian.events.emea.created.T7:e7", "8:meridian.events.emea.created.T8:e8",
            "9:meridian.events.emea.created.T9:e9", "10:meridian.events.emea.created.T10:e10", "caughtUp",
        ])
        let empty = try await js.replay(stream: "EVENTS", filter: "meridian.events.amer.>")
        var it = empty.makeAsyncIterator()
        guard case .caughtUp? = try await it.next() else { Issue.record("expected caughtUp first"); return }
        try await js.publish("meridian.events.amer.created.T11", payload: Array("e11".utf8))
        guard case .message(let m)? = try await it.next() else { Issue.record("expected the live message"); return }
        #expect(m.metadata.streamSequence == 11)
    }

    @Test("async publish: bounded in flight, all acknowledged, duplicates counted")
    func asyncPublish() async throws {
        let (server, _, js) = try await jetStreamServer("js-async")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "EVENTS", subjects: ["meridian.events.>"]))
        let publisher = try js.makeAsyncPublisher(maxInFlight: 16)
        for i in 0..<500 {
            try await publisher.publish("meridian.events.emea.created.T\(i)", payload: Array("e".utf8), messageID: "id-\(i % 400)")
        }
        let summary = await publisher.complete()
        #expect(summary.acknowledged == 500)
        #expect(summary.duplicates == 100)
        #expect(summary.failures.isEmpty)
        #expect(try await js.streamInfo("EVENTS").messages == 400)

        try await publisher.publish("meridian.nowhere.x", payload: Array("e".utf8), messageID: "lost")
        let failed = await publisher.complete()
        #expect(failed.acknowledged == 0)
        #expect(failed.failures.map(\.subject) == ["meridian.nowhere.x"])
        #expect(failed.failures.map(\.messageID) == ["lost"])
        #expect(failed.failures.map(\.error.status) == [.noResponders])
        #expect(failed.failures.map(\.error.jetStreamCode) == [10059])
    }

    @Test("dropping an async publisher with messages in flight: they are still acknowledged and stored")
    func dropPublisherInFlight() async throws {
        let (server, _, js) = try await jetStreamServer("js-async-drop")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "EVENTS", subjects: ["meridian.events.>"]))
        do {
            let publisher = try js.makeAsyncPublisher(maxInFlight: 64)
            for i in 0..<300 { try await publisher.publish("meridian.events.emea.created.T\(i)", payload: Array("e".utf8)) }
        }   // no complete(): the publisher goes away with up to 64 messages unacknowledged
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        var stored: UInt64 = 0
        while clock.now < deadline {
            stored = try await js.streamInfo("EVENTS").messages
            if stored == 300 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(stored == 300)
    }

    @Test("KV: get/put/create/update; a stale revision fails; delete")
    func keyValueBasics() async throws {
        let (server, _, js) = try await jetStreamServer("kv-basics")
        defer { server.shutdown() }
        let kv = try await js.createKeyValue(KeyValueConfig(bucket: "nodes", history: 5))
        #expect(try await kv.get("emea.n1") == nil)
        let r1 = try await kv.create("emea.n1", Array("up".utf8))
        #expect(r1 == 1)
        let createAgain = await #expect(throws: NATSError.self) { try await kv.create("emea.n1", Array("x".utf8)) }
        #expect(createAgain?.jetStreamCode == 10071)
        let r2 = try await kv.update("emea.n1", Array("busy".utf8), expectedRevision: r1)
        #expect(r2 == 2)
        let stale = await #expect(throws: NATSError.self) {
            try await kv.update("emea.n1", Array("stale".utf8), expectedRevision: r1)
        }
        #expect(stale?.jetStreamCode == 10071)
        let entry = try #require(try await kv.get("emea.n1"))
        #expect(entry.string == "busy")
        #expect(entry.revision == 2)
        #expect(entry.operation == .put)
        let r3 = try await kv.put("emea.n2", Array("up".utf8))
        #expect(r3 == 3)
        try await kv.delete("emea.n1")
        #expect(try await kv.get("emea.n1") == nil)
        let bound = try await js.keyValue("nodes")
        #expect(try await bound.get("emea.n2")?.string == "up")
        let again = try await js.createKeyValue(KeyValueConfig(bucket: "nodes", history: 5))
        #expect(try await again.get("emea.n2")?.string == "up")
        let otherConfig = try await js.createKeyValue(KeyValueConfig(bucket: "nodes", history: 1))
        #expect(try await otherConfig.get("emea.n2")?.revision == 3)
        let missing = await #expect(throws: NATSError.self) { _ = try await js.keyValue("absent") }
        #expect(missing?.status == .notFound)
    }

    @Test("KV watch sees current values, then puts and deletes")
    func keyValueWatch() async throws {
        let (server, _, js) = try await jetStreamServer("kv-watch")
        defer { server.shutdown() }
        let kv = try await js.createKeyValue(KeyValueConfig(bucket: "clocks"))
        try await kv.put("T1", Array("a".utf8))
        let watch = try await kv.watch()
        var it = watch.makeAsyncIterator()
        var seen: [String] = []
        func describe(_ e: KeyValueWatchEvent?) -> String {
            switch e {
            case .entry(let entry)?: "\(entry.operation):\(entry.key):\(entry.string):\(entry.revision)"
            case .initialValuesDone?: "initialValuesDone"
            case nil: "end"
            }
        }
        seen.append(describe(try await it.next()))
        seen.append(describe(try await it.next()))
        try await kv.put("T2", Array("b".utf8))
        seen.append(describe(try await it.next()))
        try await kv.delete("T1")
        seen.append(describe(try await it.next()))
        #expect(seen == ["put:T1:a:1", "initialValuesDone", "put:T2:b:2", "delete:T1::3"])
        watch.stop()
        #expect(describe(try await it.next()) == "end")
    }
}
