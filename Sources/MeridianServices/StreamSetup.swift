public import NATS
public import TicketRouting

/// What `meridian setup` makes and what each service needs of it: with credentials, routers and
/// workers only check that the set-up exists (they may not create streams or consumers) and name
/// what is missing; without credentials (the demo, a laptop) they create it as before.
extension MeridianStreams {
    /// One JetStream object of the set-up.
    public enum Part: Hashable, Sendable, CustomStringConvertible {
        case stream(String)
        case consumer(stream: String, name: String)
        case bucket(String)

        public var description: String {
            switch self {
            case .stream(let name): "stream \(name)"
            case .consumer(let stream, let name): "consumer \(stream)/\(name)"
            case .bucket(let name): "bucket \(name)"
            }
        }
    }

    /// The streams, the bucket, and the consumers of the router.
    public static func routerParts() -> [Part] {
        [.stream(work), .stream(events), .stream(intake), .bucket(ticketsBucket),
         .consumer(stream: intake, name: intakeConsumer), .consumer(stream: events, name: escalationConsumer)]
            + followUpConsumers.map { .consumer(stream: events, name: $0.name) }
    }

    /// The streams a region's workers use and the region's work consumers.
    public static func workerParts(_ region: RegionID, config: MeridianConfig) -> [Part] {
        [.stream(work), .stream(events)]
            + config.tiers(of: region).sorted().map { .consumer(stream: work, name: workConsumer(region, $0)) }
    }

    /// Everything: what `meridian setup` creates or updates.
    public static func allParts(config: MeridianConfig) -> [Part] {
        var parts = routerParts()
        for region in config.regions { parts += workerParts(region, config: config).filter { !parts.contains($0) } }
        return parts
    }

    /// Creates or updates every stream, the bucket and every consumer of `config`'s regions.
    /// - Returns: what was set up, in order.
    public func setUp(_ js: JetStream, config: MeridianConfig) async throws(NATSError) -> [Part] {
        var mode = self
        mode.createsMissing = true
        try await mode.ensureStreams(js)
        _ = try await mode.ticketsBucket(js)
        _ = try await mode.intakeConsumer(js)
        _ = try await mode.escalationConsumer(js)
        for (name, kind) in Self.followUpConsumers { _ = try await mode.followUpConsumer(js, name: name, kind: kind) }
        for region in config.regions {
            for tier in config.tiers(of: region).sorted() { _ = try await mode.workConsumer(js, region: region, tier: tier) }
        }
        return Self.allParts(config: config)
    }

    /// The parts that do not exist. A part that cannot be inspected for another reason (no
    /// permission, no server) is reported as the error.
    /// - Throws: ``NATSError`` other than "not found".
    public static func missing(_ parts: [Part], in js: JetStream) async throws(NATSError) -> [Part] {
        var missing: [Part] = []
        for part in parts {
            do {
                switch part {
                case .stream(let name): _ = try await js.streamInfo(name)
                case .bucket(let name): _ = try await js.streamInfo("KV_\(name)")
                case .consumer(let stream, let name):
                    if missing.contains(.stream(stream)) { missing.append(part); continue }
                    _ = try await js.consumerInfo(stream: stream, name: name)
                }
            } catch where error.isNotFound {
                missing.append(part)
            }
        }
        return missing
    }

    /// In check-only mode, throws ``SetUpIncomplete`` naming every missing part; otherwise does nothing.
    public func requireSetUp(_ parts: [Part], in js: JetStream) async throws {
        guard !createsMissing else { return }
        let missing = try await Self.missing(parts, in: js)
        if !missing.isEmpty { throw SetUpIncomplete(missing: missing) }
    }
}

/// The JetStream set-up lacks parts a service needs and the service may not create them.
public struct SetUpIncomplete: Error, CustomStringConvertible, Sendable {
    /// What is missing.
    public var missing: [MeridianStreams.Part]

    public var description: String {
        "the JetStream set-up is incomplete: missing \(missing.map(\.description).joined(separator: ", ")); "
            + "run `meridian setup` as admin"
    }
}

extension NATSError {
    /// A JetStream "not found" answer: stream (10059), consumer (10014), or cnats' not-found
    /// (a message). Used by the set-up check and the work-queue census.
    var isNotFound: Bool {
        status == .notFound || jetStreamCode == 10059 || jetStreamCode == 10014
    }
}
