import CNATS
public import NATS
import Synchronization

/// The `meridian bench nats` benchmark: the Swift API against loops written directly against cnats,
/// in the same run, on the same server.
///
/// - core pub→sub: one connection publishes `coreMessages` payloads of `payloadSize` bytes as fast as
///   it can, another subscribes; the rate is messages received / (last receive − first publish).
/// - JetStream async publish: `jetStreamMessages` to a file stream, at most `maxInFlight` unacknowledged.
/// - JetStream fetch + ack: the same messages through a durable pull consumer, batches of `fetchBatch`.
public enum NATSBenchmark {
    /// What to run.
    public struct Configuration: Sendable {
        /// Messages per core pub→sub round.
        public var coreMessages: Int
        /// Payload size in bytes.
        public var payloadSize: Int
        /// Messages per JetStream round.
        public var jetStreamMessages: Int
        /// Async publish in-flight bound (Swift and cnats alike).
        public var maxInFlight: Int
        /// Fetch batch size.
        public var fetchBatch: Int
        /// Rounds of each measurement (best of; Swift and cnats alternate).
        public var rounds: Int

        /// Creates a configuration.
        public init(coreMessages: Int = 1_000_000, payloadSize: Int = 256, jetStreamMessages: Int = 100_000,
                    maxInFlight: Int = 1024, fetchBatch: Int = 256, rounds: Int = 3) {
            self.coreMessages = coreMessages
            self.payloadSize = payloadSize
            self.jetStreamMessages = jetStreamMessages
            self.maxInFlight = maxInFlight
            self.fetchBatch = fetchBatch
            self.rounds = rounds
        }
    }

    /// One measurement.
    public struct Measurement: Sendable, CustomStringConvertible {
        /// Messages counted.
        public var messages: Int
        /// Seconds elapsed.
        public var seconds: Double
        /// Messages per second.
        public var rate: Double { seconds > 0 ? Double(messages) / seconds : 0 }
        /// "812,345 msg/s (1,000,000 in 1.231 s)".
        public var description: String {
            "\(formatted(Int(rate.rounded()))) msg/s (\(formatted(messages)) in \(String(format3(seconds))) s)"
        }
    }

    /// Best rounds of every measurement.
    public struct Report: Sendable, CustomStringConvertible {
        /// Core pub→sub through `NATSConnection.publish` and a `NATSSubscription`.
        public var corePubSubSwift: Measurement
        /// Core pub→sub with `natsConnection_Publish` and a C message handler.
        public var corePubSubCNATS: Measurement
        /// `JetStreamAsyncPublisher`.
        public var jetStreamPublishSwift: Measurement
        /// `js_PublishAsync` with `MaxPending`.
        public var jetStreamPublishCNATS: Measurement
        /// `PullConsumer.fetch` + `JetStreamMessage.ack()`.
        public var fetchAckSwift: Measurement
        /// `natsSubscription_Fetch` + `natsMsg_Ack`.
        public var fetchAckCNATS: Measurement
        /// Core pub→sub Swift / cnats.
        public var coreRatio: Double { corePubSubSwift.rate / max(corePubSubCNATS.rate, 1) }

        public var description: String {
            """
            core pub→sub (256 B)      Swift API: \(corePubSubSwift)
                                      cnats loop: \(corePubSubCNATS)
                                      ratio Swift/cnats: \(format3(coreRatio))
            JetStream async publish   Swift API: \(jetStreamPublishSwift)
                                      cnats loop: \(jetStreamPublishCNATS)
                                      ratio Swift/cnats: \(format3(jetStreamPublishSwift.rate / max(jetStreamPublishCNATS.rate, 1)))
            JetStream fetch + ack     Swift API: \(fetchAckSwift)
                                      cnats loop: \(fetchAckCNATS)
                                      ratio Swift/cnats: \(format3(fetchAckSwift.rate / max(fetchAckCNATS.rate, 1)))
            """
        }
    }

    /// Runs every measurement against the server at `url`; `log` receives progress lines.
    public static func run(url: String, configuration c: Configuration = Configuration(),
                           log: @Sendable (String) -> Void = { _ in }) async throws(NATSError) -> Report {
        let payload = [UInt8](repeating: 0x61, count: c.payloadSize)
        var swiftCore: [Measurement] = [], rawCore: [Measurement] = []
        for round in 1...max(c.rounds, 1) {
            let raw = try await BlockingPool.shared.run { () throws(NATSError) -> Measurement in
                try rawCorePubSub(url: url, count: c.coreMessages, payload: payload, subject: "bench.core.raw.\(round)")
            }
            log("round \(round) core pub→sub cnats: \(raw)")
            rawCore.append(raw)
            let swift = try await swiftCorePubSub(url: url, count: c.coreMessages, payload: payload, subject: "bench.core.swift.\(round)")
            log("round \(round) core pub→sub Swift: \(swift)")
            swiftCore.append(swift)
        }

        let nc = try await NATSConnection.connect(NATSOptions(url: url))
        let js = try nc.jetStream(JetStreamOptions(apiTimeout: .seconds(10)))
        var swiftPub: [Measurement] = [], rawPub: [Measurement] = [], swiftFetch: [Measurement] = [], rawFetch: [Measurement] = []
        for round in 1...max(c.rounds, 1) {
            for flavour in ["RAW", "SWIFT"] {
                let stream = "BENCH_\(flavour)_\(round)"
                let subject = "bench.js.\(flavour.lowercased()).\(round)"
                try await js.createOrUpdateStream(StreamConfig(name: stream, subjects: [subject]))
                _ = try await js.createOrUpdateConsumer(stream: stream, ConsumerConfig(durable: "bench", maxAckPending: 100_000))
                if flavour == "RAW" {
                    let m = try await BlockingPool.shared.run { () throws(NATSError) -> Measurement in
                        try rawJetStreamPublish(nc: nc, subject: subject, count: c.jetStreamMessages, payload: payload, maxInFlight: c.maxInFlight)
                    }
                    log("round \(round) JetStream async publish cnats: \(m)")
                    rawPub.append(m)
                    let f = try await BlockingPool.shared.run { () throws(NATSError) -> Measurement in
                        try rawFetchAck(nc: nc, stream: stream, count: c.jetStreamMessages, batch: c.fetchBatch)
                    }
                    log("round \(round) JetStream fetch+ack cnats: \(f)")
                    rawFetch.append(f)
                } else {
                    let m = try await swiftJetStreamPublish(js: js, subject: subject, count: c.jetStreamMessages, payload: payload, maxInFlight: c.maxInFlight)
                    log("round \(round) JetStream async publish Swift: \(m)")
                    swiftPub.append(m)
                    let f = try await swiftFetchAck(js: js, stream: stream, count: c.jetStreamMessages, batch: c.fetchBatch)
                    log("round \(round) JetStream fetch+ack Swift: \(f)")
                    swiftFetch.append(f)
                }
                try await js.deleteStream(stream)
            }
        }
        await nc.close()
        func best(_ ms: [Measurement]) -> Measurement { ms.max { $0.rate < $1.rate }! }
        return Report(corePubSubSwift: best(swiftCore), corePubSubCNATS: best(rawCore),
                      jetStreamPublishSwift: best(swiftPub), jetStreamPublishCNATS: best(rawPub),
                      fetchAckSwift: best(swiftFetch), fetchAckCNATS: best(rawFetch))
    }

    // MARK: Core pub→sub

    /// Counts received messages and the time of the last one.
    final class Counter: @unchecked Sendable {
        let count = Atomic<Int>(0)
        let lastNanos = Atomic<Int64>(0)

        @inline(__always) func hit() {
            count.add(1, ordering: .relaxed)
            lastNanos.store(nats_NowInNanoSeconds(), ordering: .relaxed)
        }

        /// Waits (blocking) until `target` messages arrived or nothing arrived for `idle`.
        func waitForCount(_ target: Int, idleMillis: Int64 = 500) {
            var lastSeen = -1
            var lastChange = nats_Now()
            while true {
                let n = count.load(ordering: .relaxed)
                if n >= target { return }
                if n != lastSeen {
                    lastSeen = n
                    lastChange = nats_Now()
                } else if nats_Now() - lastChange > idleMillis {
                    return
                }
                nats_Sleep(10)
            }
        }

        func measurement(since start: Int64) -> Measurement {
            Measurement(messages: count.load(ordering: .relaxed),
                        seconds: Double(lastNanos.load(ordering: .relaxed) - start) / 1e9)
        }
    }

    /// Blocking: the reference loop, written directly against cnats.
    static func rawCorePubSub(url: String, count: Int, payload: [UInt8], subject: String) throws(NATSError) -> Measurement {
        var pubNC: OpaquePointer? = nil, subNC: OpaquePointer? = nil
        try check(natsConnection_ConnectTo(&pubNC, url), "bench connect")
        defer { natsConnection_Destroy(pubNC) }
        try check(natsConnection_ConnectTo(&subNC, url), "bench connect")
        defer { natsConnection_Destroy(subNC) }
        let counter = Counter()
        let closure = Unmanaged.passRetained(counter).toOpaque()
        var sub: OpaquePointer? = nil
        try check(natsConnection_Subscribe(&sub, subNC, subject, { _, _, msg, closure in
            natsMsg_Destroy(msg)
            Unmanaged<Counter>.fromOpaque(closure!).takeUnretainedValue().hit()
        }, closure), "bench subscribe")
        natsSubscription_SetOnCompleteCB(sub, { closure in Unmanaged<Counter>.fromOpaque(closure!).release() }, closure)
        natsSubscription_SetPendingLimits(sub, 262_144, 256 * 1024 * 1024)
        defer {
            natsSubscription_Unsubscribe(sub)
            natsSubscription_Destroy(sub)
        }
        try check(natsConnection_Flush(subNC), "bench flush")
        let start = nats_NowInNanoSeconds()
        try withPayloadBytes(payload) { (raw) throws(NATSError) in
            for _ in 0..<count {
                let s = natsConnection_Publish(pubNC, subject, raw.baseAddress, Int32(raw.count))
                if s != NATS_OK { throw NATSError.fromLastError(s, context: "bench publish") }
            }
        }
        try check(natsConnection_Flush(pubNC), "bench flush")
        counter.waitForCount(count)
        return counter.measurement(since: start)
    }

    /// The same loop through the Swift API: `publish` and a `for await` over a subscription.
    static func swiftCorePubSub(url: String, count: Int, payload: [UInt8], subject: String) async throws(NATSError) -> Measurement {
        let pub = try await NATSConnection.connect(NATSOptions(url: url))
        let subConnection = try await NATSConnection.connect(NATSOptions(url: url))
        let sub = try subConnection.subscribe(to: subject, pendingLimit: 262_144)
        try await subConnection.flush()
        let counter = Counter()
        let consumer = Task {
            for await _ in sub { counter.hit() }
        }
        let start = nats_NowInNanoSeconds()
        for _ in 0..<count { try pub.publish(subject, payload: payload) }
        try await pub.flush()
        await BlockingPool.shared.perform { counter.waitForCount(count) }
        consumer.cancel()
        await pub.close()
        await subConnection.close()
        return counter.measurement(since: start)
    }

    // MARK: JetStream

    /// Blocking: async publish loop against cnats, bounded by cnats' own MaxPending.
    static func rawJetStreamPublish(nc: NATSConnection, subject: String, count: Int, payload: [UInt8], maxInFlight: Int) throws(NATSError) -> Measurement {
        let js = try JetStream.makeContext(nc.nc, JetStreamOptions(apiTimeout: .seconds(10))) { o in
            o.PublishAsync.MaxPending = Int64(maxInFlight)
            o.PublishAsync.StallWait = 1000
        }
        defer { jsCtx_Destroy(js) }
        let start = nats_NowInNanoSeconds()
        try withPayloadBytes(payload) { (raw) throws(NATSError) in
            for _ in 0..<count {
                var s = js_PublishAsync(js, subject, raw.baseAddress, Int32(raw.count), nil)
                while s == NATS_TIMEOUT { s = js_PublishAsync(js, subject, raw.baseAddress, Int32(raw.count), nil) }
                if s != NATS_OK { throw NATSError.fromLastError(s, context: "bench js publish") }
            }
        }
        var po = jsPubOptions()
        jsPubOptions_Init(&po)
        po.MaxWait = 30_000
        try check(js_PublishAsyncComplete(js, &po), "bench js publish complete")
        return Measurement(messages: count, seconds: Double(nats_NowInNanoSeconds() - start) / 1e9)
    }

    static func swiftJetStreamPublish(js: JetStream, subject: String, count: Int, payload: [UInt8], maxInFlight: Int) async throws(NATSError) -> Measurement {
        let publisher = try js.makeAsyncPublisher(maxInFlight: maxInFlight)
        let start = nats_NowInNanoSeconds()
        for _ in 0..<count { try await publisher.publish(subject, payload: payload) }
        let summary = await publisher.complete()
        let end = nats_NowInNanoSeconds()
        if let failure = summary.failures.first { throw failure.error }
        return Measurement(messages: summary.acknowledged, seconds: Double(end - start) / 1e9)
    }

    /// Blocking: fetch + ack loop against cnats on the durable `bench`.
    static func rawFetchAck(nc: NATSConnection, stream: String, count: Int, batch: Int) throws(NATSError) -> Measurement {
        let js = try JetStream.makeContext(nc.nc, JetStreamOptions(apiTimeout: .seconds(10)))
        defer { jsCtx_Destroy(js) }
        var so = jsSubOptions()
        jsSubOptions_Init(&so)
        let arena = CStringArena()
        so.Stream = arena.dup(stream)
        so.Consumer = arena.dup("bench")
        var sub: OpaquePointer? = nil
        var code = jsErrCode(rawValue: 0)
        try withExtendedLifetime(arena) { () throws(NATSError) in
            try check(js_PullSubscribe(&sub, js, "", "bench", nil, &so, &code), code, "bench pull subscribe")
        }
        defer {
            natsSubscription_Unsubscribe(sub)
            natsSubscription_Destroy(sub)
        }
        let start = nats_NowInNanoSeconds()
        var received = 0
        while received < count {
            var list = natsMsgList()
            let s = natsSubscription_Fetch(&list, sub, Int32(batch), 5000, &code)
            if s != NATS_OK && list.Count == 0 { throw NATSError.fromLastError(s, jsCode: code, context: "bench fetch") }
            for i in 0..<Int(list.Count) { natsMsg_Ack(list.Msgs[i], nil) }
            received += Int(list.Count)
            natsMsgList_Destroy(&list)
        }
        return Measurement(messages: received, seconds: Double(nats_NowInNanoSeconds() - start) / 1e9)
    }

    static func swiftFetchAck(js: JetStream, stream: String, count: Int, batch: Int) async throws(NATSError) -> Measurement {
        let consumer = try await js.pullConsumer(stream: stream, durable: "bench")
        let start = nats_NowInNanoSeconds()
        var received = 0
        while received < count {
            let messages = try await consumer.fetch(batch: batch, timeout: .seconds(5))
            if messages.isEmpty { break }
            for m in messages { try m.ack() }
            received += messages.count
        }
        return Measurement(messages: received, seconds: Double(nats_NowInNanoSeconds() - start) / 1e9)
    }
}

/// "1,234,567".
func formatted(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return n < 0 ? "-" + out : out
}

/// Three decimals.
func format3(_ x: Double) -> String {
    let scaled = Int((x * 1000).rounded())
    let frac = String(abs(scaled) % 1000)
    return "\(scaled / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
}
