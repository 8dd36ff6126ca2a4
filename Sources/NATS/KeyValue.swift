import CNATS

/// Configuration of a key-value bucket.
public struct KeyValueConfig: Sendable, Hashable {
    /// Bucket name (letters, digits, `-`, `_`).
    public var bucket: String
    /// Values kept per key (1...64).
    public var history: Int
    /// Maximum age of a value; `nil` for unlimited.
    public var ttl: Duration?
    /// Maximum size of a value in bytes; `nil` for unlimited.
    public var maxValueSize: Int?
    /// Replicas (1, or 3 on a 3-node cluster).
    public var replicas: Int
    /// Storage type.
    public var storage: StreamConfig.Storage
    /// A description.
    public var description: String?

    /// Creates a bucket configuration.
    public init(bucket: String, history: Int = 1, ttl: Duration? = nil, maxValueSize: Int? = nil, replicas: Int = 1,
                storage: StreamConfig.Storage = .file, description: String? = nil) {
        self.bucket = bucket
        self.history = history
        self.ttl = ttl
        self.maxValueSize = maxValueSize
        self.replicas = replicas
        self.storage = storage
        self.description = description
    }
}

/// What a key-value entry records.
public enum KeyValueOperation: Sendable, Hashable {
    /// A value was put.
    case put
    /// The key was deleted.
    case delete
    /// The key and its history were purged.
    case purge
}

/// One revision of a key.
public struct KeyValueEntry: Sendable, Hashable {
    /// The bucket.
    public var bucket: String
    /// The key.
    public var key: String
    /// The value (empty for a delete or purge).
    public var value: [UInt8]
    /// The revision (the stream sequence of this entry).
    public var revision: UInt64
    /// When it was stored, in nanoseconds since 1970-01-01 UTC.
    public var createdNanoseconds: Int64
    /// Entries pending after this one (in a watch).
    public var delta: UInt64
    /// Put, delete or purge.
    public var operation: KeyValueOperation

    /// The value decoded as UTF-8.
    public var string: String { String(decoding: value, as: UTF8.self) }

    init(_ e: OpaquePointer) {
        bucket = String(cString: kvEntry_Bucket(e))
        key = String(cString: kvEntry_Key(e))
        let len = Int(kvEntry_ValueLen(e))
        if len > 0, let p = kvEntry_Value(e) {
            value = Array(UnsafeRawBufferPointer(start: p, count: len))
        } else {
            value = []
        }
        revision = kvEntry_Revision(e)
        createdNanoseconds = kvEntry_Created(e)
        delta = kvEntry_Delta(e)
        operation = switch kvEntry_Operation(e) {
        case kvOp_Delete: .delete
        case kvOp_Purge: .purge
        default: .put
        }
    }
}

/// An element of a key-value watch.
public enum KeyValueWatchEvent: Sendable, Hashable {
    /// A put, delete or purge of a watched key.
    case entry(KeyValueEntry)
    /// The current values that existed when the watch started have all been delivered.
    case initialValuesDone
}

/// A key-value bucket. `put` awaits its acknowledgment without a thread; every other call waits
/// for the server on the module's blocking thread pool.
/// The C store is destroyed in `deinit`.
public final class KeyValueBucket: Sendable {
    /// The bucket name.
    public let name: String
    /// The JetStream context.
    public let jetStream: JetStream
    nonisolated(unsafe) let kv: OpaquePointer

    init(name: String, jetStream: JetStream, kv: OpaquePointer) {
        self.name = name
        self.jetStream = jetStream
        self.kv = kv
    }

    deinit { kvStore_Destroy(kv) }

    /// The latest entry of `key`, or `nil` if it does not exist or was deleted.
    public func get(_ key: String) async throws(NATSError) -> KeyValueEntry? {
        try await BlockingPool.shared.run { () throws(NATSError) -> KeyValueEntry? in
            var e: OpaquePointer? = nil
            let s = kvStore_Get(&e, self.kv, key)
            if s == NATS_NOT_FOUND { return nil }
            try check(s, "kv get \(self.name)/\(key)")
            defer { kvEntry_Destroy(e) }
            return KeyValueEntry(e!)
        }
    }

    /// Stores `value` under `key`; returns the new revision.
    ///
    /// What `kvStore_Put` does (a JetStream publish to `$KV.<bucket>.<key>`, the stored sequence
    /// is the revision), but awaiting the acknowledgment without a thread (``JetStream/publish(_:payload:headers:messageID:expectedStream:)``).
    /// - Throws: ``NATSError`` with ``NATSStatus/invalidArgument`` for a key cnats would refuse.
    @discardableResult
    public func put(_ key: String, _ value: some Collection<UInt8>) async throws(NATSError) -> UInt64 {
        guard Self.isValidKey(key) else {
            throw NATSError(status: .invalidArgument, text: "kv put \(name)/\(key): invalid key")
        }
        do {
            return try await jetStream.publish("$KV.\(name).\(key)", payload: value).sequence
        } catch {
            throw NATSError(status: error.status, jetStreamCode: error.jetStreamCode, text: "kv put \(name)/\(key): \(error.text)")
        }
    }

    /// cnats' key rule: not empty, no leading or trailing `.`, only `[A-Za-z0-9-_=./]`.
    static func isValidKey(_ key: String) -> Bool {
        let utf8 = key.utf8
        guard let first = utf8.first, let last = utf8.last, first != UInt8(ascii: "."), last != UInt8(ascii: ".") else {
            return false
        }
        return utf8.allSatisfy { c in
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "="), UInt8(ascii: "."), UInt8(ascii: "/"):
                true
            default:
                false
            }
        }
    }

    /// Stores `value` only if `key` does not exist (or was deleted); returns the revision.
    /// - Throws: ``NATSError`` (JetStream code 10071, wrong last sequence) if the key exists.
    @discardableResult
    public func create(_ key: String, _ value: some Collection<UInt8>) async throws(NATSError) -> UInt64 {
        let bytes = Array(value)
        return try await BlockingPool.shared.run { () throws(NATSError) -> UInt64 in
            var rev: UInt64 = 0
            try checkKV(kvStore_Create(&rev, self.kv, key, bytes, Int32(bytes.count)), "kv create \(self.name)/\(key)")
            return rev
        }
    }

    /// Stores `value` only if the latest revision of `key` is `expectedRevision`; returns the new one.
    /// - Throws: ``NATSError`` (JetStream code 10071, wrong last sequence) if the revision is stale.
    @discardableResult
    public func update(_ key: String, _ value: some Collection<UInt8>, expectedRevision: UInt64) async throws(NATSError) -> UInt64 {
        let bytes = Array(value)
        return try await BlockingPool.shared.run { () throws(NATSError) -> UInt64 in
            var rev: UInt64 = 0
            try checkKV(kvStore_Update(&rev, self.kv, key, bytes, Int32(bytes.count), expectedRevision),
                        "kv update \(self.name)/\(key) at revision \(expectedRevision)")
            return rev
        }
    }

    /// Deletes `key` (a delete marker is stored; history is kept).
    public func delete(_ key: String) async throws(NATSError) {
        try await BlockingPool.shared.run { () throws(NATSError) in
            try check(kvStore_Delete(self.kv, key), "kv delete \(self.name)/\(key)")
        }
    }

    /// Watches `keys` (a key or a pattern with `*` / `>`; default all): first the current values
    /// (unless `updatesOnly`), then ``KeyValueWatchEvent/initialValuesDone``, then every change.
    /// The watch stops when the last reference to the returned sequence goes away or the task
    /// iterating it is cancelled. It runs on a thread of its own while it lives.
    public func watch(_ keys: String = ">", includeHistory: Bool = false, ignoreDeletes: Bool = false,
                      updatesOnly: Bool = false) async throws(NATSError) -> KeyValueWatch {
        let watcher = try await BlockingPool.shared.run { () throws(NATSError) -> SendablePointer in
            var o = kvWatchOptions()
            kvWatchOptions_Init(&o)
            o.IncludeHistory = includeHistory
            o.IgnoreDeletes = ignoreDeletes
            var w: OpaquePointer? = nil
            try check(kvStore_Watch(&w, self.kv, keys, &o), "kv watch \(self.name)/\(keys)")
            return SendablePointer(w!)
        }
        let owner = KeyValueWatcherHandle(watcher: watcher.pointer, bucket: self)
        let buffer = DeliveryBuffer<KeyValueWatchEvent>(capacity: 4096)
        BlockingPool.detach { owner.run(into: buffer, updatesOnly: updatesOnly) }
        return KeyValueWatch(owner: owner, buffer: buffer)
    }
}

/// Maps "wrong last sequence" (a stale revision or an existing key) to JetStream code 10071.
private func checkKV(_ s: natsStatus, _ context: @autoclosure () -> String) throws(NATSError) {
    guard s != NATS_OK else { return }
    var error = NATSError.fromLastError(s, context: context())
    if error.text.contains("wrong last sequence") { error.jetStreamCode = NATSError.jsWrongLastSequence }
    throw error
}

/// Owns a cnats watcher; the watch loop runs on a pool thread and holds a reference, so the
/// watcher is destroyed only after the loop has stopped.
final class KeyValueWatcherHandle: @unchecked Sendable {
    let watcher: OpaquePointer
    let bucket: KeyValueBucket

    init(watcher: OpaquePointer, bucket: KeyValueBucket) {
        self.watcher = watcher
        self.bucket = bucket
    }

    deinit { kvWatcher_Destroy(watcher) }

    func stop() { kvWatcher_Stop(watcher) }

    /// Blocking loop: delivers entries until stopped or the consumer is gone.
    func run(into buffer: DeliveryBuffer<KeyValueWatchEvent>, updatesOnly: Bool) {
        var initialDone = false
        while !buffer.isConsumerGone {
            var e: OpaquePointer? = nil
            let s = kvWatcher_Next(&e, watcher, 250)
            if s == NATS_TIMEOUT { continue }
            if s != NATS_OK {
                if buffer.isConsumerGone { break }
                buffer.finish(s == NATS_ILLEGAL_STATE || s == NATS_INVALID_SUBSCRIPTION || s == NATS_CONNECTION_CLOSED
                              ? nil : NATSError.fromLastError(s, context: "kv watch \(bucket.name)"))
                return
            }
            guard let e else {
                // cnats' marker: the initial values have been delivered.
                if !initialDone {
                    initialDone = true
                    buffer.push(.initialValuesDone)
                }
                continue
            }
            let entry = KeyValueEntry(e)
            kvEntry_Destroy(e)
            if updatesOnly && !initialDone { continue }
            buffer.push(.entry(entry))
        }
        buffer.finish()
    }
}

/// A key-value watch as an `AsyncSequence` of ``KeyValueWatchEvent``; iterate from one task.
public final class KeyValueWatch: AsyncSequence, Sendable {
    public typealias Element = KeyValueWatchEvent
    public typealias Failure = NATSError

    let owner: KeyValueWatcherHandle
    let buffer: DeliveryBuffer<KeyValueWatchEvent>

    init(owner: KeyValueWatcherHandle, buffer: DeliveryBuffer<KeyValueWatchEvent>) {
        self.owner = owner
        self.buffer = buffer
    }

    deinit {
        buffer.consumerDone()
        let owner = self.owner
        BlockingPool.shared.submit { owner.stop() }   // stopping may talk to the server
    }

    /// Stops the watch; iteration ends after the events already received.
    public func stop() {
        let owner = self.owner
        BlockingPool.shared.submit { owner.stop() }
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator { Iterator(watch: self) }

    /// Iterates watch events.
    public struct Iterator: AsyncIteratorProtocol {
        let watch: KeyValueWatch
        var batch: [KeyValueWatchEvent] = []
        var index = 0

        /// The next event; `nil` when the watch stopped or the task was cancelled.
        public mutating func next() async throws(NATSError) -> KeyValueWatchEvent? {
            if index < batch.count {
                defer { index += 1 }
                return batch[index]
            }
            batch.removeAll(keepingCapacity: true)
            index = 0
            let (more, error) = await watch.buffer.take(into: &batch)
            if let error { throw error }
            guard more else { return nil }
            index = 1
            return batch[0]
        }
    }
}

extension JetStream {
    /// Creates a key-value bucket, or binds to it if it exists (with its existing configuration,
    /// if that differs: a bucket is never deleted or re-created).
    public func createKeyValue(_ config: KeyValueConfig) async throws(NATSError) -> KeyValueBucket {
        try await BlockingPool.shared.run { () throws(NATSError) -> KeyValueBucket in
            let arena = CStringArena()
            var c = kvConfig()
            kvConfig_Init(&c)
            c.Bucket = arena.dup(config.bucket)
            c.Description = arena.dup(config.description)
            c.History = UInt8(clamping: config.history)
            if let ttl = config.ttl { c.TTL = ttl.nanoseconds }
            if let size = config.maxValueSize { c.MaxValueSize = Int32(clamping: size) }
            c.Replicas = Int32(config.replicas)
            c.StorageType = config.storage == .file ? js_FileStorage : js_MemoryStorage
            var kv: OpaquePointer? = nil
            let s = withExtendedLifetime(arena) { js_CreateKeyValue(&kv, self.js, &c) }
            if s != NATS_OK {
                let error = NATSError.fromLastError(s, context: "creating key-value bucket \(config.bucket)")
                // It exists with another configuration: bind to it as it is (never delete a bucket).
                var existing: OpaquePointer? = nil
                if js_KeyValue(&existing, self.js, config.bucket) == NATS_OK, let existing {
                    return KeyValueBucket(name: config.bucket, jetStream: self, kv: existing)
                }
                throw error
            }
            return KeyValueBucket(name: config.bucket, jetStream: self, kv: kv!)
        }
    }

    /// Binds to an existing key-value bucket.
    public func keyValue(_ bucket: String) async throws(NATSError) -> KeyValueBucket {
        try await BlockingPool.shared.run { () throws(NATSError) -> KeyValueBucket in
            var kv: OpaquePointer? = nil
            try check(js_KeyValue(&kv, self.js, bucket), "binding key-value bucket \(bucket)")
            return KeyValueBucket(name: bucket, jetStream: self, kv: kv!)
        }
    }
}
