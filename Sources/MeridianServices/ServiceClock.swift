public import BusinessTime
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The time source of the services: real time in production, a scaled clock in the
/// demo, a manual clock in tests. Due times are computed from `now()`, and timers
/// wait with `sleep(until:)`, so a test can move time and watch alerts fire.
public protocol ServiceClock: Sendable {
    /// The current instant.
    func now() -> Instant
    /// Suspends until `now() >= deadline`.
    /// - Throws: `CancellationError` when the task is cancelled first.
    func sleep(until deadline: Instant) async throws
}

/// Wall-clock time.
public struct SystemClock: ServiceClock {
    public init() {}

    public func now() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Instant(unixSeconds: Int64(ts.tv_sec))
    }

    public func sleep(until deadline: Instant) async throws {
        while true {
            let remaining = deadline - now()
            if remaining <= 0 { return }
            // Wake up at least once a minute: a suspended laptop or a clock step
            // must not delay a breach alert by hours.
            try await Task.sleep(for: .seconds(min(remaining, 60)))
        }
    }
}

/// Simulated time that runs `factor` times faster than real time from `start`:
/// the demo plays a business week in a couple of minutes.
public struct ScaledClock: ServiceClock {
    public let start: Instant
    public let factor: Double
    private let origin: ContinuousClock.Instant

    /// - Parameters:
    ///   - start: the simulated instant at the moment of creation.
    ///   - factor: simulated seconds per real second (e.g. 3600: an hour a second).
    public init(start: Instant, factor: Double) {
        precondition(factor > 0, "a clock must move forward")
        self.start = start
        self.factor = factor
        self.origin = .now
    }

    public func now() -> Instant {
        let elapsed = ContinuousClock.now - origin
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return start + Int64((seconds * factor).rounded(.down))
    }

    public func sleep(until deadline: Instant) async throws {
        while true {
            let remaining = deadline - now()
            if remaining <= 0 { return }
            try await Task.sleep(for: .seconds(Double(remaining) / factor))
        }
    }
}
