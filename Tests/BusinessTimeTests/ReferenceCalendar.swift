import Foundation
import BusinessTime

/// A deliberately naive re-implementation of the calendar semantics, used as an oracle:
/// local times are resolved by asking Foundation directly, days are walked one by one,
/// and additions walk the intervals linearly. Slow, simple, independent of the engine.
struct ReferenceCalendar {
    let spec: CalendarSpec
    let zone: TimeZone
    /// Merged open intervals (UTC seconds) of the local days in the window.
    let intervals: [(start: Int64, end: Int64)]

    init(_ spec: CalendarSpec, fromDay: LocalDate, toDay: LocalDate) {
        self.spec = spec
        zone = TimeZone(identifier: spec.timeZoneIdentifier)!
        var raw: [(start: Int64, end: Int64)] = []
        var day = fromDay.daysSinceEpoch
        while day < toDay.daysSinceEpoch {
            let dayStart = ReferenceCalendar.resolve(zone, local: day * 86_400)
            let next = ReferenceCalendar.resolve(zone, local: (day + 1) * 86_400)
            if next > dayStart {
                for interval in ReferenceCalendar.hours(spec, day: LocalDate(daysSinceEpoch: day)) {
                    let s = ReferenceCalendar.resolve(zone, local: day * 86_400 + Int64(interval.start))
                    let endLocal = interval.end <= interval.start
                        ? (day + 1) * 86_400 + Int64(interval.end) : day * 86_400 + Int64(interval.end)
                    let e = ReferenceCalendar.resolve(zone, local: endLocal)
                    if s < e { raw.append((s, e)) }
                }
            }
            day += 1
        }
        raw.sort { $0.start < $1.start }
        var merged: [(start: Int64, end: Int64)] = []
        for r in raw {
            if let last = merged.last, r.start <= last.end {
                merged[merged.count - 1].end = max(last.end, r.end)
            } else {
                merged.append(r)
            }
        }
        intervals = merged
    }

    /// The rules' precedence: dated closed, dated hours, yearly or movable closed, weekly.
    /// A movable rule closes a day if its dates for the day's year or a neighbouring one
    /// contain it (checked day by day; the engine finds them once per compiled year).
    static func hours(_ spec: CalendarSpec, day: LocalDate) -> [DailyInterval] {
        var hours: [DailyInterval]? = nil
        for rule in spec.rules {
            if case .closed(let d, _) = rule, d == day { return [] }
            if case .hours(let d, let h, _) = rule, d == day { hours = (hours ?? []) + h }
        }
        if let hours { return hours }
        for rule in spec.rules {
            if case .closedYearly(let m, let d, _) = rule, m == day.month, d == day.day { return [] }
            if case .closedMovable(let movable, _) = rule,
               (day.year - 1...day.year + 1).contains(where: { movable.dates(forYear: $0).contains(day) }) {
                return []
            }
        }
        return spec.weekly.days[day.weekday] ?? []
    }

    /// Local seconds → instant by trying the offsets seen nearby: the earliest instant whose
    /// offset matches; in a gap, shift forward by the gap (use the smaller, earlier offset).
    static func resolve(_ zone: TimeZone, local: Int64) -> Int64 {
        var candidates = Set<Int64>()
        for probe in [local - 86_400, local, local + 86_400] {
            candidates.insert(Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(probe)))))
        }
        let valid = candidates.compactMap { o -> Int64? in
            let t = local - o
            return Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t)))) == o ? t : nil
        }
        if let earliest = valid.min() { return earliest }
        // Gap: the offset before the transition is the one in effect at local - (offset after).
        let before = candidates.map { o in
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - o))))
        }.min()!
        return local - before
    }

    /// Index of the first interval ending after `t` (plain binary search).
    func firstEnding(after t: Int64) -> Int {
        var lo = 0, hi = intervals.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if intervals[mid].end > t { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    func isOpen(_ t: Int64) -> Bool {
        let i = firstEnding(after: t)
        return i < intervals.count && intervals[i].start <= t
    }

    /// Linear walk from `start`.
    func add(_ start: Int64, _ n: Int64) -> Int64? {
        if n == 0 { return start }
        var remaining = n
        for interval in intervals[firstEnding(after: start)...] {
            let from = max(start, interval.start)
            if interval.end - from >= remaining { return from + remaining }
            remaining -= interval.end - from
        }
        return nil
    }

    /// Sum of the overlaps, walking from `a`.
    func between(_ a: Int64, _ b: Int64) -> Int64 {
        var sum: Int64 = 0
        for interval in intervals[firstEnding(after: a)...] {
            if interval.start >= b { break }
            sum += max(0, min(interval.end, b) - max(interval.start, a))
        }
        return sum
    }
}

/// SplitMix64: a small seeded generator so that random tests are deterministic.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    /// A random calendar: 0-3 non-overlapping intervals per weekday (some crossing
    /// midnight, some whole days, boundaries at odd minutes that land in DST gaps),
    /// plus holidays, yearly holidays and special-hours days in `years`.
    mutating func calendarSpec(zone: String, years: ClosedRange<Int>) -> CalendarSpec {
        var days: [Weekday: [DailyInterval]] = [:]
        for day in Weekday.allCases {
            days[day] = dayIntervals()
        }
        if days.values.allSatisfy(\.isEmpty) { days[.wednesday] = [DailyInterval("09:00-17:00")!] }
        var rules: [DayRule] = []
        var specialDays = Set<LocalDate>()
        for _ in 0..<Int.random(in: 0...30, using: &self) {
            let d = LocalDate(
                year: Int.random(in: years, using: &self), month: Int.random(in: 1...12, using: &self),
                day: Int.random(in: 1...28, using: &self))!
            switch Int.random(in: 0..<5, using: &self) {
            case 0: rules.append(.closedYearly(month: d.month, day: d.day, name: "yearly"))
            case 4: rules.append(.closedMovable(movableHoliday(), name: nil))
            case 1 where specialDays.insert(d).inserted: rules.append(.hours(d, dayIntervals(), name: nil))
            default: rules.append(.closed(d, name: "holiday"))
            }
        }
        return CalendarSpec(id: "random", timeZoneIdentifier: zone, weekly: WeeklySchedule(days: days), rules: rules)
    }

    /// Any movable rule: an n-th or last weekday, an Easter offset, an observed date.
    mutating func movableHoliday() -> MovableHoliday {
        let weekday = Weekday(rawValue: Int.random(in: 1...7, using: &self))!
        let month = Int.random(in: 1...12, using: &self)
        switch Int.random(in: 0..<4, using: &self) {
        case 0: return .nthWeekday(ordinal: Int.random(in: 1...5, using: &self), weekday, month: month)
        case 1: return .lastWeekday(weekday, month: month)
        case 2: return .easter(offset: Int.random(in: MovableHoliday.easterOffsets, using: &self))
        default: return .observed(month: month, day: Int.random(in: 1...LocalDate.daysInMonth(year: 2024, month: month), using: &self))
        }
    }

    mutating func dayIntervals() -> [DailyInterval] {
        switch Int.random(in: 0..<10, using: &self) {
        case 0: return []
        case 1: return [DailyInterval(start: 0, end: 86_400)!]
        case 2: return [DailyInterval(start: 22 * 3600, end: 6 * 3600)!]
        case 3: return [DailyInterval(start: 2 * 3600 + 30 * 60, end: 10 * 3600)!]
        default:
            let count = Int.random(in: 1...3, using: &self)
            var cuts = (0..<(2 * count)).map { _ in Int32.random(in: 0..<1440, using: &self) * 60 }
            cuts = Array(Set(cuts)).sorted()
            var result: [DailyInterval] = []
            var i = 0
            while i + 1 < cuts.count {
                result.append(DailyInterval(start: cuts[i], end: cuts[i + 1])!)
                i += 2
            }
            // Sometimes let the last one cross midnight.
            if let last = result.last, Bool.random(using: &self), last.end > last.start {
                let early = Int32.random(in: 0..<(result[0].start / 60 + 1), using: &self) * 60
                result[result.count - 1] = DailyInterval(start: last.start, end: early) ?? last
            }
            return result
        }
    }
}
