/// Import of public-holiday feeds in iCalendar format (RFC 5545), as governments
/// and calendar services publish them.
///
/// The parser is pure: it turns the text of a `.ics` file into `DayRule`s. Reading
/// the file is the config loader's job (`CalendarConfig`).
public enum ICalendar {
    /// Parses the all-day events of an iCalendar feed into holiday rules.
    ///
    /// - Every `VEVENT` must have an all-day `DTSTART` (`DTSTART;VALUE=DATE:20261225`,
    ///   or a bare 8-digit date). `DTEND` (exclusive) or `DURATION` (`P1D`, `P2W`)
    ///   may make it span several days; without them the event is one day long.
    ///   Each day of the event becomes a `.closed` rule.
    /// - `RRULE:FREQ=YEARLY` (optionally `INTERVAL=1`) makes each day a
    ///   `.closedYearly(month:day:)` rule; with `COUNT` or `UNTIL` the occurrences
    ///   are expanded into one-off dates instead. Other recurrences (`BYDAY`, ...)
    ///   are rejected: a feed lists the dates, the import does not guess them.
    /// - `SUMMARY` becomes the holiday's name. `STATUS:CANCELLED` events are skipped.
    /// - Lines may be folded (a continuation line starts with a space or a tab) and
    ///   end in CRLF or LF. Other components (`VTIMEZONE`, `VALARM`, ...) are ignored.
    ///
    /// Only the events listed are holidays: a feed with a few regional entries adds
    /// exactly those days and nothing else.
    ///
    /// - Returns: the rules in the order of the feed.
    /// - Throws: `ICalendarError` naming the (first physical) line of the problem.
    /// - Complexity: O(length of the text + number of holiday days).
    public static func parseHolidays(_ text: String) throws -> [DayRule] {
        try parseHolidaysTyped(text)
    }

    /// `parseHolidays(_:)` with a typed error.
    public static func parseHolidaysTyped(_ text: String) throws(ICalendarError) -> [DayRule] {
        var parser = Parser()
        // A byte-order mark is not part of the first line.
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        for line in unfold(text) {
            try parser.consume(line)
        }
        return try parser.finish()
    }

    // MARK: - Lines

    /// A logical (unfolded) content line and the physical line it starts on.
    struct Line {
        var number: Int
        var text: Substring
    }

    /// Splits on CRLF/LF/CR and joins folded continuation lines (RFC 5545 §3.1).
    static func unfold(_ text: String) -> [Line] {
        var lines: [Line] = []
        var number = 0
        var current: String?
        var currentNumber = 0
        // Splitting on Character: "\r\n" is a single Character in Swift.
        for physical in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            if let first = physical.first, first == " " || first == "\t" {
                if current != nil {
                    current! += physical.dropFirst()
                    continue
                }
            }
            if let current {
                lines.append(Line(number: currentNumber, text: Substring(current)))
            }
            current = String(physical)
            currentNumber = number
        }
        if let current {
            lines.append(Line(number: currentNumber, text: Substring(current)))
        }
        return lines.filter { !$0.text.allSatisfy { $0 == " " || $0 == "\t" } }
    }

    /// A parsed content line: `NAME;PARAM=VALUE;...:VALUE`.
    struct ContentLine {
        var name: String
        var parameters: [String: String]
        var value: Substring

        init?(_ text: Substring) {
            // The name runs to the first ';' or ':'; parameter values may be quoted
            // and contain ':' or ';'.
            var index = text.startIndex
            while index < text.endIndex, text[index] != ";", text[index] != ":" { index = text.index(after: index) }
            guard index < text.endIndex, index > text.startIndex else { return nil }
            name = text[text.startIndex..<index].uppercased()
            parameters = [:]
            while text[index] == ";" {
                index = text.index(after: index)
                let nameStart = index
                while index < text.endIndex, text[index] != "=" { index = text.index(after: index) }
                guard index < text.endIndex else { return nil }
                let parameterName = text[nameStart..<index].uppercased()
                index = text.index(after: index)
                var parameterValue = ""
                while index < text.endIndex, text[index] != ";", text[index] != ":" {
                    if text[index] == "\"" {
                        index = text.index(after: index)
                        while index < text.endIndex, text[index] != "\"" {
                            parameterValue.append(text[index])
                            index = text.index(after: index)
                        }
                        guard index < text.endIndex else { return nil }
                    } else {
                        parameterValue.append(text[index])
                    }
                    index = text.index(after: index)
                }
                guard index < text.endIndex else { return nil }
                parameters[parameterName] = parameterValue
            }
            value = text[text.index(after: index)...]
        }
    }

    // MARK: - Events

    struct Event {
        var line: Int
        var start: LocalDate?
        var startLine = 0
        var end: LocalDate?
        var endLine = 0
        var durationDays: Int64?
        var durationLine = 0
        var yearly = false
        var until: LocalDate?
        var count: Int?
        var summary: String?
        var cancelled = false
    }

    struct Parser {
        var rules: [DayRule] = []
        /// Names of the open components, outermost first.
        var stack: [String] = []
        var event: Event?
        var sawCalendar = false
        var lastLine = 0

        mutating func consume(_ line: Line) throws(ICalendarError) {
            lastLine = line.number
            guard let content = ContentLine(line.text) else {
                throw ICalendarError(line: line.number, message: "not an iCalendar content line: \"\(line.text.prefix(60))\"")
            }
            if !sawCalendar {
                guard content.name == "BEGIN", content.value.uppercased() == "VCALENDAR" else {
                    throw ICalendarError(line: line.number, message: "not an iCalendar file (expected BEGIN:VCALENDAR)")
                }
            }
            switch content.name {
            case "BEGIN":
                let component = content.value.uppercased()
                if component == "VCALENDAR" { sawCalendar = true }
                if component == "VEVENT", stack == ["VCALENDAR"] {
                    event = Event(line: line.number)
                }
                stack.append(component)
            case "END":
                let component = content.value.uppercased()
                guard stack.last == component else {
                    throw ICalendarError(
                        line: line.number,
                        message: "END:\(component) without a matching BEGIN" + (stack.last.map { " (inside \($0))" } ?? ""))
                }
                stack.removeLast()
                if component == "VEVENT", stack == ["VCALENDAR"], let finished = event {
                    try finish(finished)
                    event = nil
                }
            default:
                // Properties of the event itself; nested components (VALARM) are ignored.
                guard event != nil, stack.count == 2, stack.last == "VEVENT" else { return }
                try property(content, line: line.number)
            }
        }

        mutating func property(_ content: ContentLine, line: Int) throws(ICalendarError) {
            switch content.name {
            case "DTSTART":
                event!.start = try ICalendar.allDayDate(content, line: line)
                event!.startLine = line
            case "DTEND":
                event!.end = try ICalendar.allDayDate(content, line: line)
                event!.endLine = line
            case "DURATION":
                guard let days = ICalendar.durationDays(content.value) else {
                    throw ICalendarError(
                        line: line, message: "DURATION \"\(content.value)\" is not a whole number of days (P1D, P2W)")
                }
                event!.durationDays = days
                event!.durationLine = line
            case "SUMMARY":
                let name = ICalendar.unescape(content.value)
                event!.summary = name.isEmpty ? nil : name
            case "STATUS":
                event!.cancelled = content.value.uppercased() == "CANCELLED"
            case "RRULE":
                try rrule(content.value, line: line)
            default:
                break
            }
        }

        mutating func rrule(_ value: Substring, line: Int) throws(ICalendarError) {
            var frequency: String?
            for part in value.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else {
                    throw ICalendarError(line: line, message: "RRULE part \"\(part)\" is not NAME=VALUE")
                }
                let key = pair[0].uppercased(), v = pair[1]
                switch key {
                case "FREQ":
                    frequency = v.uppercased()
                case "INTERVAL":
                    guard v == "1" else {
                        throw ICalendarError(line: line, message: "RRULE INTERVAL=\(v) is not supported (only every year)")
                    }
                case "COUNT":
                    guard let n = Int(v), n > 0 else {
                        throw ICalendarError(line: line, message: "RRULE COUNT=\(v) is not a positive number")
                    }
                    event!.count = n
                case "UNTIL":
                    guard let date = ICalendar.basicDate(v.prefix(8)), v.count == 8 || v.dropFirst(8).first == "T" else {
                        throw ICalendarError(line: line, message: "RRULE UNTIL=\(v) is not a date")
                    }
                    event!.until = date
                case "WKST":
                    break
                default:
                    throw ICalendarError(
                        line: line, message: "RRULE \(key) is not supported (only FREQ=YEARLY on a fixed date)")
                }
            }
            guard frequency == "YEARLY" else {
                throw ICalendarError(
                    line: line, message: "RRULE FREQ=\(frequency ?? "") is not supported (only FREQ=YEARLY)")
            }
            event!.yearly = true
        }

        mutating func finish(_ event: Event) throws(ICalendarError) {
            guard !event.cancelled else { return }
            guard let start = event.start else {
                throw ICalendarError(line: event.line, message: "VEVENT without DTSTART")
            }
            var days: Int64 = 1
            if let end = event.end {
                days = end.daysSinceEpoch - start.daysSinceEpoch
                guard days >= 1 else {
                    throw ICalendarError(line: event.endLine, message: "DTEND \(end) is not after DTSTART \(start)")
                }
            } else if let duration = event.durationDays {
                days = duration
                guard days >= 1 else {
                    throw ICalendarError(line: event.durationLine, message: "DURATION must be at least one day")
                }
            }
            guard days <= 366 else {
                throw ICalendarError(
                    line: event.endLine > 0 ? event.endLine : event.durationLine,
                    message: "event of \(days) days is too long for a holiday (at most 366)")
            }
            let name = event.summary
            guard event.yearly else {
                for i in 0..<days { rules.append(.closed(start.adding(days: i), name: name)) }
                return
            }
            guard event.count != nil || event.until != nil else {
                for i in 0..<days {
                    let date = start.adding(days: i)
                    rules.append(.closedYearly(month: date.month, day: date.day, name: name))
                }
                return
            }
            // A bounded yearly series: expand its occurrences into one-off dates.
            var occurrences = 0
            for year in start.year...(start.year + 1000) {
                if let count = event.count, occurrences >= count { break }
                // RFC 5545: a yearly rule on Feb 29 has no occurrence in common years.
                guard let first = LocalDate(year: year, month: start.month, day: start.day) else { continue }
                if let until = event.until, first > until { break }
                for i in 0..<days { rules.append(.closed(first.adding(days: i), name: name)) }
                occurrences += 1
            }
        }

        func finish() throws(ICalendarError) -> [DayRule] {
            guard sawCalendar else {
                throw ICalendarError(line: 1, message: "not an iCalendar file (expected BEGIN:VCALENDAR)")
            }
            if let event {
                throw ICalendarError(line: event.line, message: "BEGIN:VEVENT without END:VEVENT")
            }
            if let open = stack.last {
                throw ICalendarError(line: lastLine, message: "BEGIN:\(open) without END:\(open)")
            }
            return rules
        }
    }

    // MARK: - Values

    /// The date of an all-day `DTSTART`/`DTEND`; timed values are errors.
    static func allDayDate(_ content: ContentLine, line: Int) throws(ICalendarError) -> LocalDate {
        let value = content.value.trimmingSpaces
        let isDate = content.parameters["VALUE"]?.uppercased() == "DATE"
        if value.count == 8, let date = basicDate(value) {
            return date
        }
        if !isDate, value.count > 8, basicDate(value.prefix(8)) != nil, value.dropFirst(8).first == "T" {
            throw ICalendarError(
                line: line,
                message: "\(content.name) \(value) is not an all-day date (holidays need \(content.name);VALUE=DATE:YYYYMMDD)")
        }
        throw ICalendarError(line: line, message: "\(content.name) \"\(value)\" is not a date (YYYYMMDD)")
    }

    /// `YYYYMMDD`.
    static func basicDate(_ text: Substring) -> LocalDate? {
        guard text.count == 8, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let y = Int(text.prefix(4)), let m = Int(text.dropFirst(4).prefix(2)), let d = Int(text.suffix(2))
        else { return nil }
        return LocalDate(year: y, month: m, day: d)
    }

    /// Whole days of a `DURATION` value: `P1D`, `P2W`, `P1DT0H` are accepted; nil otherwise.
    static func durationDays(_ text: Substring) -> Int64? {
        var s = text.trimmingSpaces
        if s.first == "+" { s = s.dropFirst() }
        guard s.first == "P" || s.first == "p" else { return nil }
        s = s.dropFirst()
        // Accept an all-zero time part, e.g. P1DT0H0M0S.
        if let t = s.firstIndex(where: { $0 == "T" || $0 == "t" }) {
            guard s[s.index(after: t)...].allSatisfy({ "0HMShms".contains($0) }) else { return nil }
            s = s[..<t]
        }
        guard let unit = s.last, let n = Int64(s.dropLast()), n >= 0 else { return nil }
        switch unit {
        case "D", "d": return n
        case "W", "w": return n * 7
        default: return nil
        }
    }

    /// Unescapes a TEXT value: `\\`, `\;`, `\,`, `\n`/`\N`.
    static func unescape(_ text: Substring) -> String {
        var result = ""
        var escaped = false
        for c in text {
            if escaped {
                switch c {
                case "n", "N": result.append(" ")
                default: result.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                result.append(c)
            }
        }
        return String(Substring(result).trimmingSpaces)
    }
}

/// An iCalendar feed that cannot be imported: the line and the problem.
public struct ICalendarError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based physical line number in the file.
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    /// `line 12: DTSTART 20261225T090000Z is not an all-day date ...`.
    public var description: String { "line \(line): \(message)" }
}
