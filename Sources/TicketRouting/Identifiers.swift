/// A string identifier with a meaning: a `TicketID` cannot be passed where a `RegionID` is expected.
///
/// All typed ids are `Codable` as a plain JSON string and compare by their text.
public protocol TypedIdentifier: Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The identifier's text.
    var rawValue: String { get }
    /// Wraps `rawValue` without checks (ids other than `TicketID` accept any text).
    init(unchecked rawValue: String)
}

extension TypedIdentifier {
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public init(stringLiteral value: String) { self.init(unchecked: value) }
    public init(from decoder: any Decoder) throws {
        self.init(unchecked: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A ticket's id. It becomes a NATS subject token, so it is 1–64 characters of ASCII
/// letters, digits, `-` and `_`; anything else is rejected (`bad_id`), never sanitised.
public struct TicketID: TypedIdentifier {
    public let rawValue: String

    /// The longest accepted id, in characters.
    public static let maxLength = SubjectToken.maxLength

    /// Validates `text`; nil unless it is 1–64 of `[A-Za-z0-9_-]`.
    /// - Complexity: O(text.count).
    public init?(_ text: some StringProtocol) {
        guard TicketID.isValid(text) else { return nil }
        rawValue = String(text)
    }

    /// Wraps `rawValue` without validation (for ids that were validated before, e.g. read back from the log).
    public init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }

    /// Decoding validates: a JSON id that is not a valid subject token fails to decode.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = TicketID(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "ticket id must be 1-64 of letters, digits, '-', '_'")
        }
        self = id
    }

    /// Whether `text` is a valid ticket id.
    public static func isValid(_ text: some StringProtocol) -> Bool {
        SubjectToken.isValid(text)
    }
}

/// A region (a regional support team with its business calendar), e.g. `emea`.
public struct RegionID: TypedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A support plan, e.g. `enterprise`.
public struct PlanID: TypedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A customer account.
public struct CustomerID: TypedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A worker or router node, e.g. `emea-1`.
public struct NodeID: TypedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// How urgent a ticket is; targets depend on it.
public enum Severity: String, Codable, Hashable, Comparable, Sendable, CaseIterable {
    case critical, major, minor

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.index < rhs.index }

    /// 0 for critical, 1 for major, 2 for minor.
    public var index: Int {
        switch self {
        case .critical: 0
        case .major: 1
        case .minor: 2
        }
    }
}

/// A support tier: L1 (triage) → L2 (product specialists) → L3 (engineering), and `oncall`:
/// the on-call engineer of a region with `on_call:` coverage, who takes 24x7 work while no
/// region is open.
///
/// `oncall` is first-line work outside business hours: it orders below L1, its automatic
/// escalation uses the L1 target and goes to L2 (`next`), and it is not one of the `levels` a
/// region staffs with `tiers:` (it comes from `on_call:`).
public enum Tier: String, Codable, Hashable, Comparable, Sendable, CaseIterable {
    case l1, l2, l3
    case oncall

    /// The escalation levels, in order (what `tiers:` lists and `TierTable` holds).
    public static let levels: [Tier] = [.l1, .l2, .l3]

    public static func < (lhs: Tier, rhs: Tier) -> Bool { lhs.index < rhs.index }

    /// -1 for on-call, then 0, 1, 2.
    public var index: Int {
        switch self {
        case .oncall: -1
        case .l1: 0
        case .l2: 1
        case .l3: 2
        }
    }

    /// Whether this is one of the `levels` (not on-call).
    public var isLevel: Bool { self != .oncall }

    /// The level whose targets apply: L1 for on-call, the tier itself otherwise.
    public var level: Tier { self == .oncall ? .l1 : self }

    /// The next tier up, nil at L3 (on-call work escalates to L2, as L1 work does).
    public var next: Tier? {
        switch self {
        case .l1, .oncall: .l2
        case .l2: .l3
        case .l3: nil
        }
    }
}

/// A value per severity (a plan's targets, its calendar choice).
public struct SeverityTable<Value: Hashable & Sendable>: Hashable, Sendable {
    public var critical: Value
    public var major: Value
    public var minor: Value

    public init(critical: Value, major: Value, minor: Value) {
        self.critical = critical
        self.major = major
        self.minor = minor
    }

    /// The same value for every severity.
    public init(all value: Value) {
        self.init(critical: value, major: value, minor: value)
    }

    public subscript(severity: Severity) -> Value {
        get {
            switch severity {
            case .critical: critical
            case .major: major
            case .minor: minor
            }
        }
        set {
            switch severity {
            case .critical: critical = newValue
            case .major: major = newValue
            case .minor: minor = newValue
            }
        }
    }
}

/// A value per tier.
public struct TierTable<Value: Hashable & Sendable>: Hashable, Sendable {
    public var l1: Value
    public var l2: Value
    public var l3: Value

    public init(l1: Value, l2: Value, l3: Value) {
        self.l1 = l1
        self.l2 = l2
        self.l3 = l3
    }

    /// The value of the tier's `level` (on-call reads and writes L1's).
    public subscript(tier: Tier) -> Value {
        get {
            switch tier.level {
            case .l1, .oncall: l1
            case .l2: l2
            case .l3: l3
            }
        }
        set {
            switch tier.level {
            case .l1, .oncall: l1 = newValue
            case .l2: l2 = newValue
            case .l3: l3 = newValue
            }
        }
    }
}
