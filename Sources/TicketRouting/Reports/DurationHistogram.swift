/// A compact histogram of durations in seconds, for percentiles without keeping the values.
///
/// Buckets are exact to the minute below 24 hours, to 15 minutes below 30 days, and one
/// bucket holds everything longer. Stored sparsely: a group's memory is bounded by its
/// distinct buckets (at most 4,225), not by how many values it saw.
public struct DurationHistogram: Sendable, Equatable {
    private var counts: [Int32: Int] = [:]
    /// How many values were added.
    public private(set) var count = 0

    public init() {}

    static let minute: Int64 = 60
    static let quarter: Int64 = 900
    static let day: Int64 = 86_400
    static let month: Int64 = 30 * 86_400

    /// Adds one duration; negative values count as 0.
    /// - Complexity: O(1) expected.
    public mutating func add(_ seconds: Int64) {
        counts[DurationHistogram.bucket(max(0, seconds)), default: 0] += 1
        count += 1
    }

    /// The bucket of a duration: minutes below a day, quarter hours below 30 days, then one.
    static func bucket(_ seconds: Int64) -> Int32 {
        if seconds < day { return Int32(seconds / minute) }
        if seconds < month { return Int32(day / minute + (seconds - day) / quarter) }
        return Int32(day / minute + (month - day) / quarter)
    }

    /// The smallest duration of a bucket.
    static func lowerBound(_ bucket: Int32) -> Int64 {
        let perDay = Int32(day / minute)
        if bucket < perDay { return Int64(bucket) * minute }
        return day + Int64(bucket - perDay) * quarter
    }

    /// The nearest-rank percentile (`fraction` in 0...1): the lower bound of the bucket
    /// holding the value of rank ⌈fraction × count⌉ (at least 1); nil when empty.
    /// Exact for durations that are whole minutes below a day.
    /// - Complexity: O(b log b) for b distinct buckets.
    public func percentile(_ fraction: Double) -> Int64? {
        guard count > 0 else { return nil }
        let clamped = fraction.isNaN ? 0.5 : min(max(fraction, 0), 1)
        let rank = max(1, Int((clamped * Double(count)).rounded(.up)))
        var seen = 0
        for (bucket, n) in counts.sorted(by: { $0.key < $1.key }) {
            seen += n
            if seen >= rank { return DurationHistogram.lowerBound(bucket) }
        }
        return nil
    }

    /// Distinct buckets in use (the histogram's size).
    public var bucketCount: Int { counts.count }
}
