public import BusinessTime
public import MeridianServices
import Synchronization

/// A clock that moves only when a test says so.
///
/// Sleepers wake when `advance` reaches their deadline, so a test can assert the
/// exact instant an alert fires without sleeping for real.
public final class ManualClock: ServiceClock {
    private struct State {
        var now: Instant
        var nextID = 0
        var sleepers: [Int: (deadline: Instant, continuation: CheckedContinuation<Void, any Error>)] = [:]
    }

    private let state: Mutex<State>

    /// A clock that reads `start` until advanced.
    public init(_ start: Instant) {
        state = Mutex(State(now: start))
    }

    public func now() -> Instant {
        state.withLock { $0.now }
    }

    /// The number of tasks waiting in `sleep(until:)`: lets a test wait until a
    /// service has armed its timer before moving time.
    public var sleeperCount: Int {
        state.withLock { $0.sleepers.count }
    }

    /// Moves time forward to `instant` (never backwards) and wakes every sleeper due by then.
    public func advance(to instant: Instant) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard instant > state.now else { return [] }
            state.now = instant
            let ready = state.sleepers.filter { $0.value.deadline <= instant }
            for id in ready.keys { state.sleepers[id] = nil }
            return ready.map(\.value.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Moves time forward by `seconds`.
    public func advance(by seconds: Int64) {
        advance(to: now() + seconds)
    }

    public func sleep(until deadline: Instant) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.now >= deadline || Task.isCancelled { return true }
                    state.sleepers[id] = (deadline, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { $0.sleepers.removeValue(forKey: id)?.continuation }
            continuation?.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
