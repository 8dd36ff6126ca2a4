public import Yams

extension CalendarConfig {
    /// Compiles an hours spec written as a region's `hours:` is (`24x7`, or weekdays to
    /// `"HH:MM-HH:MM"` ranges) into a calendar of its own, in `timeZoneIdentifier`, with no
    /// holidays: e.g. a region's `on_call:` coverage, which is there on holidays too.
    ///
    /// - Parameters:
    ///   - node: the spec's YAML node.
    ///   - id: the calendar's id (e.g. `emea.on_call`).
    ///   - keyPath: where the node sits, for messages (e.g. `regions.emea.on_call`).
    /// - Throws: `ConfigError` with the key path: a malformed spec, or one with no open time.
    /// - Complexity: O(size of the spec) plus compiling the calendar.
    public static func hoursCalendar(
        _ node: Node, id: String, timeZoneIdentifier: String, file: String, keyPath: String
    ) throws(ConfigError) -> BusinessCalendar {
        let reader = Reader(file: file, baseDirectory: ".", extraKeys: [])
        let weekly = try reader.hours(node, keyPath)
        do {
            return try BusinessCalendar(CalendarSpec(id: id, timeZoneIdentifier: timeZoneIdentifier, weekly: weekly))
        } catch {
            throw ConfigError(file: file, keyPath: keyPath, message: error.description + CalendarConfig.at(node))
        }
    }
}
