public import BusinessTime
public import MeridianServices
import Synchronization

/// The demo's clock: a `ScaledClock` that stands still at its start instant until `begin()`.
///
/// The services are built with the clock before they are running; holding time until the
/// router sees every region's workers keeps the ticket stream's routing the same run after run
/// (a slow start-up must not eat simulated hours).
public final class DemoClock: ServiceClock {
    public let start: Instant
    /// Simulated seconds per real second.
    public let factor: Double
    private let running = Mutex<ScaledClock?>(nil)
    private let started = Gate()

    public init(start: Instant, factor: Double) {
        precondition(factor > 0, "a clock must move forward")
        self.start = start
        self.factor = factor
    }

    /// Starts time moving from `start` (once; later calls do nothing).
    public func begin() {
        let first = running.withLock { clock -> Bool in
            guard clock == nil else { return false }
            clock = ScaledClock(start: start, factor: factor)
            return true
        }
        if first { started.open() }
    }

    public func now() -> Instant {
        running.withLock { $0?.now() } ?? start
    }

    public func sleep(until deadline: Instant) async throws {
        if deadline <= now() { return }
        await started.wait()
        try Task.checkCancellation()
        guard let clock = running.withLock({ $0 }) else { throw CancellationError() }
        try await clock.sleep(until: deadline)
    }
}
