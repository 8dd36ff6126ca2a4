import Foundation

/// What a region must answer in one interval: the input of the Erlang C staffing model.
///
/// Every field is range-checked by `init` (finite, positive, bounded), so the model below
/// never sees NaN, infinity, zero or a load too large to search.
public struct StaffingDemand: Hashable, Sendable {
    /// Most arrivals per hour accepted (about 280 tickets a second).
    public static let maxArrivalsPerHour = 1_000_000.0
    /// Longest handle time and answer target accepted, in seconds (one day).
    public static let maxSeconds = 86_400.0
    /// Largest offered load accepted, in erlangs (busy workers on average).
    public static let maxLoad = 100_000.0

    /// Mean arrivals per hour (λ).
    public let arrivalsPerHour: Double
    /// Mean time a worker spends on one item, in seconds (h).
    public let handleTimeSeconds: Double
    /// The answer target, in seconds (t): an item is answered in time if it waits at most this long.
    public let answerWithinSeconds: Double
    /// The share of items to answer within the target (P), strictly between 0 and 1.
    public let serviceLevel: Double

    /// A checked demand.
    /// - Throws: `CapacityError` naming the first value out of range.
    public init(arrivalsPerHour: Double, handleTimeSeconds: Double, answerWithinSeconds: Double,
                serviceLevel: Double) throws(CapacityError) {
        guard arrivalsPerHour.isFinite, arrivalsPerHour > 0, arrivalsPerHour <= Self.maxArrivalsPerHour else {
            throw .arrivalsOutOfRange(arrivalsPerHour)
        }
        guard handleTimeSeconds.isFinite, handleTimeSeconds > 0, handleTimeSeconds <= Self.maxSeconds else {
            throw .handleTimeOutOfRange(handleTimeSeconds)
        }
        guard answerWithinSeconds.isFinite, answerWithinSeconds >= 0, answerWithinSeconds <= Self.maxSeconds else {
            throw .answerWithinOutOfRange(answerWithinSeconds)
        }
        guard serviceLevel.isFinite, serviceLevel > 0, serviceLevel < 1 else {
            throw .serviceLevelOutOfRange(serviceLevel)
        }
        let load = arrivalsPerHour * handleTimeSeconds / 3600
        guard load <= Self.maxLoad else { throw .loadTooLarge(load) }
        self.arrivalsPerHour = arrivalsPerHour
        self.handleTimeSeconds = handleTimeSeconds
        self.answerWithinSeconds = answerWithinSeconds
        self.serviceLevel = serviceLevel
    }

    /// The offered load a = λ·h in erlangs: the number of workers busy on average.
    public var load: Double { arrivalsPerHour * handleTimeSeconds / 3600 }
}

/// A demand the model refuses, with the value that was out of range.
public enum CapacityError: Error, Hashable, Sendable, CustomStringConvertible {
    case arrivalsOutOfRange(Double)
    case handleTimeOutOfRange(Double)
    case answerWithinOutOfRange(Double)
    case serviceLevelOutOfRange(Double)
    case loadTooLarge(Double)

    public var description: String {
        switch self {
        case .arrivalsOutOfRange(let v):
            "arrivals per hour must be more than 0 and at most 1000000, not \(v)"
        case .handleTimeOutOfRange(let v):
            "the handle time must be more than 0 and at most 24h, not \(v) s"
        case .answerWithinOutOfRange(let v):
            "the answer target must be 0 to 24h, not \(v) s"
        case .serviceLevelOutOfRange(let v):
            "the service level must be more than 0 and less than 1 (e.g. 0.8 or 80%), not \(v)"
        case .loadTooLarge(let v):
            "the offered load (arrivals per hour × handle time) is \(v) erlangs, more than 100000: split the demand"
        }
    }
}

/// The staffing the model recommends and what it predicts for it.
public struct Staffing: Hashable, Sendable {
    /// Workers needed: the fewest for which the predicted service level reaches the target (at least 1).
    public var workers: Int
    /// Predicted share of items answered within the target, 1 − C·e^{−(n−a)t/h}.
    public var serviceLevel: Double
    /// Predicted mean wait before a worker takes an item (average speed of answer), C·h/(n−a), in seconds.
    public var averageWaitSeconds: Double
    /// Predicted share of the workers' time spent on items, a/n.
    public var occupancy: Double
    /// Probability that an item waits at all (Erlang C).
    public var probabilityOfWaiting: Double
}

/// The Erlang C (M/M/n) staffing model: Poisson arrivals, exponential handle times, one
/// queue served by n identical workers, nobody abandons.
///
/// C is computed from the Erlang B recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)),
/// then C = n·B / (n − a·(1 − B)): every step stays in [0, 1], with no factorials or
/// powers that overflow (a textbook a^n/n! overflows a `Double` beyond n ≈ 170).
/// Pure: no I/O, no clock.
public enum ErlangC {
    /// Probability that an item waits, with `workers` workers and offered load `load`
    /// (erlangs); nil unless 0 < load < workers (otherwise the queue grows without bound).
    /// - Complexity: O(`workers`).
    public static func probabilityOfWaiting(workers: Int, load: Double) -> Double? {
        guard load.isFinite, load > 0, workers > 0, Double(workers) > load else { return nil }
        var blocking = 1.0
        for k in 1...workers { blocking = erlangBStep(blocking, k, load) }
        return erlangC(fromBlocking: blocking, workers: workers, load: load)
    }

    /// What `workers` workers achieve against `demand`; nil if they cannot keep up (n ≤ a).
    /// - Complexity: O(`workers`).
    public static func evaluate(workers: Int, demand: StaffingDemand) -> Staffing? {
        guard let c = probabilityOfWaiting(workers: workers, load: demand.load) else { return nil }
        return staffing(workers: workers, waiting: c, demand: demand)
    }

    /// The fewest workers that answer `demand.serviceLevel` of the items within
    /// `demand.answerWithinSeconds`, with the predicted service level, wait and occupancy.
    ///
    /// Searches n = ⌊a⌋ + 1, ⌊a⌋ + 2, … carrying the Erlang B recursion along, so the whole
    /// search costs one pass. It ends: past ⌊a⌋ + 1, B falls faster than geometrically, and
    /// the loop is capped at ⌊a⌋ + 1 + `StaffingDemand.maxLoad` steps regardless.
    /// - Complexity: O(n), n the answer (at most about a + 100000, a ≤ 100000).
    public static func staff(_ demand: StaffingDemand) -> Staffing {
        let load = demand.load
        let first = Int(load.rounded(.down)) + 1   // the fewest workers that keep up (n > a)
        var blocking = 1.0
        for k in 1...first { blocking = erlangBStep(blocking, k, load) }
        var workers = first
        let last = first + Int(StaffingDemand.maxLoad)
        while true {
            let c = erlangC(fromBlocking: blocking, workers: workers, load: load)
            let result = staffing(workers: workers, waiting: c, demand: demand)
            if result.serviceLevel >= demand.serviceLevel || workers == last { return result }
            workers += 1
            blocking = erlangBStep(blocking, workers, load)
        }
    }

    /// B(k) from B(k−1): stays in [0, 1] for any load > 0.
    private static func erlangBStep(_ previous: Double, _ k: Int, _ load: Double) -> Double {
        let x = load * previous
        return x / (Double(k) + x)
    }

    /// C from B; the denominator is at least n − a > 0.
    private static func erlangC(fromBlocking b: Double, workers: Int, load: Double) -> Double {
        let n = Double(workers)
        return min(1, n * b / (n - load * (1 - b)))
    }

    private static func staffing(workers: Int, waiting c: Double, demand: StaffingDemand) -> Staffing {
        let n = Double(workers), a = demand.load, h = demand.handleTimeSeconds
        let spare = n - a
        return Staffing(
            workers: workers,
            serviceLevel: 1 - c * exp(-spare * demand.answerWithinSeconds / h),
            averageWaitSeconds: c * h / spare,
            occupancy: a / n,
            probabilityOfWaiting: c)
    }
}
