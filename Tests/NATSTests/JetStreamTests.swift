// JetStream through the Swift client, against a real nats-server per test.

import NATSServerLauncher
import NATS
import Testing

/// Starts a JetStream server (own port and store), connects, and opens a context.
func jetStreamServer(_ name: String, options: JetStreamOptions = JetStreamOptions()) async throws -> (NATSServer, NATSConnection, JetStream) {
    let (server, nc) = try await connectedServer(name)
    return (server, nc, try nc.jetStream(options))
}

@Suite("JetStream")
struct JetStreamTests {
    @Test("create-or-update: creating twice is fine, a changed config updates in place")
    func createOrUpdateStream() async throws {
        let (server, _, js) = try await jetStreamServer("js-stream")
        defer { server.shutdown() }
        let first = try await js.createOrUpdateStream(StreamConfig(name: "WORK", subjects: ["meridian.work.>"], retention: .workQueue))
        #expect(first.name == "WORK")
        #expect(first.subjects == ["meridian.work.>"])
        try await js.publish("meridian.work.emea.l1", payload: Array("a".utf8))
        let again = try await js.createOrUpdateStream(StreamConfig(name: "WORK", subjects: ["meridian.work.>"], retention: .workQueue))
        #expect(again.messages == 1)
        let updated = try await js.createOrUpdateStream(StreamConfig(name: "WORK", subjects: ["meridian.work.>", "meridian.extra.>"],
                                                                     retention: .workQueue, maxMessages: 1000))
        #expect(updated.subjects == ["meridian.work.>", "meridian.extra.>"])
        #expect(updated.messages == 1)   // updated in place, not re-created
    }

    @Test("a duplicate message id is stored once")
    func duplicateMessageID() async throws {
        let (server, _, js) = try await jetStreamServer("js-dedup")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "EVENTS", subjects: ["meridian.events.>"]))
        let a = try await js.publish("meridian.events.emea.breached.T1", payload: Array("x".utf8), messageID: "T1:first_response:1:breached")
        let b = try await js.publish("meridian.events.emea.breached.T1", payload: Array("x".utf8), messageID: "T1:first_response:1:breached")
        let c = try await js.publish("meridian.events.emea.breached.T1", payload: Array("y".utf8), messageID: "T1:first_response:2:breached")
        #expect(a == JetStreamPublishAck(stream: "EVENTS", sequence: 1, duplicate: false))
        #expect(b == JetStreamPublishAck(stream: "EVENTS", sequence: 1, duplicate: true))
        #expect(c == JetStreamPublishAck(stream: "EVENTS", sequence: 2, duplicate: false))
        #expect(try await js.streamInfo("EVENTS").messages == 2)
        let last = try #require(try await js.lastMessage(stream: "EVENTS", subject: "meridian.events.emea.breached.T1"))
        #expect(last.sequence == 2)
        #expect(last.string == "y")
        #expect(last.headers["Nats-Msg-Id"] == "T1:first_response:2:breached")
        #expect(last.timestampNanoseconds > 1_700_000_000_000_000_000)
        #expect(try await js.message(stream: "EVENTS", sequence: 1)?.string == "x")
        #expect(try await js.message(stream: "EVENTS", sequence: 3) == nil)
        #expect(try await js.lastMessage(stream: "EVENTS", subject: "meridian.events.emea.breached.T2") == nil)
    }

    @Test("publishing to a subject no stream captures is an error, at once")
    func publishWithoutStream() async throws {
        let (server, _, js) = try await jetStreamServer("js-nostream")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "EVENTS", subjects: ["meridian.events.>"]))
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: NATSError.self) {
            try await js.publish("meridian.nowhere.x", payload: Array("x".utf8))
        }
        #expect(error?.status == .noResponders)
        #expect(error?.jetStreamCode == 10059)
        #expect(clock.now - start < .seconds(2))
        let guarded = await #expect(throws: NATSError.self) {
            try await js.publish("meridian.events.emea.x", payload: Array("x".utf8), expectedStream: "WORK")
        }
        #expect(guarded?.jetStreamCode == 10060)
        #expect(try await js.streamInfo("EVENTS").messages == 0)
    }

    @Test("fetch + ack removes messages from a work-queue stream")
    func fetchAckWorkQueue() async throws {
        let (server, _, js) = try await jetStreamServer("js-workqueue")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "WORK", subjects: ["meridian.work.>"], retention: .workQueue))
        for i in 1...5 { try await js.publish("meridian.work.emea.l1", payload: Array("t\(i)".utf8)) }
        let consumer = try await js.createOrUpdateConsumer(stream: "WORK", ConsumerConfig(durable: "emea-l1", filterSubject: "meridian.work.emea.l1"))
        let batch = try await consumer.fetch(batch: 10, timeout: .seconds(2))
        #expect(batch.map(\.string) == ["t1", "t2", "t3", "t4", "t5"])
        #expect(batch.map(\.metadata.streamSequence) == [1, 2, 3, 4, 5])
        #expect(batch.map(\.metadata.deliveryCount) == [1, 1, 1, 1, 1])
        #expect(batch[0].metadata.stream == "WORK")
        #expect(batch[0].metadata.consumer == "emea-l1")
        #expect(batch[0].metadata.timestampNanoseconds > 1_700_000_000_000_000_000)
        for m in batch { try await m.ackSync() }
        let info = try await js.streamInfo("WORK")
        #expect(info.messages == 0)
        #expect(info.lastSequence == 5)
        #expect(try await consumer.fetch(batch: 10, timeout: .milliseconds(200)).isEmpty)
    }

    @Test("nak redelivers with delivery count 2")
    func nakRedelivers() async throws {
        let (server, _, js) = try await jetStreamServer("js-nak")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "WORK", subjects: ["meridian.work.>"], retention: .workQueue))
        try await js.publish("meridian.work.emea.l2", payload: Array("T9".utf8))
        let consumer = try await js.createOrUpdateConsumer(stream: "WORK", ConsumerConfig(durable: "w"))
        let first = try await consumer.fetch(batch: 1, timeout: .seconds(2))
        #expect(first.map(\.metadata.deliveryCount) == [1])
        try first[0].nak()
        let second = try await consumer.fetch(batch: 1, timeout: .seconds(2))
        #expect(second.map(\.string) == ["T9"])
        #expect(second.map(\.metadata.deliveryCount) == [2])
        #expect(second.map(\.metadata.streamSequence) == [1])
        try second[0].nak(delay: .milliseconds(300))
        #expect(try await consumer.fetch(batch: 1, timeout: .milliseconds(100)).isEmpty)
        let third = try await consumer.fetch(batch: 1, timeout: .seconds(3))
        #expect(third.map(\.metadata.deliveryCount) == [3])
        try await third[0].ackSync()
    }

    @Test("after max deliver the message is no longer delivered")
    func maxDeliver() async throws {
        let (server, _, js) = try await jetStreamServer("js-maxdeliver")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "WORK", subjects: ["meridian.work.>"], retention: .workQueue))
        try await js.publish("meridian.work.emea.l1", payload: Array("poison".utf8))
        let consumer = try await js.createOrUpdateConsumer(stream: "WORK", ConsumerConfig(durable: "w", maxDeliver: 2))
        var counts: [UInt64] = []
        for _ in 0..<2 {
            let batch = try await consumer.fetch(batch: 1, timeout: .seconds(2))
            counts += batch.map(\.metadata.deliveryCount)
            for m in batch { try m.nak() }
        }
        #expect(counts == [1, 2])
        #expect(try await consumer.fetch(batch: 1, timeout: .milliseconds(500)).isEmpty)
        #expect(try await js.streamInfo("WORK").messages == 1)   // not acknowledged: still stored
    }

    @Test("ack wait expiry redelivers")
    func ackWaitExpiry() async throws {
        let (server, _, js) = try await jetStreamServer("js-ackwait")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "WORK", subjects: ["meridian.work.>"], retention: .workQueue))
        try await js.publish("meridian.work.emea.l1", payload: Array("slow".utf8))
        let consumer = try await js.createOrUpdateConsumer(stream: "WORK", ConsumerConfig(durable: "w", ackWait: .milliseconds(500)))
        let first = try await consumer.fetch(batch: 1, timeout: .seconds(2))
        #expect(first.map(\.metadata.deliveryCount) == [1])
        // Not acknowledged: the server delivers it again once the ack wait has expired.
        let second = try await consumer.fetch(batch: 1, timeout: .seconds(3))
        #expect(second.map(\.string) == ["slow"])
        #expect(second.map(\.metadata.deliveryCount) == [2])
        try await second[0].ackSync()
    }

    @Test("term stops redelivery; in-progress extends the ack wait; dropping the consumer object keeps the durable")
    func termAndInProgress() async throws {
        let (server, _, js) = try await jetStreamServer("js-term")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "WORK", subjects: ["meridian.work.>"], retention: .workQueue))
        try await js.publish("meridian.work.emea.l1", payload: Array("a".utf8))
        try await js.publish("meridian.work.emea.l1", payload: Array("b".utf8))
        do {
            let consumer = try await js.createOrUpdateConsumer(stream: "WORK", ConsumerConfig(durable: "w", ackWait: .seconds(1)))
            let batch = try await consumer.fetch(batch: 2, timeout: .seconds(2))
            #expect(batch.map(\.string) == ["a", "b"])
            try batch[0].term()
            try batch[1].inProgress()
        }
        let info = try await js.consumerInfo(stream: "WORK", name: "w")
        #expect(info.name == "w")   // the durable outlives the PullConsumer object
        let again = try await js.pullConsumer(stream: "WORK", durable: "w")
        let redelivered = try await again.fetch(batch: 2, timeout: .seconds(3))
        #expect(redelivered.map(\.string) == ["b"])
        #expect(redelivered.map(\.metadata.deliveryCount) == [2])
    }

    @Test("messages() fetches in batches as an async sequence")
    func messageSequence() async throws {
        let (server, _, js) = try await jetStreamServer("js-sequence")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "WORK", subjects: ["meridian.work.>"], retention: .workQueue))
        for i in 1...25 { try await js.publish("meridian.work.apac.l3", payload: Array("\(i)".utf8)) }
        let consumer = try await js.createOrUpdateConsumer(stream: "WORK", ConsumerConfig(durable: "w"))
        var seen: [String] = []
        for try await m in consumer.messages(batch: 10, expires: .seconds(1)) {
            seen.append(m.string)
            try m.ack()
            if seen.count == 25 { break }
        }
        #expect(seen == (1...25).map { "\($0)" })
    }

    @Test("consumer create-or-update: max ack pending bounds a fetch; backoff redelivers; config updates in place")
    func consumerOptions() async throws {
        let (server, _, js) = try await jetStreamServer("js-consumer-options")
        defer { server.shutdown() }
        try await js.createOrUpdateStream(StreamConfig(name: "WORK", subjects: ["meridian.work.>"], retention: .workQueue))
        for i in 1...5 { try await js.publish("meridian.work.emea.l1", payload: Array("t\(i)".utf8)) }
        let config = ConsumerConfig(durable: "w", filterSubject: "meridian.work.emea.>", ackWait: .seconds(30), maxDeliver: 3,
                                    backoff: [.seconds(1), .seconds(2)], maxAckPending: 2)
        let consumer = try await js.createOrUpdateConsumer(stream: "WORK", config)
        let first = try await consumer.fetch(batch: 5, timeout: .milliseconds(300))
        #expect(first.map(\.string) == ["t1", "t2"])   // max ack pending 2
        // Neither is acknowledged: nothing new is delivered (max ack pending), and the first backoff
        // step (1 s, replacing the 30 s ack wait) redelivers both.
        let next = try await consumer.fetch(batch: 2, timeout: .seconds(3))
        #expect(next.map(\.string) == ["t1", "t2"])
        #expect(next.map(\.metadata.deliveryCount) == [2, 2])
        for m in next { try await m.ackSync() }

        var updated = config
        updated.maxAckPending = 10
        updated.description = "updated"
        let again = try await js.createOrUpdateConsumer(stream: "WORK", updated)
        let rest = try await again.fetch(batch: 5, timeout: .seconds(1))
        #expect(rest.map(\.string) == ["t3", "t4", "t5"])
        #expect(rest.map(\.metadata.consumerSequence) == [5, 6, 7])
        for m in rest { try await m.ackSync() }
        #expect(try await js.consumerInfo(stream: "WORK", name: "w").ackPending == 0)
    }
}
