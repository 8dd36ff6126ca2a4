import Foundation
import Histogram
import Synchronization

/// Timing of one phase of `meridian bench e2e`: when each ticket was (meant to be) sent, when
/// its assignment reached the team, as an HdrHistogram of microseconds.
///
/// Closed loop: the send instant is taken just before the request. Open loop (`--rate`): it is
/// the instant the schedule meant the ticket to be sent, so a stall delays the following sends
/// and their latency counts the wait (no coordinated omission).
final class E2ERun: Sendable {
    private struct State {
        var submitted: [String: ContinuousClock.Instant] = [:]
        /// Microseconds, 1 µs ... 10 minutes, 3 significant digits.
        var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000,
                                        numberOfSignificantValueDigits: .three)
        var firstSubmit: ContinuousClock.Instant?
        var lastSubmit: ContinuousClock.Instant?
        var lastDelivery: ContinuousClock.Instant?
        var accepted = 0
        var failed = 0
        var timedOut = 0
        var delivered = 0
        var redelivered = 0
        var done = false
    }

    private let state = Mutex(State())

    init(count: Int) {
        state.withLock { $0.submitted.reserveCapacity(count) }
    }

    func start(at instant: ContinuousClock.Instant = .now) {
        state.withLock { $0.firstSubmit = instant }
    }

    /// `id` is sent now, or was meant to be sent at `intended` (open loop).
    func submitting(_ id: String, intended: ContinuousClock.Instant? = nil) {
        let at = intended ?? .now
        state.withLock { $0.submitted[id] = at }
    }

    func accepted() {
        let now = ContinuousClock.now
        state.withLock {
            $0.accepted += 1
            $0.lastSubmit = now
        }
    }

    func failed(timedOut: Bool) {
        state.withLock {
            $0.failed += 1
            if timedOut { $0.timedOut += 1 }
        }
    }

    func submissionsDone() {
        state.withLock { $0.done = true }
    }

    func delivered(_ id: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard let sent = state.submitted.removeValue(forKey: id) else {
                state.redelivered += 1
                return
            }
            let micros = max(1, sent.duration(to: now).microseconds)
            _ = state.latency.record(UInt64(min(micros, 600_000_000)))
            state.delivered += 1
            state.lastDelivery = now
        }
    }

    var allDelivered: Bool {
        state.withLock { $0.done && $0.delivered >= $0.accepted }
    }

    /// What the phase measured.
    struct Summary {
        var accepted: Int
        var failed: Int
        var timedOut: Int
        var delivered: Int
        var redelivered: Int
        var submitSeconds: Double
        var seconds: Double
        var percentiles: [(label: String, milliseconds: Double)]
        var rate: Double { seconds > 0 ? Double(delivered) / seconds : 0 }
    }

    func summary() -> Summary {
        state.withLock { state in
            let first = state.firstSubmit ?? .now
            let submit = state.lastSubmit.map { first.duration(to: $0).seconds } ?? 0
            let span = state.lastDelivery.map { first.duration(to: $0).seconds } ?? 0
            var percentiles: [(String, Double)] = []
            if state.latency.totalCount > 0 {
                for (label, p) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99.9", 99.9)] {
                    percentiles.append((label, Double(state.latency.valueAtPercentile(p)) / 1000))
                }
                percentiles.append(("max", Double(state.latency.max) / 1000))
            }
            return Summary(accepted: state.accepted, failed: state.failed, timedOut: state.timedOut,
                           delivered: state.delivered, redelivered: state.redelivered, submitSeconds: submit,
                           seconds: span, percentiles: percentiles)
        }
    }
}

/// CPU of the benchmark process and of its nats-server over one phase.
struct E2ECPU {
    let process0 = ProcessCPU.current()
    let serverPID: Int32?
    let server0: ProcessCPU.Sample?

    init(serverPID: Int32?) {
        self.serverPID = serverPID
        self.server0 = serverPID.flatMap { ProcessCPU.of(pid: $0) }
    }

    /// "CPU per routed ticket: meridian 412 µs (user 0.31 s, sys 0.10 s), nats-server 230 µs".
    func line(per count: Int, what: String) -> String {
        guard count > 0 else { return "  CPU: nothing \(what)" }
        let process = ProcessCPU.current() - process0
        let n = Double(count)
        var text = "  CPU per \(what): meridian \(format(process.total * 1e6 / n, 0)) µs "
            + "(user \(format(process.user, 2)) s, sys \(format(process.system, 2)) s)"
        if let serverPID, let server0, let server = ProcessCPU.of(pid: serverPID).map({ $0 - server0 }) {
            text += ", nats-server \(format(server.total * 1e6 / n, 0)) µs"
        }
        return text
    }
}

extension E2ERun.Summary {
    func lines(label: String) -> [String] {
        var out = [String(format: "  %@: submitted %d (accepted %d, failed %d, timed out %d) in %.2f s",
                          label, accepted + failed, accepted, failed, timedOut, submitSeconds)]
        out.append(String(format: "  %@: delivered to teams %d in %.2f s: %.0f routed tickets/s%@", label, delivered,
                          seconds, rate, redelivered > 0 ? ", \(redelivered) redeliveries" : ""))
        if !percentiles.isEmpty {
            out.append("  \(label): intake→worker latency (HdrHistogram) "
                       + percentiles.map { "\($0.label) \(format($0.milliseconds, 2)) ms" }.joined(separator: ", "))
        }
        return out
    }
}

extension Duration {
    var seconds: Double { nanoseconds / 1e9 }
    var microseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000 + atto / 1_000_000_000_000
    }
}

/// Runs blocking work (a cnats loop) on a thread of its own, off Swift's cooperative pool.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
