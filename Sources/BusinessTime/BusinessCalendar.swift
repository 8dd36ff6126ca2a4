import Foundation

/// An open interval of a calendar in UTC: `[start, end)`.
public struct OpenInterval: Hashable, Sendable, CustomStringConvertible {
    public var start: Instant
    public var end: Instant

    public init(start: Instant, end: Instant) {
        self.start = start
        self.end = end
    }

    /// Its length in seconds.
    public var seconds: Int64 { end - start }

    /// `2026-12-24T07:00:00Z..<2026-12-24T17:00:00Z`.
    public var description: String { "\(start.iso8601)..<\(end.iso8601)" }
}

/// A business calendar: weekly opening hours in an IANA time zone, minus holidays,
/// plus days with special hours. Does business-time arithmetic exact to the second.
///
/// Business seconds are elapsed real seconds inside the open intervals. Intervals are
/// defined in local wall-clock time and measured in real elapsed time, so a 24-hour
/// calendar has a 23-hour day in spring and a 25-hour day in autumn. An interval
/// boundary that does not exist locally (spring forward) shifts forward by the gap; an
/// ambiguous one (fall back) takes the earlier occurrence. A local date that did not exist
/// at all (Pacific/Apia 2011-12-30) has no open time. Touching intervals merge, so a 24x7
/// calendar loses no second at midnight.
///
/// The calendar compiles its open intervals into UTC with cumulative business seconds
/// (local days 2020–2035 at first) and indexes them by instant and by sum, so every
/// operation is a couple of O(1) jumps: no cost grows with the length of the span.
/// Outside that range the table is extended lazily (and thread-safely) up to the
/// ``domain``; the calendar is closed outside the domain.
///
/// A value type that is cheap to copy: copies share one engine, whose tables are
/// immutable and published atomically (readers take no lock). Safe to use from many
/// threads at once.
public struct BusinessCalendar: Sendable, Equatable, CustomStringConvertible {
    /// The calendar's name, e.g. the region id `emea`.
    public var id: String
    let engine: CalendarEngine

    /// The IANA time zone of the calendar's hours, e.g. `Europe/Paris`.
    public var timeZoneIdentifier: String { engine.spec.timeZoneIdentifier }

    /// The spec the calendar was compiled from (with the current `id`).
    public var spec: CalendarSpec {
        var spec = engine.spec
        spec.id = id
        return spec
    }

    /// The instants that carry business time: 1900-01-02T00:00:00Z ..< 2399-12-31T00:00:00Z.
    /// The calendar is closed outside; results that would lie beyond the upper bound are
    /// the upper bound (or the start, if later).
    public static let domain = Instant(unixSeconds: CalendarEngine.domainLower)
        ..< Instant(unixSeconds: CalendarEngine.domainUpper)

    /// Compiles a calendar spec.
    ///
    /// - Throws: `CalendarError.unknownTimeZone` for a zone Foundation does not know;
    ///   `.overlappingIntervals` if one day's intervals overlap; `.noOpenTime` if the
    ///   calendar has no recurring open time (no weekly hours, or yearly holidays on every
    ///   day of the year), which would make `add` unable to finish.
    /// - Complexity: O(days in the initial range, 16 years): about 1 ms in release builds.
    public init(_ spec: CalendarSpec) throws(CalendarError) {
        guard let timeZone = TimeZone(identifier: spec.timeZoneIdentifier) else {
            throw .unknownTimeZone(spec.timeZoneIdentifier)
        }
        let rules = try DayRules(spec)
        engine = try CalendarEngine(spec: spec, compiler: CalendarCompiler(rules: rules, timeZone: TimeZoneBox(value: timeZone)))
        id = spec.id
    }

    /// A calendar open around the clock in UTC, with no holidays.
    /// - Complexity: O(1): all of them share one engine, compiled on first use.
    public static func twentyFourSeven(id: String = "24x7") -> BusinessCalendar {
        var calendar = BusinessCalendar.sharedTwentyFourSeven
        calendar.id = id
        return calendar
    }

    /// One engine for every UTC 24x7 calendar of the process.
    private static let sharedTwentyFourSeven: BusinessCalendar = {
        // UTC always exists and is always open: cannot throw.
        try! BusinessCalendar(.twentyFourSeven(id: "24x7", timeZoneIdentifier: "UTC"))
    }()

    public static func == (lhs: BusinessCalendar, rhs: BusinessCalendar) -> Bool {
        lhs.id == rhs.id && (lhs.engine === rhs.engine || lhs.engine.spec == rhs.engine.spec)
    }

    public var description: String { "BusinessCalendar(\(id), \(timeZoneIdentifier))" }

    // MARK: - Arithmetic

    /// The earliest instant at which `seconds` business seconds have elapsed since `start`.
    ///
    /// `seconds == 0` (or negative) returns `start` itself, open or not. An addition that
    /// ends exactly at a closing returns the closing instant, not the next opening.
    /// If the sum cannot be reached inside ``domain`` the result is its upper bound.
    /// - Complexity: O(1), independent of `seconds`: a bucket jump to find `start` among
    ///   the precomputed intervals, then one into the cumulative business seconds to find
    ///   the end. The first call beyond the precomputed range compiles a larger one
    ///   (amortised: each compile at least 1.5× the last).
    public func add(_ start: Instant, seconds: Int64) -> Instant {
        guard seconds > 0 else { return start }
        let upper = CalendarEngine.domainUpper
        guard start.unixSeconds < upper else { return start }
        let s = max(start.unixSeconds, CalendarEngine.domainLower)
        var table = engine.table(covering: s, s)
        while true {
            let (result, missing): (Int64?, Int64) = table._withUnsafeGuaranteedRef { t in
                let (target, overflow) = t.businessSeconds(before: s).addingReportingOverflow(seconds)
                if overflow { return (nil, .max) }
                if target <= t.total { return (t.instant(atBusinessSeconds: target), 0) }
                return (nil, target - t.total)
            }
            if let result { return Instant(unixSeconds: min(result, upper)) }
            if missing == .max || table._withUnsafeGuaranteedRef({ $0.endDay >= CalendarEngine.maxDay }) {
                return Instant(unixSeconds: upper)
            }
            table = engine.extendForward(moreBusinessSeconds: missing)
        }
    }

    /// The business seconds in `[start, end)`; 0 if `end <= start`.
    ///
    /// Only time inside ``domain`` counts.
    /// - Complexity: O(1): two bucket jumps into the precomputed intervals and cumulative
    ///   seconds, independent of the span. The first call beyond the precomputed range
    ///   compiles a larger one (amortised).
    public func between(_ start: Instant, _ end: Instant) -> Int64 {
        guard end > start else { return 0 }
        let a = clamp(start.unixSeconds), b = clamp(end.unixSeconds)
        guard a < b else { return 0 }
        return engine.table(covering: a, b)._withUnsafeGuaranteedRef { t in
            t.businessSeconds(before: b) - t.businessSeconds(before: a)
        }
    }

    /// Whether the calendar is open at `instant` (intervals are closed at their start and
    /// open at their end).
    /// - Complexity: O(1): a bucket jump into the precomputed intervals.
    public func isOpen(at instant: Instant) -> Bool {
        let t = instant.unixSeconds
        guard CalendarEngine.domainLower <= t, t < CalendarEngine.domainUpper else { return false }
        return engine.table(covering: t, t)._withUnsafeGuaranteedRef { table in
            let i = table.lastStart(atOrBefore: t)
            return i >= 0 && t < table.end(i)
        }
    }

    /// The earliest instant at or after `instant` at which the calendar is open:
    /// `instant` itself if open.
    /// - Complexity: O(1) within the precomputed range (a bucket jump); beyond it, a compile.
    public func nextOpening(after instant: Instant) -> Instant {
        let upper = CalendarEngine.domainUpper
        guard instant.unixSeconds < upper else { return instant }
        let s = max(instant.unixSeconds, CalendarEngine.domainLower)
        var table = engine.table(covering: s, s)
        while true {
            let found: Int64? = table._withUnsafeGuaranteedRef { t in
                let k = t.intervalContainingOrAfter(s)
                return k < t.count ? max(s, t.starts[k]) : nil
            }
            if let found { return Instant(unixSeconds: min(found, upper)) }
            if table._withUnsafeGuaranteedRef({ $0.endDay >= CalendarEngine.maxDay }) {
                return Instant(unixSeconds: upper)
            }
            table = engine.extendForward(moreBusinessSeconds: 1)
        }
    }

    /// The end of the open interval containing `instant`, or of the next one if closed.
    ///
    /// Always later than `instant` (within ``domain``).
    /// - Complexity: O(1) within the precomputed range (a bucket jump); beyond it, a compile.
    public func nextClosing(after instant: Instant) -> Instant {
        let upper = CalendarEngine.domainUpper
        guard instant.unixSeconds < upper else { return instant }
        // Around the clock: the only closing is the end of the domain (no need to compile
        // every day up to it to find that out).
        if engine.compiler.rules.alwaysOpen { return Instant(unixSeconds: upper) }
        let s = max(instant.unixSeconds, CalendarEngine.domainLower)
        var table = engine.table(covering: s, s)
        while true {
            let found: Int64? = table._withUnsafeGuaranteedRef { t in
                let k = t.intervalContainingOrAfter(s)
                guard k < t.count else { return nil }
                let end = t.end(k)
                // Clipped at the table's end: it may go on in the next days.
                return end < t.hi || t.endDay >= CalendarEngine.maxDay ? end : nil
            }
            if let found { return Instant(unixSeconds: min(found, upper)) }
            if table._withUnsafeGuaranteedRef({ $0.endDay >= CalendarEngine.maxDay }) {
                return Instant(unixSeconds: upper)
            }
            table = engine.extendForward(moreBusinessSeconds: 1)
        }
    }

    /// The open intervals in `[from, to)`, clipped to it, in order.
    /// - Complexity: O(1 + m) for m intervals returned (a bucket jump, then a walk).
    public func openIntervals(from: Instant, to: Instant) -> [OpenInterval] {
        let a = clamp(from.unixSeconds), b = clamp(to.unixSeconds)
        guard a < b else { return [] }
        return engine.table(covering: a, b)._withUnsafeGuaranteedRef { t in
            var result: [OpenInterval] = []
            var i = t.intervalContainingOrAfter(a)
            while i < t.count, t.starts[i] < b {
                result.append(OpenInterval(
                    start: Instant(unixSeconds: max(t.starts[i], a)), end: Instant(unixSeconds: min(t.end(i), b))))
                i += 1
            }
            return result
        }
    }

    @inline(__always)
    private func clamp(_ t: Int64) -> Int64 {
        min(max(t, CalendarEngine.domainLower), CalendarEngine.domainUpper)
    }

    // MARK: - Days and local time

    /// The holiday name of a date: a closed day's name (its rule's text, e.g. `easter+1`,
    /// or `"holiday"` if it has none), or the name of a special-hours rule for that date if
    /// it has one; nil on ordinary days.
    /// - Complexity: O(1) expected, plus O(movable rules) when the spec has some.
    public func holidayName(on date: LocalDate) -> String? {
        holiday(on: date).map { $0.name ?? $0.rule?.description ?? "holiday" }
    }

    /// The holiday of a date with the rule it comes from: a closed day (dated, yearly or
    /// movable), or a special-hours day with a name; nil on ordinary days.
    /// - Complexity: O(1) expected, plus O(movable rules) when the spec has some
    ///   (their dates for the date's year and the years either side).
    public func holiday(on date: LocalDate) -> Holiday? {
        engine.compiler.rules.holiday(on: date)
    }

    /// The local opening intervals that start on `date`, after holidays and special hours.
    /// - Complexity: O(1) expected, plus O(movable rules) when the spec has some.
    public func openingHours(on date: LocalDate) -> [DailyInterval] {
        engine.compiler.rules.intervals(onDay: date.daysSinceEpoch)
    }

    /// The local date at `instant` in the calendar's time zone.
    /// - Complexity: O(log transitions) inside the precomputed range; a Foundation call outside.
    public func localDate(of instant: Instant) -> LocalDate {
        let local = instant.unixSeconds + Int64(engine.offset(at: instant.unixSeconds))
        return LocalDate(daysSinceEpoch: local.floorDivided(by: 86_400).quotient)
    }

    /// The calendar zone's offset from UTC at `instant`, in seconds east of UTC.
    /// - Complexity: O(log transitions) inside the precomputed range; a Foundation call outside.
    public func utcOffset(at instant: Instant) -> Int {
        Int(engine.offset(at: instant.unixSeconds))
    }

    /// The local wall-clock time at `instant` with its offset: `2026-12-24 17:30:00 +01:00`.
    /// - Complexity: O(log transitions) inside the precomputed range; a Foundation call outside.
    public func localTimeString(of instant: Instant) -> String {
        let offset = Int64(engine.offset(at: instant.unixSeconds))
        let (days, second) = (instant.unixSeconds + offset).floorDivided(by: 86_400)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let magnitude = abs(offset)
        var zone = (offset < 0 ? "-" : "+") + two(magnitude / 3600) + ":" + two(magnitude / 60 % 60)
        if magnitude % 60 != 0 { zone += ":" + two(magnitude % 60) }
        return "\(LocalDate(daysSinceEpoch: days)) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)) \(zone)"
    }

    /// The instant of a local wall-clock time on `date` in the calendar's zone.
    ///
    /// A time that does not exist (spring forward) is shifted forward by the gap
    /// (02:30 in Paris on 2026-03-29 is 03:30 CEST); an ambiguous one (fall back) is the
    /// earlier occurrence. `secondOfDay` may be 86400 (the next midnight).
    /// - Complexity: O(log transitions) inside the precomputed range; Foundation calls outside.
    public func localInstant(date: LocalDate, secondOfDay: Int) -> Instant {
        Instant(unixSeconds: engine.resolve(local: date.daysSinceEpoch * 86_400 + Int64(secondOfDay)))
    }

    // MARK: - Introspection

    /// Bytes held by the calendar's precomputed tables (all copies share them).
    public var memoryFootprint: Int { engine.byteCount }

    /// The local dates currently precomputed (grows when queries go beyond it).
    public var precomputedDates: Range<LocalDate> {
        let days = engine.coveredDays
        return LocalDate(daysSinceEpoch: days.lowerBound)..<LocalDate(daysSinceEpoch: days.upperBound)
    }
}
