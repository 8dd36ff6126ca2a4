/// A local wall-clock opening interval within a day, in seconds since local midnight.
///
/// `end > start`: the interval lies within the day (`end` may be 86400, "24:00").
/// `end <= start`: it crosses midnight into the next day ("22:00-06:00").
/// An interval belongs to the day it starts on: a holiday closes the intervals that
/// start on it, including the part after midnight.
public struct DailyInterval: Hashable, Sendable, CustomStringConvertible {
    public var start: Int32
    public var end: Int32

    /// Creates an interval from seconds since local midnight; nil if out of range or empty.
    public init?(start: Int32, end: Int32) {
        guard (0..<86_400).contains(start), (0...86_400).contains(end), start != end else { return nil }
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM` (hours 0–23, or 24:00 as an end; minutes 00–59).
    /// Returns nil if the text is not a time range, e.g. `9:00-25:00`.
    public init?(_ text: some StringProtocol) {
        let parts = Substring(text).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let start = DailyInterval.parseTime(parts[0].trimmingSpaces, allow24: false),
              let end = DailyInterval.parseTime(parts[1].trimmingSpaces, allow24: true)
        else { return nil }
        self.init(start: start, end: end)
    }

    /// Whether the interval runs past local midnight into the next day.
    public var crossesMidnight: Bool { end <= start }

    /// Open seconds of local wall-clock time (ignoring DST changes).
    public var wallClockLength: Int32 { crossesMidnight ? 86_400 - start + end : end - start }

    /// `HH:MM-HH:MM`.
    public var description: String {
        "\(DailyInterval.format(start))-\(DailyInterval.format(end))"
    }

    static func parseTime(_ text: Substring, allow24: Bool) -> Int32? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
              let h = Int32(parts[0]), let m = Int32(parts[1]), m < 60
        else { return nil }
        if h == 24, m == 0, allow24 { return 86_400 }
        guard h < 24 else { return nil }
        return h * 3600 + m * 60
    }

    static func format(_ seconds: Int32) -> String {
        let h = seconds / 3600, m = seconds / 60 % 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// Opening hours per weekday. A weekday without an entry is closed.
public struct WeeklySchedule: Hashable, Sendable {
    public var days: [Weekday: [DailyInterval]]

    public init(days: [Weekday: [DailyInterval]] = [:]) {
        self.days = days
    }

    /// The same intervals on every day of the week.
    public static func everyDay(_ intervals: [DailyInterval]) -> WeeklySchedule {
        WeeklySchedule(days: Dictionary(uniqueKeysWithValues: Weekday.allCases.map { ($0, intervals) }))
    }
}

/// A rule for one date, a yearly date or a yearly movable date, overriding the weekly schedule.
public enum DayRule: Hashable, Sendable {
    /// A one-off holiday: closed all day.
    case closed(LocalDate, name: String?)
    /// A holiday every year on month-day (`12-25`): closed all day.
    case closedYearly(month: Int, day: Int, name: String?)
    /// A holiday every year on the date(s) a rule gives that year: `easter+1`,
    /// `4th thu of nov`, `07-04 observed` (see `MovableHoliday`).
    case closedMovable(MovableHoliday, name: String?)
    /// That date's hours replace the weekly ones: reduced hours, or an extra open day.
    case hours(LocalDate, [DailyInterval], name: String?)
}

/// Everything that defines a business calendar; `BusinessCalendar.init(_:)` compiles it.
public struct CalendarSpec: Hashable, Sendable {
    public var id: String
    /// IANA time zone identifier, e.g. `Europe/Paris`.
    public var timeZoneIdentifier: String
    public var weekly: WeeklySchedule
    public var rules: [DayRule]

    public init(id: String, timeZoneIdentifier: String, weekly: WeeklySchedule, rules: [DayRule] = []) {
        self.id = id
        self.timeZoneIdentifier = timeZoneIdentifier
        self.weekly = weekly
        self.rules = rules
    }

    /// Open around the clock, every day, no holidays.
    public static func twentyFourSeven(id: String, timeZoneIdentifier: String = "UTC") -> CalendarSpec {
        CalendarSpec(
            id: id, timeZoneIdentifier: timeZoneIdentifier,
            weekly: .everyDay([DailyInterval(start: 0, end: 86_400)!]))
    }
}

/// Why a calendar spec cannot be compiled.
public enum CalendarError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The time zone identifier is not a known IANA zone.
    case unknownTimeZone(String)
    /// The calendar is never open: business-time arithmetic on it could never end.
    case noOpenTime
    /// Intervals of one day overlap, e.g. `08:00-12:00,11:00-13:00`.
    case overlappingIntervals(String)

    public var description: String {
        switch self {
        case .unknownTimeZone(let id): "unknown time zone \"\(id)\""
        case .noOpenTime: "the calendar has no open time at all"
        case .overlappingIntervals(let what): "overlapping intervals: \(what)"
        }
    }
}

/// A configuration error: names the file, the key path and the problem.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// Dotted key path, e.g. `regions.emea.timezone`; empty for the whole file.
    public var keyPath: String
    public var message: String

    public init(file: String, keyPath: String, message: String) {
        self.file = file
        self.keyPath = keyPath
        self.message = message
    }

    /// `Config/meridian.yaml: regions.emea.timezone: unknown time zone "Europe/Pariss"`.
    public var description: String {
        keyPath.isEmpty ? "\(file): \(message)" : "\(file): \(keyPath): \(message)"
    }
}
