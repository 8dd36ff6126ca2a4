/// A yearly holiday whose date moves from year to year: the n-th or last weekday of a
/// month, a day counted from Western Easter, or a fixed date with its observed weekday.
///
/// Written in the config as text (`description` gives it back in that form):
/// - `4th thu of nov`, `1st mon of sep`, `last mon of may`: ordinals `1st` to `5th` or
///   `last`, English weekday names (`mon`, `monday`, ...), month names (`jan`, `january`, ...).
///   A year whose month has no such day (`5th mon of feb` in most years) has no holiday
///   from the rule: the year is skipped.
/// - `easter`, `easter+1`, `easter-2`: days after (before) Western Easter Sunday, from
///   -80 to +250 so that the day always lies in Easter's own year.
/// - `07-04 observed`: the date itself every year and, when it falls on a Saturday, the
///   Friday before; on a Sunday, the Monday after (the US federal rule, 5 U.S.C. 6103(b)).
///   The shifted day may lie in the neighbouring year (`01-01 observed` on a Saturday closes
///   the Friday 12-31 before). `02-29 observed` has no holiday in common years.
public enum MovableHoliday: Hashable, Sendable, CustomStringConvertible {
    /// The `ordinal`-th (1...5) `weekday` of `month` (1...12).
    case nthWeekday(ordinal: Int, Weekday, month: Int)
    /// The last `weekday` of `month` (1...12).
    case lastWeekday(Weekday, month: Int)
    /// `offset` days after Western Easter Sunday (before it when negative), in `easterOffsets`.
    case easter(offset: Int)
    /// `month`-`day` every year, plus Friday before when Saturday, Monday after when Sunday.
    case observed(month: Int, day: Int)

    /// The offsets from Easter Sunday that keep the day in Easter's year (Easter falls
    /// between March 22 and April 25).
    public static let easterOffsets: ClosedRange<Int> = -80...250

    // MARK: - Dates

    /// The dates the rule closes for the holiday of `year`: none (a fifth weekday that the
    /// month lacks, 02-29 in a common year), one, or two (an observed date on a weekend).
    /// An observed shift of `01-01` or `12-31` lies in the neighbouring year.
    /// - Complexity: O(1).
    public func dates(forYear year: Int) -> [LocalDate] {
        switch self {
        case .nthWeekday(let ordinal, let weekday, let month):
            let first = LocalDate.daysSinceEpoch(year: year, month: month, day: 1)
            let day = 1 + MovableHoliday.daysUntil(weekday, from: first) + 7 * (ordinal - 1)
            guard day <= LocalDate.daysInMonth(year: year, month: month) else { return [] }
            return [LocalDate(daysSinceEpoch: first + Int64(day - 1))]
        case .lastWeekday(let weekday, let month):
            let length = LocalDate.daysInMonth(year: year, month: month)
            let last = LocalDate.daysSinceEpoch(year: year, month: month, day: length)
            let back = (7 - MovableHoliday.daysUntil(weekday, from: last)) % 7
            return [LocalDate(daysSinceEpoch: last - Int64(back))]
        case .easter(let offset):
            return [MovableHoliday.easterSunday(year: year).adding(days: Int64(offset))]
        case .observed(let month, let day):
            guard let date = LocalDate(year: year, month: month, day: day) else { return [] }
            switch date.weekday {
            case .saturday: return [date.adding(days: -1), date]
            case .sunday: return [date, date.adding(days: 1)]
            default: return [date]
            }
        }
    }

    /// Days from local day `day` to the next `weekday` (0 if `day` is one).
    static func daysUntil(_ weekday: Weekday, from day: Int64) -> Int {
        let (_, r) = (day + 3).floorDivided(by: 7)  // 0 = Monday: 1970-01-01 was a Thursday
        return (weekday.rawValue - 1 - Int(r) + 7) % 7
    }

    /// Western (Gregorian) Easter Sunday of `year`, by the anonymous Gregorian algorithm
    /// (Meeus, *Astronomical Algorithms*, ch. 8; Jones 1876, Butcher 1876), exact for every
    /// Gregorian year: always a Sunday from March 22 to April 25.
    /// Years before 1 are reduced by the computus's 5,700,000-year period (a multiple of the
    /// calendar's 400-year cycle), so that no year makes the arithmetic leave March–April.
    /// - Complexity: O(1): integer arithmetic.
    public static func easterSunday(year: Int) -> LocalDate {
        let period = 5_700_000
        let y = year >= 1 ? year : period + (year % period)
        let a = y % 19
        let b = y / 100, c = y % 100
        let d = b / 4, e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let n = h + l - 7 * m + 114
        // March 22 ... April 25: always a valid date.
        return LocalDate(year: year, month: n / 31, day: n % 31 + 1)!
    }

    // MARK: - Text

    /// The rule in config syntax: `4th thu of nov`, `last mon of may`, `easter+1`, `07-04 observed`.
    public var description: String {
        switch self {
        case .nthWeekday(let ordinal, let weekday, let month):
            "\(MovableHoliday.ordinals[ordinal - 1]) \(weekday.shortName) of \(MovableHoliday.months[month - 1])"
        case .lastWeekday(let weekday, let month):
            "last \(weekday.shortName) of \(MovableHoliday.months[month - 1])"
        case .easter(let offset):
            offset == 0 ? "easter" : offset > 0 ? "easter+\(offset)" : "easter\(offset)"
        case .observed(let month, let day):
            "\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day) observed"
        }
    }

    static let ordinals = ["1st", "2nd", "3rd", "4th", "5th"]
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let monthNames = [
        "january", "february", "march", "april", "may", "june",
        "july", "august", "september", "october", "november", "december",
    ]

    /// Why a text is not a movable holiday rule.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Parses the config syntax (case-insensitive, words separated by spaces).
    /// - Returns: nil if the text has none of the rule shapes (it may be a date);
    ///   a `ParseError` naming the bad part if it has a rule's shape but a bad part.
    /// - Complexity: O(length of the text).
    public static func parse(_ text: String) -> Result<MovableHoliday, ParseError>? {
        let words = text.lowercased().split(separator: " ").map(String.init)
        if words.count == 1, words[0].hasPrefix("easter") {
            return easter(words[0])
        }
        if words.count == 2, words[1] == "observed" {
            guard let (month, day) = CalendarConfig.monthDay(words[0]) else {
                return .failure(ParseError(description:
                    "\"\(words[0])\" is not a yearly date (MM-DD): `observed` follows a month and day, e.g. 07-04 observed"))
            }
            return .success(.observed(month: month, day: day))
        }
        if words.count == 4, words[2] == "of" {
            return nthWeekday(ordinal: words[0], weekday: words[1], month: words[3])
        }
        if words.contains("of") || words.first == "last" || words.last == "observed" {
            return .failure(ParseError(description:
                "expected \"<1st..5th|last> <weekday> of <month>\" (4th thu of nov) or \"MM-DD observed\""))
        }
        return nil
    }

    static func easter(_ word: String) -> Result<MovableHoliday, ParseError> {
        let rest = word.dropFirst("easter".count)
        if rest.isEmpty { return .success(.easter(offset: 0)) }
        let sign = rest.first!
        let digits = rest.dropFirst()
        guard sign == "+" || sign == "-", (1...3).contains(digits.count),
              digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let magnitude = Int(digits)
        else {
            return .failure(ParseError(description: "expected easter, easter+N or easter-N (days, e.g. easter+1)"))
        }
        let offset = sign == "+" ? magnitude : -magnitude
        guard easterOffsets.contains(offset) else {
            return .failure(ParseError(description:
                "an Easter offset is -80 to +250 days (the day must lie in Easter's year), not \(sign)\(magnitude)"))
        }
        return .success(.easter(offset: offset))
    }

    static func nthWeekday(ordinal: String, weekday: String, month: String) -> Result<MovableHoliday, ParseError> {
        guard let day = Weekday(name: weekday) else {
            return .failure(ParseError(description: "\"\(weekday)\" is not a weekday (mon, tue, ..., sun)"))
        }
        guard let m = months.firstIndex(of: month) ?? monthNames.firstIndex(of: month) else {
            return .failure(ParseError(description: "\"\(month)\" is not a month (jan, feb, ..., dec)"))
        }
        if ordinal == "last" { return .success(.lastWeekday(day, month: m + 1)) }
        guard let n = ordinals.firstIndex(of: ordinal) else {
            return .failure(ParseError(description: "\"\(ordinal)\" is not an ordinal (1st, 2nd, 3rd, 4th, 5th or last)"))
        }
        return .success(.nthWeekday(ordinal: n + 1, day, month: m + 1))
    }
}
