import Foundation
public import BusinessTime

/// One problem with a submitted ticket: a stable code, the field, and a sentence a person understands.
public struct ValidationError: Error, Codable, Hashable, Sendable, CustomStringConvertible {
    /// Stable machine-readable codes.
    public enum Code: String, Codable, Hashable, Sendable, CaseIterable {
        /// The payload is not a JSON object.
        case badJSON = "bad_json"
        /// The payload is larger than `TicketValidator.maxPayloadBytes` (64 KiB).
        case tooLarge = "too_large"
        /// A required field is absent, null or empty.
        case missingField = "missing_field"
        /// A field has the wrong JSON type (e.g. a number where text is expected).
        case badType = "bad_type"
        /// A text field is longer than its limit.
        case tooLong = "too_long"
        /// The id is not 1–64 of letters, digits, `-`, `_`.
        case badID = "bad_id"
        /// The plan is not in the config.
        case unknownPlan = "unknown_plan"
        /// The region is not in the config.
        case unknownRegion = "unknown_region"
        /// The severity is not critical, major or minor.
        case unknownSeverity = "unknown_severity"
        /// `created_at` (or another instant) is not an ISO-8601 date-time with an offset of at most ±14:00.
        case badTimestamp = "bad_timestamp"
        /// A number or instant lies outside its allowed range (`created_at` outside the intake
        /// window, an action before the ticket's creation, a count beyond its bound, a fraction
        /// outside 0...1, a number that is not finite).
        case outOfRange = "out_of_range"
        /// An id that becomes a NATS subject token (region, node, plan) is not 1–64 of letters,
        /// digits, `-` and `_`.
        case badToken = "bad_token"
        /// A value is not one of the allowed names (an unknown event kind, tier, clock, state).
        case unknownValue = "unknown_value"
        /// The ticket id is known with other content (the fields that differ are named).
        case conflict
        /// The action does not fit the ticket's state (escalating a resolved ticket, or to its
        /// own or a lower tier).
        case invalidTransition = "invalid_transition"
        /// A follow-up names a case (`case`, `[Case ID]`, `Case #ID`) that Meridian does not know.
        case unknownCase = "unknown_case"
        /// The `case` field is not a ticket id.
        case badCase = "bad_case"
    }

    public var code: Code
    /// The JSON field the problem is about (`""` for the whole payload).
    public var field: String
    public var message: String

    public init(code: Code, field: String, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// `out_of_range threshold: threshold 1e+300 is outside 0.0...1.0`; `bad_json: not a JSON object`.
    public var description: String { field.isEmpty ? "\(code.rawValue): \(message)" : "\(code.rawValue) \(field): \(message)" }
}

/// The error object returned to a submitter: `{"error": {...first problem...}, "errors": [...all...]}`.
public struct ValidationErrorReport: Error, Codable, Hashable, Sendable {
    /// The first problem (the stable contract of shared/DESIGN.md).
    public var error: ValidationError
    /// Every problem found, the first one included.
    public var errors: [ValidationError]

    /// Nil when `errors` is empty.
    public init?(_ errors: [ValidationError]) {
        guard let first = errors.first else { return nil }
        self.error = first
        self.errors = errors
    }

    /// Compact JSON with sorted keys, e.g. `{"error":{"code":"bad_id","field":"id","message":"..."},"errors":[...]}`.
    public var jsonString: String {
        JSONCoding.string(self, fallback: "{\"error\":{}}")
    }
}

/// Validates intake JSON against the vocabulary of a config (its plans and regions).
///
/// Pure: no clock, no I/O. Returns the ticket or every problem found, never crashes on
/// any input bytes.
public struct TicketValidator: Sendable {
    /// The largest accepted payload: 64 KiB.
    public static let maxPayloadBytes = 64 * 1024
    /// Field length limits in characters (Unicode scalars are not counted; Swift characters are).
    public static let limits: [String: Int] = [
        "customer": 128, "plan": 64, "region": 64, "severity": 16, "created_at": 64,
        "subject": 200, "details": 32_000, "partner": 128, "steps_taken": 16_000, "language": 35,
    ]
    static let requiredFields = ["id", "customer", "plan", "severity", "region", "created_at", "subject", "details"]
    static let optionalFields = ["partner", "steps_taken", "language"]

    public var plans: Set<PlanID>
    public var regions: Set<RegionID>
    /// The window around now that `created_at` must lie in (`validate(json:now:)`).
    public var window: IntakeWindow

    public init(plans: Set<PlanID>, regions: Set<RegionID>, window: IntakeWindow = IntakeWindow()) {
        self.plans = plans
        self.regions = regions
        self.window = window
    }

    /// Decodes and checks `bytes` as `validate(json:)` does, and checks that `created_at` lies in
    /// `window` around `now` (`out_of_range` on `created_at` otherwise). The intake check.
    /// - Complexity: O(bytes.count).
    public func validate(json bytes: some Collection<UInt8>, now: Instant) -> Result<Ticket, ValidationErrorReport> {
        let result = validate(json: bytes)
        guard case .success(let ticket) = result, let error = window.check(createdAt: ticket.createdAt, now: now) else {
            return result
        }
        return .failure(ValidationErrorReport([error])!)
    }

    /// Decodes and checks `bytes`: the form of every field and the config's vocabulary, not the
    /// time window (see `validate(json:now:)`).
    /// - Returns: the ticket, or every problem (in field order: id, customer, plan, severity,
    ///   region, created_at, subject, details, partner, steps_taken, language).
    /// - Complexity: O(bytes.count).
    public func validate(json bytes: some Collection<UInt8>) -> Result<Ticket, ValidationErrorReport> {
        func fail(_ errors: [ValidationError]) -> Result<Ticket, ValidationErrorReport> {
            .failure(ValidationErrorReport(errors)!)
        }
        guard bytes.count <= TicketValidator.maxPayloadBytes else {
            return fail([ValidationError(
                code: .tooLarge, field: "",
                message: "the ticket is \(bytes.count) bytes; the limit is \(TicketValidator.maxPayloadBytes) bytes (64 KiB)")])
        }
        let object: [String: JSONScalar]
        do {
            object = try JSONDecoder().decode([String: JSONScalar].self, from: Data(bytes))
        } catch {
            return fail([ValidationError(
                code: .badJSON, field: "", message: "the ticket is not a JSON object: \(Self.describe(error))")])
        }
        var errors: [ValidationError] = []
        var text: [String: String] = [:]
        for field in Self.requiredFields + Self.optionalFields {
            let required = Self.requiredFields.contains(field)
            switch object[field] {
            case nil, .null?:
                if required {
                    errors.append(ValidationError(code: .missingField, field: field, message: "\(field) is required"))
                }
            case .string(let value)?:
                if value.isEmpty || value.allSatisfy(\.isWhitespace) {
                    if required {
                        errors.append(ValidationError(code: .missingField, field: field, message: "\(field) is empty"))
                    }
                    continue
                }
                if field == "id" {
                    if TicketID.isValid(value) {
                        text[field] = value
                    } else {
                        errors.append(ValidationError(
                            code: .badID, field: "id",
                            message: "the id must be 1-64 characters of letters, digits, '-' and '_'"))
                    }
                    continue
                }
                if let limit = Self.limits[field], value.count > limit {
                    errors.append(ValidationError(
                        code: .tooLong, field: field,
                        message: "\(field) has \(value.count) characters; the limit is \(limit)"))
                    continue
                }
                text[field] = value
            case .other?:
                errors.append(ValidationError(code: .badType, field: field, message: "\(field) must be a JSON string"))
            case .undecodable?:
                errors.append(ValidationError(code: .badJSON, field: field, message: "\(field) is not valid UTF-8 text"))
            }
        }
        if let plan = text["plan"], !plans.contains(PlanID(plan)) {
            errors.append(ValidationError(
                code: .unknownPlan, field: "plan",
                message: "unknown plan \"\(plan)\"; known plans: \(plans.map(\.rawValue).sorted().joined(separator: ", "))"))
            text["plan"] = nil
        }
        var severity: Severity?
        if let value = text["severity"] {
            severity = Severity(rawValue: value)
            if severity == nil {
                errors.append(ValidationError(
                    code: .unknownSeverity, field: "severity",
                    message: "unknown severity \"\(value)\"; expected critical, major or minor"))
            }
        }
        if let region = text["region"], !regions.contains(RegionID(region)) {
            errors.append(ValidationError(
                code: .unknownRegion, field: "region",
                message: "unknown region \"\(region)\"; known regions: \(regions.map(\.rawValue).sorted().joined(separator: ", "))"))
            text["region"] = nil
        }
        var createdAt: Instant?
        if let value = text["created_at"] {
            createdAt = Instant(iso8601: value)
            if createdAt == nil {
                errors.append(ValidationError(
                    code: .badTimestamp, field: "created_at",
                    message: "created_at \"\(value)\" is not an ISO-8601 date-time with an offset, e.g. 2026-11-27T17:50:00+01:00"))
            }
        }
        errors.sort { Self.order($0.field) < Self.order($1.field) }
        guard errors.isEmpty, let id = text["id"], let customer = text["customer"], let plan = text["plan"],
              let severity, let region = text["region"], let createdAt, let subject = text["subject"],
              let details = text["details"]
        else {
            return fail(errors)
        }
        return .success(Ticket(
            id: TicketID(unchecked: id), customer: CustomerID(customer), plan: PlanID(plan), severity: severity,
            region: RegionID(region), createdAt: createdAt, subject: subject, details: details,
            partner: text["partner"], stepsTaken: text["steps_taken"], language: text["language"]))
    }

    static func order(_ field: String) -> Int {
        (requiredFields + optionalFields).firstIndex(of: field) ?? -1
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch:
            return "expected an object"
        case DecodingError.dataCorrupted(let context):
            if let underlying = context.underlyingError { return "\(underlying)" }
            return context.debugDescription
        default:
            return "\(error)"
        }
    }
}

/// A top-level JSON value of a ticket field: text, null, or anything else (a type error).
enum JSONScalar: Decodable {
    case string(String)
    case null
    case other
    case undecodable

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if (try? container.decode(Bool.self)) != nil || (try? container.decode(Double.self)) != nil
            || (try? container.decode([JSONScalar].self)) != nil || (try? container.decode([String: JSONScalar].self)) != nil
        {
            self = .other
        } else {
            // A string the decoder cannot turn into text (e.g. invalid UTF-8).
            self = .undecodable
        }
    }
}

extension TicketValidator {
    /// The validator of `config`: its plans, regions and intake window.
    public init(config: MeridianConfig) {
        self.init(plans: Set(config.plans.keys), regions: Set(config.regions), window: config.intake)
    }
}

extension Ticket {
    /// Validates intake JSON against `config`'s plans and regions.
    /// - Returns: the ticket, or every problem found (see `TicketValidator`).
    public static func validate(json bytes: some Collection<UInt8>, config: MeridianConfig) -> Result<Ticket, ValidationErrorReport> {
        TicketValidator(config: config).validate(json: bytes)
    }

    /// Validates intake JSON against `config`'s plans and regions and its intake window around `now`.
    /// - Returns: the ticket, or every problem found (see `TicketValidator.validate(json:now:)`).
    public static func validate(
        json bytes: some Collection<UInt8>, config: MeridianConfig, now: Instant
    ) -> Result<Ticket, ValidationErrorReport> {
        TicketValidator(config: config).validate(json: bytes, now: now)
    }

    /// The ticket as compact JSON with sorted keys.
    public var jsonString: String {
        JSONCoding.string(self)
    }
}
