import CNATS

/// The reference of `meridian bench e2e`: the JetStream work a durable router cannot avoid per
/// ticket — one fetch + ack from a pull consumer and two async publishes (with message ids) —
/// as a loop written directly against cnats, on the benchmark's own server.
public enum JetStreamPathBenchmark {
    /// One run of the loop.
    public struct Result: Sendable {
        /// Messages fetched, acknowledged and answered with two publishes each.
        public var messages: Int
        /// Seconds from the first fetch to the last publish acknowledgment.
        public var seconds: Double
        /// Messages per second.
        public var rate: Double { seconds > 0 ? Double(messages) / seconds : 0 }
    }

    /// Stores `count` messages of `payloadSize` bytes in a fresh stream `<prefix>_IN`, then times
    /// the path: fetch batches of `batch` from a durable pull consumer, two `js_PublishAsync` (with
    /// `Nats-Msg-Id`) to `<prefix>_OUT` and one ack per message, until every publish is acknowledged.
    /// Both streams are deleted afterwards. Blocking: run it off the cooperative pool.
    public static func run(url: String, count: Int, payloadSize: Int = 512, batch: Int = 256,
                           maxInFlight: Int = 4096, prefix: String = "BENCHPATH") throws(NATSError) -> Result {
        _ = libraryOpened   // the same library settings as NATSConnection
        var nc: OpaquePointer? = nil
        try check(natsConnection_ConnectTo(&nc, url), "bench: connecting to \(url)")
        defer {
            natsConnection_Close(nc)
            natsConnection_Destroy(nc)
        }
        let js = try JetStream.makeContext(nc!, JetStreamOptions(apiTimeout: .seconds(10))) { o in
            o.PublishAsync.MaxPending = Int64(maxInFlight)
            o.PublishAsync.StallWait = 1000
        }
        defer { jsCtx_Destroy(js) }
        let input = "\(prefix)_IN", output = "\(prefix)_OUT"
        let inSubject = "\(prefix.lowercased()).in", outSubject = "\(prefix.lowercased()).out"
        try addStream(js, input, inSubject)
        try addStream(js, output, "\(outSubject).>")
        defer {
            var code = jsErrCode(rawValue: 0)
            js_DeleteStream(js, input, nil, &code)
            js_DeleteStream(js, output, nil, &code)
        }
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: max(payloadSize, 1))
        for _ in 0..<count {
            var s = js_PublishAsync(js, inSubject, payload, Int32(payload.count), nil)
            while s == NATS_TIMEOUT { s = js_PublishAsync(js, inSubject, payload, Int32(payload.count), nil) }
            try check(s, "bench: loading \(input)")
        }
        try complete(js)

        var cc = jsConsumerConfig()
        jsConsumerConfig_Init(&cc)
        let arena = CStringArena()
        cc.Durable = arena.dup("path")
        cc.AckPolicy = js_AckExplicit
        cc.MaxAckPending = -1
        var code = jsErrCode(rawValue: 0)
        try withExtendedLifetime(arena) { () throws(NATSError) in
            var ci: UnsafeMutablePointer<jsConsumerInfo>? = nil
            try check(js_AddConsumer(&ci, js, input, &cc, nil, &code), code, "bench: consumer on \(input)")
            jsConsumerInfo_Destroy(ci)
        }
        var so = jsSubOptions()
        jsSubOptions_Init(&so)
        so.Stream = arena.dup(input)
        so.Consumer = arena.dup("path")
        var sub: OpaquePointer? = nil
        try withExtendedLifetime(arena) { () throws(NATSError) in
            try check(js_PullSubscribe(&sub, js, inSubject, "path", nil, &so, &code), code, "bench: pull subscribe")
        }
        defer {
            natsSubscription_Unsubscribe(sub)
            natsSubscription_Destroy(sub)
        }

        let start = nats_NowInNanoSeconds()
        var done = 0
        var po = jsPubOptions()
        while done < count {
            var list = natsMsgList()
            let s = natsSubscription_Fetch(&list, sub, Int32(min(batch, count - done)), 5000, &code)
            if s != NATS_OK && list.Count == 0 { throw NATSError.fromLastError(s, jsCode: code, context: "bench: fetch") }
            for i in 0..<Int(list.Count) {
                guard let m = list.Msgs[i] else { continue }
                let data = natsMsg_GetData(m), length = natsMsg_GetDataLength(m)
                for k in 0..<2 {
                    let id = "\(done):\(k)"
                    var p: OpaquePointer? = nil
                    try check(natsMsg_Create(&p, "\(outSubject).\(k)", nil, data, length), "bench: message")
                    jsPubOptions_Init(&po)
                    var status: natsStatus = NATS_OK
                    id.withCString { cid in
                        po.MsgId = cid
                        repeat { status = js_PublishMsgAsync(js, &p, &po) } while status == NATS_TIMEOUT
                    }
                    if p != nil { natsMsg_Destroy(p) }
                    try check(status, "bench: publish")
                }
                natsMsg_Ack(m, nil)
                done += 1
            }
            natsMsgList_Destroy(&list)
        }
        try complete(js)
        return Result(messages: done, seconds: Double(nats_NowInNanoSeconds() - start) / 1e9)
    }

    private static func addStream(_ js: OpaquePointer, _ name: String, _ subject: String) throws(NATSError) {
        let arena = CStringArena()
        var cfg = jsStreamConfig()
        jsStreamConfig_Init(&cfg)
        cfg.Name = arena.dup(name)
        cfg.Subjects = arena.array([subject])
        cfg.SubjectsLen = 1
        cfg.Storage = js_FileStorage
        var code = jsErrCode(rawValue: 0)
        try withExtendedLifetime(arena) { () throws(NATSError) in
            var si: UnsafeMutablePointer<jsStreamInfo>? = nil
            try check(js_AddStream(&si, js, &cfg, nil, &code), code, "bench: stream \(name)")
            jsStreamInfo_Destroy(si)
        }
    }

    private static func complete(_ js: OpaquePointer) throws(NATSError) {
        var po = jsPubOptions()
        jsPubOptions_Init(&po)
        po.MaxWait = 60_000
        try check(js_PublishAsyncComplete(js, &po), "bench: waiting for publish acks")
    }
}
