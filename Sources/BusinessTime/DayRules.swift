/// The validated rules of a calendar spec, indexed for a fast per-day lookup.
///
/// Precedence for a date: a one-off `.closed` rule, then one-off `.hours` rules
/// (several for one date are combined), then a `.closedYearly` or `.closedMovable` rule,
/// then the weekly hours. So a dated `.hours` rule can open a day that a yearly holiday
/// would close.
///
/// Movable holidays are not looked up per day: a compile finds their dates once per
/// year of its range (`movableDays(_:)`) and the per-day lookup is one hash probe.
struct DayRules: Sendable {
    enum Override: Sendable {
        case closed(name: String?)
        case hours([DailyInterval], name: String?)
    }

    /// Weekly hours, Monday first, each sorted by start.
    let weekly: [[DailyInterval]]
    /// One-off rules by local day number (days since 1970-01-01).
    let oneOff: [Int64: Override]
    /// Yearly closures by `month * 100 + day`.
    let yearly: [Int: String?]
    /// Movable yearly closures in spec order: the first rule closing a date names it.
    let movable: [Movable]

    struct Movable: Sendable {
        var rule: MovableHoliday
        var name: String?
    }

    /// Validates and indexes `spec`'s rules.
    /// - Throws: `CalendarError.overlappingIntervals` if a day's intervals overlap;
    ///   `.noOpenTime` if the calendar has no recurring open time (no weekly hours, or
    ///   yearly holidays on every day of the year): arithmetic on it could not finish.
    init(_ spec: CalendarSpec) throws(CalendarError) {
        var weekly: [[DailyInterval]] = []
        for day in Weekday.allCases {
            weekly.append(try DayRules.validated(spec.weekly.days[day] ?? [], what: day.shortName))
        }
        var oneOff: [Int64: Override] = [:]
        var yearly: [Int: String?] = [:]
        var movable: [Movable] = []
        for rule in spec.rules {
            switch rule {
            case .closed(let date, let name):
                oneOff[date.daysSinceEpoch] = .closed(name: name)
            case .closedYearly(let month, let day, let name):
                if yearly[month * 100 + day] == nil || yearly[month * 100 + day]! == nil {
                    yearly[month * 100 + day] = .some(name)
                }
            case .closedMovable(let rule, let name):
                movable.append(Movable(rule: rule, name: name))
            case .hours(let date, let intervals, let name):
                let key = date.daysSinceEpoch
                switch oneOff[key] {
                case .closed?:
                    break  // closed wins
                case .hours(let previous, let previousName)?:
                    oneOff[key] = .hours(
                        try DayRules.validated(previous + intervals, what: date.description),
                        name: previousName ?? name)
                case nil:
                    oneOff[key] = .hours(try DayRules.validated(intervals, what: date.description), name: name)
                }
            }
        }
        guard weekly.contains(where: { !$0.isEmpty }) else { throw .noOpenTime }
        // Every month-day of a common year closed every year: never open again. (Other
        // movable rules close one date a year each; `CalendarEngine` checks that 16 years
        // compiled have open time.)
        var everyYear = Set(yearly.keys)
        for case .observed(let month, let day) in movable.map(\.rule) { everyYear.insert(month * 100 + day) }
        var closedAll = true
        outer: for month in 1...12 {
            for day in 1...LocalDate.daysInMonth(year: 2026, month: month) where !everyYear.contains(month * 100 + day) {
                closedAll = false
                break outer
            }
        }
        guard !closedAll else { throw .noOpenTime }
        self.weekly = weekly
        self.oneOff = oneOff
        self.yearly = yearly
        self.movable = movable
        // Open around the clock every day with no rule that could close anything:
        // then `nextClosing` need not search the whole domain.
        alwaysOpen = (0..<7).allSatisfy { day in
            DayRules.coversWholeDay(weekly[day], tails: weekly[(day + 6) % 7])
        } && spec.rules.allSatisfy { rule in
            if case .hours(_, let intervals, _) = rule { return DayRules.coversWholeDay(intervals, tails: []) }
            return false
        }
    }

    /// Whether the calendar is open at every instant (24x7 in any zone).
    let alwaysOpen: Bool

    /// Whether a day's intervals, plus the after-midnight tails of the previous day's
    /// crossing intervals, cover all of `[0, 86400)`.
    static func coversWholeDay(_ intervals: [DailyInterval], tails: [DailyInterval]) -> Bool {
        var pieces = intervals.map { ($0.start, $0.crossesMidnight ? 86_400 : $0.end) }
        pieces += tails.filter(\.crossesMidnight).map { (0, $0.end) }
        pieces.sort { $0.0 < $1.0 }
        var covered: Int32 = 0
        for (start, end) in pieces where start <= covered { covered = max(covered, end) }
        return covered >= 86_400
    }

    /// Sorts a day's intervals and rejects overlaps (a crossing-midnight interval runs to the
    /// end of its day, so nothing may start after it on the same day).
    static func validated(_ intervals: [DailyInterval], what: String) throws(CalendarError) -> [DailyInterval] {
        let sorted = intervals.sorted { $0.start < $1.start }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.crossesMidnight || b.start < a.end {
            throw .overlappingIntervals("\(what): \(a) overlaps \(b)")
        }
        return sorted
    }

    /// The local days in `days` that movable holidays close, each with the index in
    /// `movable` of the first rule closing it. Computed once per compile: every rule for
    /// every year of the range and the years either side (an observed shift or an Easter
    /// offset stays within a day of its year).
    /// - Complexity: O(years × movable rules).
    func movableDays(_ days: Range<Int64>) -> [Int64: Int] {
        guard !movable.isEmpty, !days.isEmpty else { return [:] }
        let firstYear = LocalDate(daysSinceEpoch: days.lowerBound).year - 1
        let lastYear = LocalDate(daysSinceEpoch: days.upperBound - 1).year + 1
        var result: [Int64: Int] = [:]
        for year in firstYear...lastYear {
            for (index, entry) in movable.enumerated() {
                for date in entry.rule.dates(forYear: year) {
                    let day = date.daysSinceEpoch
                    guard days.contains(day), (result[day].map { index < $0 } ?? true) else { continue }
                    result[day] = index
                }
            }
        }
        return result
    }

    /// The opening intervals that start on local day `day` (days since 1970-01-01), with
    /// the movable closures of the range being compiled (`movableDays(_:)`).
    /// - Complexity: O(1) expected (hash lookups).
    @inline(__always)
    func intervals(onDay day: Int64, movableDays: [Int64: Int]) -> [DailyInterval] {
        if !oneOff.isEmpty, let rule = oneOff[day] {
            switch rule {
            case .closed: return []
            case .hours(let intervals, _): return intervals
            }
        }
        if !yearly.isEmpty {
            let date = LocalDate(daysSinceEpoch: day)
            if yearly[date.month * 100 + date.day] != nil { return [] }
        }
        if !movableDays.isEmpty, movableDays[day] != nil { return [] }
        let (_, weekday) = (day + 3).floorDivided(by: 7)  // 1970-01-01 was a Thursday
        return weekly[Int(weekday)]
    }

    /// The opening intervals that start on local day `day`, on its own.
    /// - Complexity: O(movable rules).
    func intervals(onDay day: Int64) -> [DailyInterval] {
        intervals(onDay: day, movableDays: movableDays(day..<day + 1))
    }

    /// The holiday of a date, see `BusinessCalendar.holiday(on:)`.
    /// - Complexity: O(movable rules).
    func holiday(on date: LocalDate) -> Holiday? {
        let day = date.daysSinceEpoch
        if let rule = oneOff[day] {
            switch rule {
            case .closed(let name): return Holiday(name: name, rule: nil)
            case .hours(_, let name): return name.map { Holiday(name: $0, rule: nil) }
            }
        }
        if let name = yearly[date.month * 100 + date.day] { return Holiday(name: name, rule: nil) }
        if let index = movableDays(day..<day + 1)[day] {
            return Holiday(name: movable[index].name, rule: movable[index].rule)
        }
        return nil
    }
}

/// A holiday of a date: its name, and the yearly rule that put it there.
public struct Holiday: Hashable, Sendable, CustomStringConvertible {
    /// The name given in the config or feed, if any.
    public var name: String?
    /// The movable rule (`easter+1`, `4th thu of nov`, `07-04 observed`) that gives the
    /// date this year; nil for a dated entry or a fixed yearly date (`12-25`).
    public var rule: MovableHoliday?

    public init(name: String?, rule: MovableHoliday?) {
        self.name = name
        self.rule = rule
    }

    /// `Lundi de Pâques (easter+1)`, `easter+1` without a name, `Noël`, or `holiday`.
    public var description: String {
        switch (name, rule) {
        case let (name?, rule?): "\(name) (\(rule))"
        case let (name?, nil): name
        case let (nil, rule?): rule.description
        case (nil, nil): "holiday"
        }
    }
}
