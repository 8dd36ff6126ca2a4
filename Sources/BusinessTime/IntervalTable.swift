import Foundation

/// The open intervals of a calendar in UTC over a range of local days, merged, with
/// cumulative business seconds and two bucket indexes: the data structure every
/// operation jumps into.
///
/// Interval `i` is `[starts[i], starts[i] + cum[i+1] - cum[i])`; `cum[i]` is the number
/// of business seconds in `[lo, starts[i])`. Intervals are sorted, non-empty, and neither
/// overlap nor touch (touching ones are merged, so a 24x7 calendar is one interval).
/// The table is exact for instants in `[lo, hi)`: intervals are clipped to that range.
/// Immutable once built; shared by reference between threads.
final class IntervalTable: @unchecked Sendable {
    /// Local days (since 1970-01-01) whose intervals are included: `[firstDay, endDay)`.
    let firstDay: Int64
    let endDay: Int64
    /// Instants covered exactly: `[lo, hi)`, the UTC instants of local midnight of
    /// `firstDay` and `endDay`.
    let lo: Int64
    let hi: Int64
    /// Number of intervals.
    let count: Int
    /// Interval starts, `count` entries.
    let starts: UnsafeMutablePointer<Int64>
    /// Cumulative business seconds before each interval, `count + 1` entries.
    let cum: UnsafeMutablePointer<Int64>
    /// `buckets[b]`: the number of intervals starting at or before `lo + b << bucketShift`,
    /// so the intervals starting in bucket `b` are `buckets[b] ..< buckets[b + 1]`.
    /// Turns the search for an instant into a jump plus a search among a handful.
    let buckets: UnsafeMutablePointer<Int32>
    let bucketCount: Int
    /// Buckets are 2^16 s (about 18 hours) wide.
    static let bucketShift: Int64 = 16
    /// `sumBuckets[c]`: the first `k` in `1...count` with `cum[k] >= c << sumShift`, so the
    /// interval where a sum of business seconds ends is found by a jump too.
    let sumBuckets: UnsafeMutablePointer<Int32>
    let sumBucketCount: Int
    /// About one interval's worth of business seconds per sum bucket.
    let sumShift: Int64
    /// The zone's offsets around `[lo, hi)`, for local-time conversions.
    let zone: ZoneTable

    init(firstDay: Int64, endDay: Int64, lo: Int64, hi: Int64, intervals: [(Int64, Int64)], zone: ZoneTable) {
        self.firstDay = firstDay
        self.endDay = endDay
        self.lo = lo
        self.hi = hi
        self.zone = zone
        count = intervals.count
        starts = .allocate(capacity: max(count, 1))
        cum = .allocate(capacity: count + 1)
        var total: Int64 = 0
        cum[0] = 0
        for (i, (s, e)) in intervals.enumerated() {
            starts[i] = s
            total += e - s
            cum[i + 1] = total
        }
        // Sum buckets: width the power of two at or below the mean interval length.
        let mean = max(total / Int64(max(count, 1)), 1)
        sumShift = Int64(63 - mean.leadingZeroBitCount)
        sumBucketCount = Int(total >> sumShift) + 2
        sumBuckets = .allocate(capacity: sumBucketCount)
        var k = 1
        for c in 0..<sumBucketCount {
            let sum = Int64(c) << sumShift
            while k < count, cum[k] < sum { k += 1 }
            sumBuckets[c] = Int32(k)
        }
        bucketCount = Int((hi - lo) >> IntervalTable.bucketShift) + 2
        buckets = .allocate(capacity: bucketCount)
        var i = 0
        for b in 0..<bucketCount {
            let bucketStart = lo + Int64(b) << IntervalTable.bucketShift
            while i < count, starts[i] <= bucketStart { i += 1 }
            buckets[b] = Int32(i)
        }
    }

    deinit {
        starts.deallocate()
        cum.deallocate()
        buckets.deallocate()
        sumBuckets.deallocate()
    }

    /// Business seconds in the whole table.
    @inline(__always) var total: Int64 { cum[count] }

    /// Bytes held by the table (intervals and zone offsets), for memory reports.
    var byteCount: Int {
        (2 * count + 1) * MemoryLayout<Int64>.stride + (bucketCount + sumBucketCount) * MemoryLayout<Int32>.stride
            + zone.transitions.count * 12 + 8 + MemoryLayout<IntervalTable>.size
    }

    @inline(__always) func end(_ i: Int) -> Int64 { starts[i] + (cum[i + 1] - cum[i]) }

    /// Index of the last interval starting at or before `t`, or -1.
    /// - Complexity: O(1) for `t` in `[lo, hi]`: a bucket jump, then a binary search among
    ///   the intervals starting in that bucket (usually 0–2). O(log count) outside.
    @inline(__always)
    func lastStart(atOrBefore t: Int64) -> Int {
        var low: Int, high: Int
        if t >= lo && t <= hi {
            let b = Int((t - lo) >> IntervalTable.bucketShift)
            // All starts <= bucket start are before `low`; all starts > next bucket start from `high`.
            low = Int(buckets[b])
            high = Int(buckets[b + 1])
        } else if t < lo {
            return -1
        } else {
            return count - 1
        }
        // First index in [low, high) with start > t.
        while low < high {
            let mid = (low + high) >> 1
            if starts[mid] <= t { low = mid + 1 } else { high = mid }
        }
        return low - 1
    }

    /// Business seconds in `[lo, t)`; `t` must be in `[lo, hi]`.
    /// - Complexity: O(1) (see `lastStart(atOrBefore:)`).
    @inline(__always)
    func businessSeconds(before t: Int64) -> Int64 {
        let i = lastStart(atOrBefore: t)
        if i < 0 { return 0 }
        return cum[i] + min(t - starts[i], cum[i + 1] - cum[i])
    }

    /// The earliest instant by which `target` business seconds (counted from `lo`) have
    /// elapsed; `target` must be in `1...total`.
    /// - Complexity: O(1): a jump to the sum bucket of `target`, then a binary search among
    ///   the intervals ending in it (about one).
    @inline(__always)
    func instant(atBusinessSeconds target: Int64) -> Int64 {
        // First k in 1...count with cum[k] >= target; the answer lies in interval k-1.
        let c = Int(target >> sumShift)
        var low = Int(sumBuckets[c]), high = Int(sumBuckets[c + 1])
        while low < high {
            let mid = (low + high) >> 1
            if cum[mid] < target { low = mid + 1 } else { high = mid }
        }
        let j = low - 1
        return starts[j] + (target - cum[j])
    }

    /// The interval containing `t` or the first one after it, as an index; `count` if none.
    /// - Complexity: O(log count).
    @inline(__always)
    func intervalContainingOrAfter(_ t: Int64) -> Int {
        let i = lastStart(atOrBefore: t)
        if i >= 0, t < end(i) { return i }
        return i + 1
    }
}

/// Compiles a calendar's rules into interval tables for ranges of local days.
struct CalendarCompiler: Sendable {
    let rules: DayRules
    let timeZone: TimeZoneBox

    /// Builds the table for local days `[firstDay, endDay)`.
    ///
    /// Each day's intervals are placed in UTC by resolving their local start and end
    /// (`ZoneTable.resolve`: a non-existent boundary shifts forward by the gap, an ambiguous
    /// one takes the earlier occurrence); an end that resolves at or before its start leaves
    /// nothing. A local date that did not exist at all (Pacific/Apia 2011-12-30) has no
    /// open time. Intervals are then clipped to the table's range and merged.
    /// - Complexity: O(days + transitions + years × movable rules), a few Foundation calls
    ///   per transition.
    func compile(firstDay: Int64, endDay: Int64) -> IntervalTable {
        let margin: Int64 = 3 * 86_400
        let zone = ZoneTable(timeZone.value, from: (firstDay - 1) * 86_400 - margin, to: endDay * 86_400 + margin)
        let lo = zone.resolve(local: firstDay * 86_400)
        let hi = zone.resolve(local: endDay * 86_400)
        var intervals: [(Int64, Int64)] = []
        intervals.reserveCapacity(Int(endDay - firstDay + 1) * max(1, rules.weekly.map(\.count).max() ?? 1))
        // Movable holidays (Easter, n-th weekdays, observed days): once per year of the range.
        let movableDays = rules.movableDays((firstDay - 1)..<endDay)
        var dayStart = zone.resolve(local: (firstDay - 1) * 86_400)
        // Most days are more than two days from any transition: then every local time of
        // the day and the next resolves with one offset. `k` walks the segments.
        let transitions = zone.transitions, offsets = zone.offsets
        var k = 0
        for day in (firstDay - 1)..<endDay {
            let base = day * 86_400
            while k < transitions.count, transitions[k] + Int64(offsets[k]) <= base { k += 1 }
            let fast = (k == 0 || transitions[k - 1] + Int64(max(offsets[k - 1], offsets[k])) <= base)
                && (k == transitions.count || base + 2 * 86_400 < transitions[k] + Int64(offsets[k]))
            let offset = Int64(offsets[k])
            @inline(__always) func resolve(_ local: Int64) -> Int64 {
                fast ? local - offset : zone.resolve(local: local)
            }
            let nextDayStart = resolve(base + 86_400)
            defer { dayStart = nextDayStart }
            let local = rules.intervals(onDay: day, movableDays: movableDays)
            if local.isEmpty || nextDayStart == dayStart { continue }
            for interval in local {
                var s = interval.start == 0 ? dayStart : resolve(base + Int64(interval.start))
                var e: Int64
                if interval.crossesMidnight {
                    e = interval.end == 0 ? nextDayStart : resolve(base + 86_400 + Int64(interval.end))
                } else {
                    e = interval.end == 86_400 ? nextDayStart : resolve(base + Int64(interval.end))
                }
                s = max(s, lo)
                e = min(e, hi)
                guard s < e else { continue }
                if let last = intervals.last, s <= last.1 {
                    if e > last.1 { intervals[intervals.count - 1].1 = e }
                } else {
                    intervals.append((s, e))
                }
            }
        }
        return IntervalTable(firstDay: firstDay, endDay: endDay, lo: lo, hi: hi, intervals: intervals, zone: zone)
    }
}

/// Foundation's `TimeZone`, held where a `Sendable` value is needed.
struct TimeZoneBox: Sendable {
    let value: TimeZone
}
