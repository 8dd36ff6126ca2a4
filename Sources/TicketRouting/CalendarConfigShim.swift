// TEMPORARY until branch btcfg (CalendarConfig.parseRegions) is merged: a minimal reader of
// `regions:` (timezone, hours with `mon-fri` style keys, holidays as dates). Delete on merge.
import BusinessTime
import Yams

enum CalendarConfig {
    static func parseRegions(
        _ node: Node, file: String, baseDirectory: String, extraKeys: Set<String>
    ) throws(ConfigError) -> [String: BusinessCalendar] {
        guard let mapping = node.mapping else { throw ConfigError(file: file, keyPath: "regions", message: "expected a mapping") }
        var out: [String: BusinessCalendar] = [:]
        for (key, value) in mapping {
            guard let id = key.string, let m = value.mapping else {
                throw ConfigError(file: file, keyPath: "regions", message: "expected a mapping")
            }
            let tz = m["timezone"]?.string ?? "UTC"
            var weekly = WeeklySchedule()
            if let hours = m["hours"]?.mapping {
                for (dk, hv) in hours {
                    let days = dk.string ?? ""
                    let intervals = (hv.string ?? "").split(separator: ",").compactMap { DailyInterval($0) }
                    let parts = days.split(separator: "-")
                    guard let a = parts.first.flatMap({ Weekday(name: $0) }) else { continue }
                    let b = parts.count > 1 ? Weekday(name: parts[1]) ?? a : a
                    for d in a.rawValue...b.rawValue { weekly.days[Weekday(rawValue: d)!] = intervals }
                }
            }
            var rules: [DayRule] = []
            if let hol = m["holidays"]?.sequence {
                for h in hol { if let s = h.string, let d = LocalDate(iso: s) { rules.append(.closed(d, name: nil)) } }
            }
            do {
                out[id] = try BusinessCalendar(CalendarSpec(id: id, timeZoneIdentifier: tz, weekly: weekly, rules: rules))
            } catch {
                throw ConfigError(file: file, keyPath: "regions.\(id)", message: "\(error)")
            }
        }
        return out
    }
}
