public import BusinessTime
import Yams

/// The whole Meridian config: region calendars (via BusinessTime), per-region tiers,
/// plans with their SLA policy, tier escalation targets and routing knobs.
///
/// Schema (see Docs/ARCHITECTURE.md, `## TicketRouting`):
/// ```yaml
/// regions:
///   emea: { timezone: Europe/Paris, hours: { mon-fri: "08:00-18:00" }, tiers: [l1, l2, l3] }
/// routing: { margin: 30m }
/// intake: { max_age: 365d, max_future: 5m }   # window for created_at and action instants
/// warnings: [0.5, 0.75]
/// tiers: { l1: 8h, l2: 24h, l3: 72h }
/// plans:
///   enterprise:
///     first_response: { critical: 1h, major: 2h, minor: 2h }
///     resolution: { critical: 8h, major: 24h, minor: 40h }
///     calendar: { critical: 24x7 }
///     follow_the_sun: true
/// ```
public struct MeridianConfig: Sendable {
    /// The file the config was read from (for messages).
    public var file: String
    /// Every region's business calendar.
    public var calendars: [RegionID: BusinessCalendar]
    /// The tiers each region staffs (default: all three).
    public var regionTiers: [RegionID: Set<Tier>]
    public var plans: [PlanID: PlanPolicy]
    public var routing: RoutingPolicy
    /// How far from now a ticket's `created_at` and an action's instant may lie.
    public var intake: IntakeWindow
    /// The calendar of `24x7` targets.
    public var twentyFourSeven: BusinessCalendar
    /// On-call coverage per region (`regions.<id>.on_call:`), in the region's time zone, with no
    /// holidays. Regions without it have no on-call.
    public var onCall: [RegionID: BusinessCalendar]
    /// Support policies: partner escalation warnings, support hours, threading (`partners:`, `threading:`).
    public var partners = PartnerPolicy()

    /// Region ids, sorted.
    public var regions: [RegionID] { calendars.keys.sorted() }

    public init(
        file: String = "<memory>", calendars: [RegionID: BusinessCalendar], regionTiers: [RegionID: Set<Tier>] = [:],
        plans: [PlanID: PlanPolicy], routing: RoutingPolicy = RoutingPolicy(), intake: IntakeWindow = IntakeWindow(),
        onCall: [RegionID: BusinessCalendar] = [:]
    ) {
        self.file = file
        self.onCall = onCall
        self.calendars = calendars
        self.regionTiers = regionTiers
        self.plans = plans
        self.routing = routing
        self.intake = intake
        self.twentyFourSeven = BusinessCalendar.twentyFourSeven(id: "24x7")
    }

    /// The tiers `region` staffs: its levels (`tiers:`, default all three), plus `oncall` when it
    /// has on-call coverage.
    public func tiers(of region: RegionID) -> Set<Tier> {
        var tiers = regionTiers[region] ?? Set(Tier.levels)
        if onCall[region] != nil { tiers.insert(.oncall) }
        return tiers
    }

    /// The calendar an SLA clock of a ticket counts on: the plan's choice for the severity,
    /// resolved against the home region. Nil if the plan or region is unknown.
    /// - Complexity: O(1) (dictionary lookups).
    public func clockCalendar(plan: PlanID, severity: Severity, home: RegionID) -> BusinessCalendar? {
        guard let policy = plans[plan] else { return nil }
        switch policy.calendar[severity] {
        case .home: return calendars[home]
        case .twentyFourSeven: return twentyFourSeven
        case .region(let id): return calendars[id]
        }
    }

    // MARK: - Loading

    /// Reads and checks the whole YAML file.
    /// - Throws: `ConfigError` naming the file, the key path and the problem.
    public static func load(file: String) throws(ConfigError) -> MeridianConfig {
        let root = try CalendarConfig.compose(file: file)
        return try parse(root: root, file: file, baseDirectory: CalendarConfig.directory(of: file))
    }

    /// Parses YAML text (`file` is only used in messages; `.ics` paths are relative to `baseDirectory`).
    /// - Throws: `ConfigError`.
    public static func parse(yaml text: String, file: String, baseDirectory: String = ".") throws(ConfigError) -> MeridianConfig {
        try parse(root: CalendarConfig.compose(yaml: text, file: file), file: file, baseDirectory: baseDirectory)
    }

    static func parse(root: Node?, file: String, baseDirectory: String) throws(ConfigError) -> MeridianConfig {
        let regionsNode = try CalendarConfig.regionsNode(of: root, file: file)
        guard let top = root?.mapping else {
            throw ConfigError(file: file, keyPath: "", message: "the top level must be a mapping")
        }
        let p = ConfigParser(file: file)
        let raw = try CalendarConfig.parseRegions(
            regionsNode, file: file, baseDirectory: baseDirectory, extraKeys: regionKeys)
        var calendars: [RegionID: BusinessCalendar] = [:]
        for (id, calendar) in raw {
            guard SubjectToken.isValid(id) else {
                throw ConfigError(
                    file: file, keyPath: "regions.\(id)",
                    message: "a region id is a NATS subject token: 1-64 letters, digits, '-' and '_'")
            }
            calendars[RegionID(id)] = calendar
        }

        var regionTiers: [RegionID: Set<Tier>] = [:]
        if let mapping = regionsNode.mapping {
            for (key, value) in mapping {
                guard let id = key.string, let tiersNode = value.mapping?["tiers"] else { continue }
                let path = "regions.\(id).tiers"
                let list = try p.stringList(tiersNode, path)
                var set = Set<Tier>()
                for item in list {
                    guard let tier = Tier(rawValue: item), tier.isLevel else {
                        throw ConfigError(file: file, keyPath: path, message: "unknown tier \"\(item)\"; expected l1, l2 or l3")
                    }
                    set.insert(tier)
                }
                guard !set.isEmpty else {
                    throw ConfigError(file: file, keyPath: path, message: "a region needs at least one tier")
                }
                regionTiers[RegionID(id)] = set
            }
        }
        let onCall = try parseOnCall(regionsNode, calendars: calendars, file: file)

        var routing = RoutingPolicy()
        if let node = top["routing"] {
            let m = try p.mapping(node, "routing", allowed: ["margin"])
            if let margin = m["margin"] {
                routing.margin = try p.duration(margin, "routing.margin", allowZero: true)
            }
        }
        var intake = IntakeWindow()
        if let node = top["intake"] {
            let m = try p.mapping(node, "intake", allowed: ["max_age", "max_future"])
            if let v = m["max_age"] { intake.maxAge = try p.realDuration(v, "intake.max_age") }
            if let v = m["max_future"] { intake.maxFuture = try p.realDuration(v, "intake.max_future", allowZero: true) }
        }
        var warnings = [500, 750]
        if let node = top["warnings"] {
            warnings = try p.warnings(node, "warnings")
        }
        var tierTargets = TierTable<Int64?>(l1: nil, l2: nil, l3: nil)
        if let node = top["tiers"] {
            tierTargets = try p.tierTargets(node, "tiers", base: tierTargets)
        }
        guard let plansNode = top["plans"] else {
            throw ConfigError(file: file, keyPath: "plans", message: "missing: the config needs at least one plan")
        }
        let plansMap = try p.mapping(plansNode, "plans", allowed: nil)
        var plans: [PlanID: PlanPolicy] = [:]
        for (key, value) in plansMap {
            let path = "plans.\(key)"
            guard SubjectToken.isValid(key) else {
                throw ConfigError(
                    file: file, keyPath: path, message: "a plan id is 1-64 letters, digits, '-' and '_' (it is carried in every event)")
            }
            let m = try p.mapping(
                value, path,
                allowed: ["first_response", "resolution", "calendar", "follow_the_sun", "warnings", "tiers"])
            guard let fr = m["first_response"] else {
                throw ConfigError(file: file, keyPath: "\(path).first_response", message: "missing: every plan needs a first-response target")
            }
            let firstResponse = try p.severityDurations(fr, "\(path).first_response")
            guard let res = m["resolution"] else {
                throw ConfigError(file: file, keyPath: "\(path).resolution", message: "missing: every plan needs a resolution target")
            }
            let resolution = try p.severityDurations(res, "\(path).resolution")
            var calendar = SeverityTable<CalendarChoice>(all: .home)
            if let node = m["calendar"] {
                calendar = try p.calendarChoices(node, "\(path).calendar", regions: Set(calendars.keys))
            }
            var followTheSun = false
            if let node = m["follow_the_sun"] {
                followTheSun = try p.bool(node, "\(path).follow_the_sun")
            }
            var planWarnings = warnings
            if let node = m["warnings"] {
                planWarnings = try p.warnings(node, "\(path).warnings")
            }
            var planTiers = tierTargets
            if let node = m["tiers"] {
                planTiers = try p.tierTargets(node, "\(path).tiers", base: tierTargets)
            }
            let id = PlanID(key)
            plans[id] = PlanPolicy(
                id: id, firstResponse: firstResponse, resolution: resolution, calendar: calendar,
                followTheSun: followTheSun, warningPermille: planWarnings, tierTargets: planTiers)
        }
        guard !plans.isEmpty else {
            throw ConfigError(file: file, keyPath: "plans", message: "the config needs at least one plan")
        }
        var config = MeridianConfig(
            file: file, calendars: calendars, regionTiers: regionTiers, plans: plans, routing: routing, intake: intake,
            onCall: onCall)
        config.partners = try PartnerPolicy.parse(partners: top["partners"], threading: top["threading"], parser: p)
        return config
    }

    /// The region keys TicketRouting reads (besides BusinessTime's).
    public static let regionKeys: Set<String> = ["tiers", "on_call"]

    /// `regions.<id>.on_call:` of every region that has it: an hours spec (`24x7`, or the syntax of
    /// `hours`), compiled in the region's time zone.
    static func parseOnCall(
        _ regionsNode: Node, calendars: [RegionID: BusinessCalendar], file: String
    ) throws(ConfigError) -> [RegionID: BusinessCalendar] {
        var onCall: [RegionID: BusinessCalendar] = [:]
        guard let mapping = regionsNode.mapping else { return onCall }
        for (key, value) in mapping {
            guard let id = key.string, let node = value.mapping?["on_call"], let region = calendars[RegionID(id)]
            else { continue }
            onCall[RegionID(id)] = try CalendarConfig.hoursCalendar(
                node, id: "\(id).on_call", timeZoneIdentifier: region.timeZoneIdentifier, file: file,
                keyPath: "regions.\(id).on_call")
        }
        return onCall
    }
}

/// Small typed readers over Yams nodes that throw `ConfigError` with the key path.
struct ConfigParser {
    var file: String

    func error(_ path: String, _ message: String) -> ConfigError {
        ConfigError(file: file, keyPath: path, message: message)
    }

    func mapping(_ node: Node, _ path: String, allowed: Set<String>?) throws(ConfigError) -> [String: Node] {
        guard let mapping = node.mapping else { throw error(path, "expected a mapping") }
        var out: [String: Node] = [:]
        for (key, value) in mapping {
            guard let k = key.string else { throw error(path, "keys must be text") }
            if let allowed, !allowed.contains(k) {
                throw error("\(path).\(k)", "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
            out[k] = value
        }
        return out
    }

    func scalar(_ node: Node, _ path: String) throws(ConfigError) -> String {
        guard let s = node.scalar?.string else { throw error(path, "expected a single value") }
        return s
    }

    /// A business-time duration of at most ten years (`DurationText.tenYears`); `d` is refused.
    func duration(_ node: Node, _ path: String, allowZero: Bool = false) throws(ConfigError) -> Int64 {
        let s = try scalar(node, path)
        do {
            return try DurationText.parse(s, allowZero: allowZero, maximum: DurationText.tenYears, days: .refused)
        } catch {
            throw self.error(path, error.message)
        }
    }

    /// A real-time duration (`d` allowed) of at most ten years.
    func realDuration(_ node: Node, _ path: String, allowZero: Bool = false) throws(ConfigError) -> Int64 {
        let s = try scalar(node, path)
        do {
            return try DurationText.parse(s, allowZero: allowZero, maximum: DurationText.tenYears, days: .allowed)
        } catch {
            throw self.error(path, error.message)
        }
    }

    func bool(_ node: Node, _ path: String) throws(ConfigError) -> Bool {
        switch try scalar(node, path).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let s: throw error(path, "\"\(s)\" is not true or false")
        }
    }

    func stringList(_ node: Node, _ path: String) throws(ConfigError) -> [String] {
        if let seq = node.sequence {
            var out: [String] = []
            for (i, item) in seq.enumerated() { out.append(try scalar(item, "\(path)[\(i)]")) }
            return out
        }
        return try scalar(node, path).split(separator: ",").map { String($0.trimmingWhitespace) }
    }

    /// `2h` for every severity, or `{critical: 1h, major: 2h, minor: 2h}` (all three required).
    func severityDurations(_ node: Node, _ path: String) throws(ConfigError) -> SeverityTable<Int64> {
        if node.scalar != nil {
            return SeverityTable(all: try duration(node, path))
        }
        let m = try mapping(node, path, allowed: Set(Severity.allCases.map(\.rawValue)))
        var table = SeverityTable<Int64>(all: 0)
        for severity in Severity.allCases {
            guard let v = m[severity.rawValue] else {
                throw error("\(path).\(severity.rawValue)", "missing: give a target for every severity, or one value for all")
            }
            table[severity] = try duration(v, "\(path).\(severity.rawValue)")
        }
        return table
    }

    /// `home` / `24x7` / a region for all severities, or per severity (missing ones: home).
    func calendarChoices(_ node: Node, _ path: String, regions: Set<RegionID>) throws(ConfigError) -> SeverityTable<CalendarChoice> {
        func choice(_ n: Node, _ p: String) throws(ConfigError) -> CalendarChoice {
            let s = try scalar(n, p)
            switch s {
            case "home": return .home
            case "24x7", "24/7": return .twentyFourSeven
            default:
                guard regions.contains(RegionID(s)) else {
                    throw error(p, "\"\(s)\" is not home, 24x7 or a region")
                }
                return .region(RegionID(s))
            }
        }
        if node.scalar != nil { return SeverityTable(all: try choice(node, path)) }
        let m = try mapping(node, path, allowed: Set(Severity.allCases.map(\.rawValue)))
        var table = SeverityTable<CalendarChoice>(all: .home)
        for severity in Severity.allCases {
            if let v = m[severity.rawValue] { table[severity] = try choice(v, "\(path).\(severity.rawValue)") }
        }
        return table
    }

    /// `[0.5, 0.75]`: fractions in (0, 1), multiples of 0.001, at most 7; sorted, duplicates removed.
    func warnings(_ node: Node, _ path: String) throws(ConfigError) -> [Int] {
        guard let seq = node.sequence else { throw error(path, "expected a list of fractions, e.g. [0.5, 0.75]") }
        var out: [Int] = []
        for (i, item) in seq.enumerated() {
            let s = try scalar(item, "\(path)[\(i)]")
            guard let f = Double(s), let permille = CheckedConversion.permille(f) else {
                throw error("\(path)[\(i)]", "\"\(s)\" is not a fraction between 0.001 and 0.999")
            }
            guard abs(Double(permille) / 1000 - f) < 1e-9 else {
                throw error("\(path)[\(i)]", "\"\(s)\": use at most three decimals")
            }
            out.append(permille)
        }
        out = Array(Set(out)).sorted()
        guard out.count <= 7 else { throw error(path, "at most 7 warning thresholds") }
        return out
    }

    /// `{l1: 8h, l2: 24h, l3: 72h}`; `none` disables a tier's automatic escalation.
    func tierTargets(_ node: Node, _ path: String, base: TierTable<Int64?>) throws(ConfigError) -> TierTable<Int64?> {
        let m = try mapping(node, path, allowed: Set(Tier.levels.map(\.rawValue)))
        var table = base
        for tier in Tier.levels {
            guard let v = m[tier.rawValue] else { continue }
            if let s = v.scalar?.string, s == "none" || s == "null" || s == "~" || s.isEmpty {
                table[tier] = nil
            } else {
                table[tier] = try duration(v, "\(path).\(tier.rawValue)")
            }
        }
        return table
    }
}
