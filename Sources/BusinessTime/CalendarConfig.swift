import Foundation
public import Yams

/// Loads business calendars from the `regions:` map of the YAML config.
///
/// Shape of one region (every key but `timezone` and `hours` is optional):
/// ```yaml
/// regions:
///   emea:
///     timezone: Europe/Paris              # IANA id
///     hours:                              # or: hours: 24x7
///       mon-fri: "08:00-12:00,13:00-18:00"  # weekday or range (mon-fri, sat-sun, sun-thu)
///       sat: "22:00-06:00"                # crosses midnight; belongs to the day it starts on
///       sun: closed                       # the same as leaving the day out
///     holidays:
///       - 2026-05-14                      # closed all day, once
///       - 12-25                           # closed all day, every year
///       - 07-04 observed                  # every year, and Fri before / Mon after on a weekend
///       - 4th thu of nov                  # n-th (1st-5th) or last weekday of a month, yearly
///       - { rule: easter+1, name: Easter Monday }  # days from Western Easter (-80...+250)
///       - { date: 2026-12-31, name: Saint-Sylvestre }
///       - { date: 2026-12-24, hours: "08:00-12:00", name: Christmas Eve }  # reduced hours
///     open_days:                          # extra open days (e.g. a working Saturday)
///       2026-12-19: "09:00-13:00"         # or { hours: "09:00-13:00", name: Inventory }
///     holiday_files:                      # iCalendar feeds, relative to the config file
///       - holidays/fr.ics
/// ```
/// Errors are `ConfigError`s naming the file, the key path and the problem, with
/// the YAML line when Yams knows it.
public enum CalendarConfig {
    /// The keys of a region that this module reads.
    public static let regionKeys: [String] = ["timezone", "hours", "holidays", "open_days", "holiday_files"]

    // MARK: - Whole file

    /// Reads and composes a YAML file.
    /// - Throws: `ConfigError` if the file cannot be read or is not valid YAML (with the line).
    /// - Returns: the root node, or nil for an empty document.
    public static func compose(file: String) throws(ConfigError) -> Node? {
        guard FileManager.default.fileExists(atPath: file) else {
            throw ConfigError(file: file, keyPath: "", message: "no such file")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigError(file: file, keyPath: "", message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: file, keyPath: "", message: "not UTF-8 text")
        }
        return try compose(yaml: text, file: file)
    }

    /// Composes YAML text; syntax errors become `ConfigError`s with the line.
    public static func compose(yaml text: String, file: String) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: file, keyPath: "", message: syntaxMessage(error))
        } catch {
            throw ConfigError(file: file, keyPath: "", message: "YAML syntax error: \(error)")
        }
    }

    /// The calendars of every region of a config file.
    /// Top-level keys other than `regions` are left to their owners (e.g. `plans`).
    /// - Parameter extraKeys: region keys that other modules read (e.g. `tiers`).
    /// - Throws: `ConfigError` for a missing file, a YAML syntax error (with the line),
    ///   or a bad region (with the key path).
    /// - Complexity: O(size of the config) plus compiling each calendar (a few ms each).
    public static func load(file: String, extraKeys: Set<String> = []) throws(ConfigError) -> [String: BusinessCalendar] {
        let regions = try regionsNode(of: compose(file: file), file: file)
        return try parseRegions(regions, file: file, baseDirectory: directory(of: file), extraKeys: extraKeys)
    }

    /// The specs of every region of a config file, without compiling them.
    /// Top-level keys other than `regions` are left to their owners.
    /// - Parameter extraKeys: region keys that other modules read (e.g. `tiers`).
    public static func loadSpecs(file: String, extraKeys: Set<String> = []) throws(ConfigError) -> [String: CalendarSpec] {
        let regions = try regionsNode(of: compose(file: file), file: file)
        return try parseRegionSpecs(regions, file: file, baseDirectory: directory(of: file), extraKeys: extraKeys)
    }

    /// The `regions` node of a config root; an error if it is missing.
    public static func regionsNode(of root: Node?, file: String) throws(ConfigError) -> Node {
        guard let root else {
            throw ConfigError(file: file, keyPath: "", message: "the file is empty (expected a \"regions\" map)")
        }
        guard let mapping = root.mapping else {
            throw ConfigError(file: file, keyPath: "", message: "expected a map at the top level" + at(root))
        }
        guard let regions = mapping["regions"] else {
            throw ConfigError(file: file, keyPath: "", message: "missing key \"regions\"")
        }
        return regions
    }

    /// The directory part of a path (`.` if none): where relative holiday files are looked up.
    public static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }

    // MARK: - Regions

    /// Parses the `regions:` map into calendar specs, reading the `.ics` files it names
    /// relative to `baseDirectory`.
    /// - Parameter extraKeys: region keys that are not errors because another module reads them.
    /// - Throws: `ConfigError` with the key path, e.g. `regions.amer.hours.mon`.
    /// - Complexity: O(size of the config and the holiday files).
    public static func parseRegionSpecs(
        _ node: Node, file: String, baseDirectory: String, extraKeys: Set<String>
    ) throws(ConfigError) -> [String: CalendarSpec] {
        let reader = Reader(file: file, baseDirectory: baseDirectory, extraKeys: extraKeys)
        return try reader.regions(node)
    }

    /// Parses the `regions:` map into compiled calendars, reading the `.ics` files it
    /// names relative to `baseDirectory`.
    /// - Parameter extraKeys: region keys that are not errors because another module reads them.
    /// - Throws: `ConfigError` with the key path: `regions.emea.timezone: unknown time zone
    ///   "Europe/Pariss"`, `regions.amer.hours.mon: "9:00-25:00" is not a time range`,
    ///   `regions.x.hours: the calendar has no open time at all`.
    /// - Complexity: O(size of the config and the holiday files) plus compiling each calendar.
    public static func parseRegions(
        _ node: Node, file: String, baseDirectory: String, extraKeys: Set<String>
    ) throws(ConfigError) -> [String: BusinessCalendar] {
        let specs = try parseRegionSpecs(node, file: file, baseDirectory: baseDirectory, extraKeys: extraKeys)
        var calendars: [String: BusinessCalendar] = [:]
        // In file order, so that the first bad region is the one reported.
        for (key, value) in node.mapping! {
            guard let id = key.scalar?.string, let spec = specs[id] else { continue }
            do {
                calendars[id] = try BusinessCalendar(spec)
            } catch {
                let region = value.mapping
                let (field, fieldNode): (String, Node?) = switch error {
                case .unknownTimeZone: ("timezone", region?["timezone"])
                case .noOpenTime, .overlappingIntervals: ("hours", region?["hours"])
                }
                throw ConfigError(
                    file: file, keyPath: "regions.\(id).\(field)",
                    message: error.description + (fieldNode.map(at) ?? ""))
            }
        }
        return calendars
    }

    /// Where a node is in the YAML text: ` (line N)`, or nothing if unknown.
    static func at(_ node: Node) -> String {
        node.mark.map { " (line \($0.line))" } ?? ""
    }

    static func syntaxMessage(_ error: YamlError) -> String {
        func where_(_ mark: Mark) -> String { " (line \(mark.line), column \(mark.column))" }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let while_ = context.map { " \($0.text)" } ?? ""
            return "YAML syntax error: \(problem)\(while_)" + where_(mark)
        case let .reader(problem, _, _, _):
            return "YAML syntax error: \(problem)"
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            return "duplicate key \(keys)" + where_(context.mark)
        default:
            return "YAML syntax error: \(error)"
        }
    }
}

// MARK: - Reader

extension CalendarConfig {
    /// Walks the nodes, keeping the key path for error messages.
    struct Reader {
        var file: String
        var baseDirectory: String
        var extraKeys: Set<String>

        func error(_ path: String, _ message: String, _ node: Node?) -> ConfigError {
            ConfigError(file: file, keyPath: path, message: message + (node.map(CalendarConfig.at) ?? ""))
        }

        /// The key/value pairs of a map node whose keys are scalars.
        func pairs(_ node: Node, _ path: String, expected: String) throws(ConfigError) -> [(key: String, keyNode: Node, value: Node)] {
            guard let mapping = node.mapping else {
                throw error(path, "expected \(expected)", node)
            }
            var result: [(key: String, keyNode: Node, value: Node)] = []
            var merged: [(key: String, keyNode: Node, value: Node)] = []
            for (key, value) in mapping {
                guard let name = key.scalar?.string else {
                    throw error(path, "keys must be plain names", key)
                }
                // YAML merge key (`<<: *defaults`): the merged map's keys, unless given here.
                if name == "<<", key.scalar?.style == .plain {
                    let sources = value.sequence.map(Array.init) ?? [value]
                    for source in sources {
                        merged += try pairs(source, path, expected: "a map to merge (<<: *anchor)")
                    }
                    continue
                }
                result.append((name, key, value))
            }
            for entry in merged where !result.contains(where: { $0.key == entry.key }) {
                result.append(entry)
            }
            return result
        }

        /// The nodes of a sequence; a single scalar counts as a list of one.
        func items(_ node: Node, _ path: String, expected: String) throws(ConfigError) -> [Node] {
            if let sequence = node.sequence { return Array(sequence) }
            if node.scalar != nil, !isNull(node) { return [node] }
            if isNull(node) { return [] }
            throw error(path, "expected \(expected)", node)
        }

        func isNull(_ node: Node) -> Bool {
            guard let scalar = node.scalar else { return false }
            return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        }

        func string(_ node: Node, _ path: String, expected: String) throws(ConfigError) -> String {
            guard let scalar = node.scalar, !isNull(node) else {
                throw error(path, "expected \(expected)", node)
            }
            return scalar.string
        }

        func regions(_ node: Node) throws(ConfigError) -> [String: CalendarSpec] {
            let regions = try pairs(node, "regions", expected: "a map of region ids to calendars")
            guard !regions.isEmpty else {
                throw error("regions", "no regions defined", node)
            }
            var specs: [String: CalendarSpec] = [:]
            for (id, keyNode, value) in regions {
                let path = "regions.\(id)"
                guard CalendarConfig.isValidRegionID(id) else {
                    throw error(path, "a region id is 1-64 letters, digits, '-' or '_'", keyNode)
                }
                specs[id] = try region(id: id, value, path)
            }
            return specs
        }

        func region(id: String, _ node: Node, _ path: String) throws(ConfigError) -> CalendarSpec {
            let entries = try pairs(node, path, expected: "a map with timezone, hours, ...")
            var timezone: String?
            var weekly: WeeklySchedule?
            var rules = RuleSet()
            for (key, keyNode, value) in entries {
                let keyPath = "\(path).\(key)"
                switch key {
                case "timezone":
                    let text = try string(value, keyPath, expected: "an IANA time zone id, e.g. Europe/Paris")
                    guard !text.isEmpty, !text.contains(where: \.isWhitespace) else {
                        throw error(keyPath, "\"\(text)\" is not a time zone id", value)
                    }
                    timezone = text
                case "hours":
                    weekly = try hours(value, keyPath)
                case "holidays":
                    try holidays(value, keyPath, into: &rules)
                case "open_days":
                    try openDays(value, keyPath, into: &rules)
                case "holiday_files":
                    try holidayFiles(value, keyPath, into: &rules)
                default:
                    guard extraKeys.contains(key) else {
                        let known = (CalendarConfig.regionKeys + extraKeys.sorted()).joined(separator: ", ")
                        throw error(keyPath, "unknown key (known: \(known))", keyNode)
                    }
                }
            }
            guard let timezone else {
                throw error(path, "missing key \"timezone\"", node)
            }
            guard let weekly else {
                throw error(path, "missing key \"hours\"", node)
            }
            return CalendarSpec(id: id, timeZoneIdentifier: timezone, weekly: weekly, rules: rules.rules)
        }

        // MARK: hours

        func hours(_ node: Node, _ path: String) throws(ConfigError) -> WeeklySchedule {
            if let scalar = node.scalar, !isNull(node) {
                let text = scalar.string.lowercased()
                guard text == "24x7" || text == "24/7" else {
                    throw error(path, "expected a map of weekdays to hours (mon-fri: \"08:00-18:00\") or 24x7", node)
                }
                return .everyDay([DailyInterval(start: 0, end: 86_400)!])
            }
            var days: [Weekday: [DailyInterval]] = [:]
            var givenBy: [Weekday: String] = [:]
            for (key, keyNode, value) in try pairs(node, path, expected: "a map of weekdays to hours (mon-fri: \"08:00-18:00\") or 24x7") {
                let keyPath = "\(path).\(key)"
                guard let weekdays = CalendarConfig.weekdays(key) else {
                    throw error(keyPath, "\"\(key)\" is not a weekday or a range of weekdays (mon, mon-fri, sat-sun)", keyNode)
                }
                let intervals = try intervals(value, keyPath)
                for day in weekdays {
                    if let other = givenBy[day] {
                        throw error(keyPath, "\(day.shortName) is already given by \"\(other)\"", keyNode)
                    }
                    givenBy[day] = key
                    if !intervals.isEmpty { days[day] = intervals }
                }
            }
            try checkWeekOverlaps(days, givenBy: givenBy, path: path, node: node)
            return WeeklySchedule(days: days)
        }

        /// `"08:00-12:00,13:00-18:00"`, a list of ranges, or `closed`; sorted and
        /// checked for overlaps within the day.
        func intervals(_ node: Node, _ path: String) throws(ConfigError) -> [DailyInterval] {
            var texts: [String] = []
            if let sequence = node.sequence {
                for (i, item) in sequence.enumerated() {
                    texts.append(try string(item, "\(path)[\(i)]", expected: "a time range \"HH:MM-HH:MM\""))
                }
            } else {
                let text = try string(node, path, expected: "time ranges \"HH:MM-HH:MM\" separated by commas, or closed")
                if text.lowercased() == "closed" { return [] }
                texts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            var result: [DailyInterval] = []
            for text in texts {
                let trimmed = String(Substring(text).trimmingSpaces)
                guard let interval = DailyInterval(trimmed) else {
                    throw error(path, "\"\(trimmed)\" is not a time range", node)
                }
                result.append(interval)
            }
            result.sort { $0.start < $1.start }
            for (a, b) in zip(result, result.dropFirst()) where a.crossesMidnight || a.end > b.start {
                throw error(path, "\"\(a)\" and \"\(b)\" overlap", node)
            }
            return result
        }

        /// An interval that crosses midnight must end before the next day's first one starts.
        func checkWeekOverlaps(
            _ days: [Weekday: [DailyInterval]], givenBy: [Weekday: String], path: String, node: Node
        ) throws(ConfigError) {
            for day in Weekday.allCases {
                guard let last = days[day]?.last, last.crossesMidnight else { continue }
                let next = Weekday(rawValue: day.rawValue % 7 + 1)!
                guard let first = days[next]?.first, first.start < last.end else { continue }
                throw error(
                    "\(path).\(givenBy[next]!)",
                    "\"\(first)\" overlaps \"\(last)\" of \(day.shortName), which runs past midnight", node)
            }
        }

        // MARK: holidays and open days

        /// One-off rules are kept per date so that a date cannot be both closed and open.
        struct RuleSet {
            var rules: [DayRule] = []
            var oneOff: [LocalDate: (isClosed: Bool, path: String)] = [:]
        }

        func add(
            _ rule: DayRule, _ path: String, _ node: Node, into set: inout RuleSet
        ) throws(ConfigError) {
            switch rule {
            case .closed(let date, _):
                if let previous = set.oneOff[date] {
                    guard previous.isClosed else {
                        throw error(path, "\(date) is also given hours at \(previous.path)", node)
                    }
                    set.rules.append(rule)
                    return
                }
                set.oneOff[date] = (true, path)
            case .hours(let date, _, _):
                if let previous = set.oneOff[date] {
                    throw error(path, "\(date) is already given at \(previous.path)", node)
                }
                set.oneOff[date] = (false, path)
            case .closedYearly, .closedMovable:
                break
            }
            set.rules.append(rule)
        }

        func holidays(_ node: Node, _ path: String, into set: inout RuleSet) throws(ConfigError) {
            let list = try items(node, path, expected: "a list of holidays (2026-12-25, 12-25, easter+1, ... or {date: ..., name: ...})")
            for (i, item) in list.enumerated() {
                let itemPath = "\(path)[\(i)]"
                if item.mapping != nil {
                    try holidayMap(item, itemPath, into: &set)
                    continue
                }
                let text = try string(item, itemPath, expected: "a date (2026-12-25), a yearly date or rule (12-25, easter+1) or {date: ..., name: ...}")
                try add(try holidayRule(text, name: nil, itemPath, item), itemPath, item, into: &set)
            }
        }

        func holidayMap(_ node: Node, _ path: String, into set: inout RuleSet) throws(ConfigError) {
            var dateNode: Node?
            var ruleNode: Node?
            var name: String?
            var hoursNode: Node?
            let entries = try pairs(node, path, expected: "{date: ..., name: ..., hours: ...}")
            // Short form of reduced hours: `- 2026-12-24: "08:00-12:00"`.
            if entries.count == 1, let only = entries.first, only.key != "date",
               LocalDate(iso: only.key) != nil || CalendarConfig.monthDay(only.key) != nil {
                dateNode = only.keyNode
                hoursNode = only.value
            }
            let shortForm = dateNode != nil
            for (key, keyNode, value) in entries where !shortForm {
                switch key {
                case "date": dateNode = value
                case "rule": ruleNode = value
                case "name": name = try string(value, "\(path).name", expected: "a name")
                case "hours": hoursNode = value
                default:
                    throw error("\(path).\(key)", "unknown key (known: date, rule, name, hours)", keyNode)
                }
            }
            let rule: DayRule
            let datePath: String
            let text: String
            let valueNode: Node
            switch (dateNode, ruleNode) {
            case let (dateNode?, nil):
                valueNode = dateNode
                datePath = shortForm ? path : "\(path).date"
                text = try string(dateNode, datePath, expected: "a date (2026-12-24) or a yearly date (12-25)")
                rule = try dateRule(text, name: name, datePath, dateNode)
            case let (nil, ruleNode?):
                valueNode = ruleNode
                datePath = "\(path).rule"
                text = try string(ruleNode, datePath, expected: "a yearly rule (easter+1, 4th thu of nov, 07-04 observed, 12-25)")
                rule = try holidayRule(text, name: name, datePath, ruleNode)
                if case .closed = rule {
                    throw error(datePath, "\"\(text)\" is a date: write it as date: \(text)", ruleNode)
                }
            case (nil, nil):
                throw error(path, "missing key \"date\" or \"rule\"", node)
            case (_?, _?):
                throw error(path, "give \"date\" or \"rule\", not both", node)
            }
            if let hoursNode {
                let intervals = try intervals(hoursNode, shortForm ? "\(path).\(text)" : "\(path).hours")
                if !intervals.isEmpty {
                    guard case .closed(let date, _) = rule else {
                        throw error(datePath, "reduced hours need a full date (YYYY-MM-DD), not \"\(text)\"", valueNode)
                    }
                    try add(.hours(date, intervals, name: name), path, node, into: &set)
                    return
                }
            }
            try add(rule, path, node, into: &set)
        }

        /// `2026-12-25` → `.closed`; `12-25` → `.closedYearly`.
        func dateRule(_ text: String, name: String?, _ path: String, _ node: Node) throws(ConfigError) -> DayRule {
            if let rule = CalendarConfig.fixedRule(text, name: name) { return rule }
            if MovableHoliday.parse(text) != nil {
                throw error(path, "\"\(text)\" is a yearly rule: write it as rule: \(text)", node)
            }
            throw error(path, "\"\(text)\" is not a date (YYYY-MM-DD) or a yearly date (MM-DD)", node)
        }

        /// A date (`2026-12-25`, `12-25`) or a movable rule (`easter+1`, `4th thu of nov`,
        /// `last mon of may`, `07-04 observed`), see `MovableHoliday`.
        func holidayRule(_ text: String, name: String?, _ path: String, _ node: Node) throws(ConfigError) -> DayRule {
            if let rule = CalendarConfig.fixedRule(text, name: name) { return rule }
            switch MovableHoliday.parse(text) {
            case .success(let rule)?:
                return .closedMovable(rule, name: name)
            case .failure(let problem)?:
                throw error(path, "\"\(text)\": \(problem)", node)
            case nil where !text.isEmpty && text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 45 }):
                throw error(path, "\"\(text)\" is not a date (YYYY-MM-DD) or a yearly date (MM-DD)", node)
            case nil:
                throw error(path, "\"\(text)\" is not a holiday: expected a date (2026-12-25), a yearly date (12-25), "
                    + "12-25 observed, 4th thu of nov, last mon of may or easter+1", node)
            }
        }

        func openDays(_ node: Node, _ path: String, into set: inout RuleSet) throws(ConfigError) {
            if isNull(node) { return }
            for (key, keyNode, value) in try pairs(node, path, expected: "a map of dates to hours (2026-12-19: \"09:00-13:00\")") {
                let keyPath = "\(path).\(key)"
                guard let date = LocalDate(iso: key) else {
                    throw error(keyPath, "\"\(key)\" is not a date (YYYY-MM-DD)", keyNode)
                }
                var name: String?
                var hoursNode = value
                if value.mapping != nil {
                    var found: Node?
                    for (k, kNode, v) in try pairs(value, keyPath, expected: "{hours: ..., name: ...}") {
                        switch k {
                        case "hours": found = v
                        case "name": name = try string(v, "\(keyPath).name", expected: "a name")
                        default: throw error("\(keyPath).\(k)", "unknown key (known: hours, name)", kNode)
                        }
                    }
                    guard let found else { throw error(keyPath, "missing key \"hours\"", value) }
                    hoursNode = found
                }
                let hoursPath = value.mapping != nil ? "\(keyPath).hours" : keyPath
                let intervals = try intervals(hoursNode, hoursPath)
                guard !intervals.isEmpty else {
                    throw error(hoursPath, "an open day needs opening hours", hoursNode)
                }
                try add(.hours(date, intervals, name: name), keyPath, keyNode, into: &set)
            }
        }

        func holidayFiles(_ node: Node, _ path: String, into set: inout RuleSet) throws(ConfigError) {
            let list = try items(node, path, expected: "a list of .ics files")
            for (i, item) in list.enumerated() {
                let itemPath = "\(path)[\(i)]"
                let name = try string(item, itemPath, expected: "a path to an .ics file")
                let resolved = name.hasPrefix("/") ? name : "\(baseDirectory)/\(name)"
                guard let data = FileManager.default.contents(atPath: resolved) else {
                    throw error(itemPath, "cannot read \"\(resolved)\"", item)
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    throw error(itemPath, "\"\(resolved)\" is not UTF-8 text", item)
                }
                let rules: [DayRule]
                do {
                    rules = try ICalendar.parseHolidaysTyped(text)
                } catch {
                    throw ConfigError(file: file, keyPath: itemPath, message: "\(resolved): \(error)")
                }
                for rule in rules {
                    try add(rule, itemPath, item, into: &set)
                }
            }
        }
    }

    // MARK: - Small parsers

    /// `mon`, `monday`, `mon-fri`, `sat-sun`, `sun-thu` (wrapping) → the weekdays.
    static func weekdays(_ key: String) -> [Weekday]? {
        let parts = key.split(separator: "-", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            return Weekday(name: parts[0].trimmingSpaces).map { [$0] }
        case 2:
            guard let first = Weekday(name: parts[0].trimmingSpaces),
                  let last = Weekday(name: parts[1].trimmingSpaces)
            else { return nil }
            var days = [first]
            var day = first
            while day != last {
                day = Weekday(rawValue: day.rawValue % 7 + 1)!
                days.append(day)
            }
            return days
        default:
            return nil
        }
    }

    /// `2026-12-25` → `.closed`; `12-25` → `.closedYearly`; nil for anything else.
    static func fixedRule(_ text: String, name: String?) -> DayRule? {
        if let date = LocalDate(iso: text) { return .closed(date, name: name) }
        if let (month, day) = monthDay(text) { return .closedYearly(month: month, day: day, name: name) }
        return nil
    }

    /// `MM-DD` (02-29 allowed): a yearly date.
    static func monthDay(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
              let month = Int(parts[0]), let day = Int(parts[1]),
              (1...12).contains(month), day >= 1, day <= LocalDate.daysInMonth(year: 2000, month: month)
        else { return nil }
        return (month, day)
    }

    /// Region ids become NATS subject tokens: 1–64 letters, digits, `-`, `_`.
    public static func isValidRegionID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95
        }
    }
}
