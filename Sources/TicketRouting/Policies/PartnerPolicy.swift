import BusinessTime
import Yams

/// A partner (reseller) that gives first-level support to its customers: the `partner` of a ticket.
///
/// Partner ids are the ticket's `partner` text (1–128 characters, checked at intake) and the keys
/// of the config's `partners:` section.
public struct PartnerID: TypedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// When a partner is warned that too many of its cases reach the vendor's higher tiers.
public struct EscalationWarningPolicy: Hashable, Sendable {
    /// The share of cases escalated beyond L1 at which a warning is published (0 < threshold ≤ 1).
    public var threshold: Double
    /// The rolling window, in seconds of real time: cases opened in the last `window` count, and a
    /// partner is warned at most once per `window`.
    public var window: Int64
    /// A partner with fewer cases in the window is never warned (a small sample says little).
    public var minCases: Int

    public init(threshold: Double = 0.3, window: Int64 = 30 * 86_400, minCases: Int = 10) {
        self.threshold = threshold
        self.window = window
        self.minCases = minCases
    }
}

/// How a follow-up that names a case is threaded.
public struct ThreadingPolicy: Hashable, Sendable {
    /// A case resolved longer ago than this (seconds of real time) is not reopened by a follow-up:
    /// the message becomes a new ticket linked to it.
    public var reopenWindow: Int64

    public init(reopenWindow: Int64 = 30 * 86_400) {
        self.reopenWindow = reopenWindow
    }
}

/// The config's `partners:` and `threading:` sections.
///
/// ```yaml
/// partners:
///   escalation_warning: { threshold: 0.3, window: 30d, min_cases: 10 }
///   reseller-7: { hours_per_year: 40 }
/// threading: { reopen_window: 30d }
/// ```
public struct PartnerPolicy: Hashable, Sendable {
    public var escalationWarning: EscalationWarningPolicy
    /// Support hours bought per year, in seconds, per partner.
    public var yearlyAllowance: [PartnerID: Int64]
    public var threading: ThreadingPolicy

    public init(escalationWarning: EscalationWarningPolicy = EscalationWarningPolicy(),
                yearlyAllowance: [PartnerID: Int64] = [:], threading: ThreadingPolicy = ThreadingPolicy()) {
        self.escalationWarning = escalationWarning
        self.yearlyAllowance = yearlyAllowance
        self.threading = threading
    }

    /// The longest window or allowance accepted: 10 years in seconds.
    public static let maxSeconds: Int64 = 10 * 366 * 86_400

    /// Reads `partners:` and `threading:` from the top-level mapping (both optional).
    /// - Throws: `ConfigError` with the key path.
    static func parse(partners: Node?, threading: Node?, parser p: ConfigParser) throws(ConfigError) -> PartnerPolicy {
        var policy = PartnerPolicy()
        if let node = threading {
            let m = try p.mapping(node, "threading", allowed: ["reopen_window"])
            if let w = m["reopen_window"] { policy.threading.reopenWindow = try p.calendarSpan(w, "threading.reopen_window") }
        }
        guard let node = partners else { return policy }
        let m = try p.mapping(node, "partners", allowed: nil)
        for (key, value) in m {
            if key == "escalation_warning" {
                policy.escalationWarning = try parseWarning(value, p)
                continue
            }
            let path = "partners.\(key)"
            guard !key.isEmpty, key.count <= 128 else { throw p.error(path, "a partner id is 1-128 characters") }
            let fields = try p.mapping(value, path, allowed: ["hours_per_year"])
            guard let hours = fields["hours_per_year"] else {
                throw p.error("\(path).hours_per_year", "missing: the support hours the partner bought per year")
            }
            let text = try p.scalar(hours, "\(path).hours_per_year")
            guard let h = Double(text), h.isFinite, h >= 0, h <= 87_840 else {
                throw p.error("\(path).hours_per_year", "\"\(text)\" is not a number of hours between 0 and 87840")
            }
            let seconds = (h * 3600).rounded()
            guard seconds == h * 3600 else {
                throw p.error("\(path).hours_per_year", "\"\(text)\": give whole seconds (e.g. 40 or 12.5)")
            }
            policy.yearlyAllowance[PartnerID(key)] = Int64(seconds)
        }
        return policy
    }

    private static func parseWarning(_ node: Node, _ p: ConfigParser) throws(ConfigError) -> EscalationWarningPolicy {
        let path = "partners.escalation_warning"
        let m = try p.mapping(node, path, allowed: ["threshold", "window", "min_cases"])
        var w = EscalationWarningPolicy()
        if let t = m["threshold"] {
            let text = try p.scalar(t, "\(path).threshold")
            guard let v = Double(text), v.isFinite, v > 0, v <= 1 else {
                throw p.error("\(path).threshold", "\"\(text)\" is not a share above 0 and at most 1 (e.g. 0.3)")
            }
            w.threshold = v
        }
        if let n = m["window"] { w.window = try p.calendarSpan(n, "\(path).window") }
        if let n = m["min_cases"] {
            let text = try p.scalar(n, "\(path).min_cases")
            guard let v = Int(text), v >= 1, v <= 1_000_000 else {
                throw p.error("\(path).min_cases", "\"\(text)\" is not a whole number between 1 and 1000000")
            }
            w.minCases = v
        }
        return w
    }
}

extension ConfigParser {
    /// A span of real (calendar) time: `30d`, `12h`, `90m`: whole days are allowed here, as these
    /// windows are not business time. At most `PartnerPolicy.maxSeconds`.
    func calendarSpan(_ node: Node, _ path: String) throws(ConfigError) -> Int64 {
        let s = try scalar(node, path)
        if let seconds = CalendarSpan.seconds(s), seconds <= PartnerPolicy.maxSeconds { return seconds }
        throw error(path, "\"\(s)\" is not a span of time up to 10 years; write e.g. 30d, 12h or 90m")
    }
}

/// Spans of real time with days: `30d`, `7d12h`, or any `DurationText` form.
public enum CalendarSpan {
    /// Seconds, nil if malformed, zero, negative or overflowing.
    /// - Complexity: O(text.count).
    public static func seconds(_ text: some StringProtocol) -> Int64? {
        let s = Substring(text).trimmingWhitespace
        guard let d = s.firstIndex(of: "d") else { return DurationText.seconds(s) }
        let dayText = s[..<d]
        guard !dayText.isEmpty, dayText.count <= 6, dayText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let days = Int64(dayText) else { return nil }
        let rest = s[s.index(after: d)...]
        let tail: Int64 = rest.isEmpty ? 0 : (DurationText.seconds(rest) ?? -1)
        guard tail >= 0 else { return nil }
        let total = days * 86_400 + tail
        return total > 0 ? total : nil
    }
}
