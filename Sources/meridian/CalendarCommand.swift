import ArgumentParser
import BusinessTime

/// `meridian calendar`: look at a region's business calendar.
struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Look at a region's business calendar.",
        subcommands: [Show.self]
    )
}

extension CalendarCommand {
    /// `meridian calendar show`: the open intervals of some days, in local time and UTC.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The open intervals of some days in local time and UTC, holidays marked.",
            discussion: "meridian calendar show --region emea --from 2026-12-23 --days 7"
        )

        @OptionGroup var options: RegionOptions

        @Option(help: ArgumentHelp("First local date (YYYY-MM-DD).", valueName: "date"))
        var from: String

        @Option(help: ArgumentHelp("Number of days (1-3660).", valueName: "n"))
        var days: Int = 7

        func validate() throws {
            guard LocalDate(iso: from) != nil else {
                throw ValidationError("--from \"\(from)\" is not a date (YYYY-MM-DD).")
            }
            guard (1...3660).contains(days) else {
                throw ValidationError("--days must be between 1 and 3660.")
            }
        }

        func run() throws {
            let calendar = try options.calendar()
            let first = LocalDate(iso: from)!
            print(CalendarCommand.render(calendar, from: first, days: days), terminator: "")
        }
    }

    /// The text of `calendar show`: a heading, then one line per open interval (the
    /// first of a day carries the date), closed days and holidays marked with their name
    /// and, for a movable one, the rule that puts it on that date.
    ///
    /// ```
    /// emea (Europe/Paris): 2026-12-23 to 2026-12-25, 20h00m open
    /// 2026-12-23 Wed  08:00-18:00 +01:00   2026-12-23T07:00:00Z..2026-12-23T17:00:00Z
    /// 2026-12-24 Thu  08:00-18:00 +01:00   2026-12-24T07:00:00Z..2026-12-24T17:00:00Z
    /// 2026-12-25 Fri  closed: Noël
    /// ```
    /// and `2031-04-14 Mon  closed: Lundi de Pâques (easter+1)`.
    static func render(_ calendar: BusinessCalendar, from first: LocalDate, days: Int) -> String {
        let last = first.adding(days: Int64(days - 1))
        let rangeStart = calendar.localInstant(date: first, secondOfDay: 0)
        let rangeEnd = calendar.localInstant(date: last, secondOfDay: 86_400)
        var text = "\(calendar.id) (\(calendar.timeZoneIdentifier)): \(first) to \(last), "
            + "\(duration(calendar.between(rangeStart, rangeEnd))) open\n"
        for offset in 0..<Int64(days) {
            let date = first.adding(days: offset)
            let label = "\(date) \(date.weekday.shortName.prefix(1).uppercased() + date.weekday.shortName.dropFirst())  "
            let holiday = calendar.holiday(on: date)
            var lines: [String] = []
            for interval in calendar.openingHours(on: date) {
                let start = calendar.localInstant(date: date, secondOfDay: Int(interval.start))
                let endDate = interval.crossesMidnight ? date.adding(days: 1) : date
                let end = calendar.localInstant(date: endDate, secondOfDay: Int(interval.end))
                guard end > start else { continue }  // lost in a DST gap or a skipped day
                lines.append(localRange(calendar, start, end) + "   \(start.iso8601)..\(end.iso8601)")
            }
            if lines.isEmpty {
                text += label + (holiday.map { "closed: \($0)" } ?? "closed") + "\n"
                continue
            }
            if let holiday { lines[0] += "   special hours: \(holiday)" }
            text += label + lines[0] + "\n"
            let indent = String(repeating: " ", count: label.count)
            for line in lines.dropFirst() { text += indent + line + "\n" }
        }
        return text
    }

    /// `08:00-18:00 +01:00`, or with both offsets / the end's date when they differ.
    static func localRange(_ calendar: BusinessCalendar, _ start: Instant, _ end: Instant) -> String {
        // "2026-12-24 17:30:00 +01:00" → date, HH:MM, offset.
        func parts(_ instant: Instant) -> (date: Substring, time: Substring, offset: Substring) {
            let s = calendar.localTimeString(of: instant)
            let fields = s.split(separator: " ")
            return (fields[0], fields[1].prefix(fields[1].hasSuffix(":00") ? 5 : 8), fields[2])
        }
        let a = parts(start), b = parts(end)
        let endTime = a.date == b.date ? b.time : (b.time == "00:00" ? "24:00" : "\(b.time)(+1)")
        if a.offset == b.offset {
            return "\(a.time)-\(endTime) \(a.offset)"
        }
        // A DST change inside the interval: both offsets, and its real length.
        return "\(a.time) \(a.offset) - \(endTime) \(b.offset) (\(duration(end - start)))"
    }

    /// `50h00m`.
    static func duration(_ seconds: Int64) -> String {
        let minutes = seconds / 60
        let m = minutes % 60
        return "\(minutes / 60)h" + (m < 10 ? "0" : "") + "\(m)m" + (seconds % 60 == 0 ? "" : "\(seconds % 60)s")
    }
}
