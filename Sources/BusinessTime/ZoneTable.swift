import Foundation

/// The UTC offsets of one time zone over a range of instants, read once from Foundation's
/// `TimeZone` so that local-time conversions during arithmetic never call Foundation.
///
/// Segment `k` (0...transitions.count) covers the instants
/// `[transitions[k-1], transitions[k])` (unbounded at both ends) with offset `offsets[k]`.
struct ZoneTable: Sendable {
    /// Instants (Unix seconds) at which the offset changes, ascending.
    let transitions: [Int64]
    /// `offsets[k]`: seconds east of UTC in segment `k`; one more entry than `transitions`.
    let offsets: [Int32]
    /// Instants for which the table is exact (transitions outside it were not read).
    let validFrom: Int64
    let validTo: Int64

    /// Reads the offsets of `timeZone` for the instants in `[from, to]`.
    /// - Complexity: O(number of transitions in the range) calls into Foundation.
    init(_ timeZone: TimeZone, from: Int64, to: Int64) {
        var transitions: [Int64] = []
        var offsets: [Int32] = [Int32(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(from))))]
        var cursor = Date(timeIntervalSince1970: Double(from))
        while let next = timeZone.nextDaylightSavingTimeTransition(after: cursor) {
            guard let t = CheckedConversion.rounded(next.timeIntervalSince1970, in: Int64.min...Int64.max), t <= to
            else { break }
            let offset = Int32(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))))
            if offset != offsets[offsets.count - 1] {
                transitions.append(t)
                offsets.append(offset)
            }
            // Guard against a transition API that returns its argument.
            cursor = next > cursor ? next : cursor.addingTimeInterval(1)
        }
        self.transitions = transitions
        self.offsets = offsets
        self.validFrom = from
        self.validTo = to
    }

    /// Whether `t` lies in the range this table was read for.
    @inline(__always)
    func covers(_ t: Int64) -> Bool { t >= validFrom && t <= validTo }

    /// The offset in effect at instant `t`.
    /// - Complexity: O(log transitions).
    func offset(at t: Int64) -> Int32 {
        // Number of transitions <= t.
        var lo = 0, hi = transitions.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if transitions[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return offsets[lo]
    }

    /// The instant of a local wall-clock time, given as "local seconds"
    /// (local days since 1970-01-01 × 86400 + second of day).
    ///
    /// A local time that does not exist (in a gap, spring forward) is shifted forward by
    /// the length of the gap; an ambiguous one (fall back) resolves to the earlier instant.
    /// The function is monotone: a later local time never resolves to an earlier instant.
    /// - Complexity: O(log transitions).
    func resolve(local: Int64) -> Int64 {
        // First segment whose local end (transitions[k] + offsets[k]) is after `local`;
        // local ends ascend because segments last far longer than offset changes.
        var lo = 0, hi = transitions.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if local < transitions[mid] + Int64(offsets[mid]) { hi = mid } else { lo = mid + 1 }
        }
        let k = lo
        if k == 0 || local >= transitions[k - 1] + Int64(offsets[k]) {
            return local - Int64(offsets[k])  // exists (earliest occurrence if ambiguous)
        }
        // In the gap before transitions[k-1]: shift forward by the gap.
        return local - Int64(offsets[k - 1])
    }
}
