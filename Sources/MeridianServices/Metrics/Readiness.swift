import Synchronization

/// What `/readyz` answers: a service is ready once its streams and consumers are set up and
/// the replay of the event log has caught up. The service marks both; the metrics server reads.
public final class Readiness: Sendable {
    private let state = Mutex((setUp: false, caughtUp: false))

    public init() {}

    /// Streams, consumers (and bucket) exist.
    public func markSetUp() { state.withLock { $0.setUp = true } }

    /// The event log replay caught up.
    public func markCaughtUp() { state.withLock { $0.caughtUp = true } }

    /// Nil when ready; otherwise why not.
    public var problem: String? {
        let now = state.withLock { $0 }
        if !now.setUp { return "the streams and consumers are not set up yet" }
        if !now.caughtUp { return "the event log replay has not caught up yet" }
        return nil
    }
}
