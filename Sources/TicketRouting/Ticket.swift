public import BusinessTime

/// A support ticket as submitted at intake (JSON as in shared/DESIGN.md).
///
/// ```json
/// {"id": "T-1001", "customer": "acme", "plan": "enterprise", "severity": "major",
///  "region": "emea", "created_at": "2026-11-27T16:50:00Z", "subject": "...", "details": "...",
///  "partner": "reseller-7", "steps_taken": "...", "language": "fr"}
/// ```
/// Decode intake bytes with `Ticket.validate(json:config:now:)`, which reports every problem and
/// checks the config's vocabulary; the `Decodable` conformance (for tickets read back from work
/// items and the ticket store) checks each field's form and bound and throws the first `WireError`.
public struct Ticket: Codable, Hashable, Sendable {
    public var id: TicketID
    public var customer: CustomerID
    public var plan: PlanID
    public var severity: Severity
    /// The customer's home region: its calendar is the contract calendar of the SLA clocks.
    public var region: RegionID
    public var createdAt: Instant
    public var subject: String
    public var details: String
    public var partner: String?
    public var stepsTaken: String?
    public var language: String?

    public init(
        id: TicketID, customer: CustomerID, plan: PlanID, severity: Severity, region: RegionID,
        createdAt: Instant, subject: String, details: String,
        partner: String? = nil, stepsTaken: String? = nil, language: String? = nil
    ) {
        self.id = id
        self.customer = customer
        self.plan = plan
        self.severity = severity
        self.region = region
        self.createdAt = createdAt
        self.subject = subject
        self.details = details
        self.partner = partner
        self.stepsTaken = stepsTaken
        self.language = language
    }

    /// Decodes and checks every field: `id` and `region` are subject tokens, `plan` a token,
    /// `severity` a known name, `created_at` in `WireLimits.instants`, text within
    /// `TicketValidator.limits`.
    /// - Throws: `WireError` naming the first field that failed.
    public init(from decoder: any Decoder) throws {
        let r = try WireReader(decoder, keyedBy: CodingKeys.self)
        func text(_ key: CodingKeys) throws(WireError) -> String? {
            try r.text(key, maxLength: TicketValidator.limits[key.stringValue] ?? TicketValidator.maxPayloadBytes)
        }
        id = try r.required(r.token(TicketID.self, .id), .id)
        customer = CustomerID(try r.required(text(.customer), .customer))
        plan = try r.required(r.token(PlanID.self, .plan), .plan)
        severity = try r.required(r.choice(Severity.self, .severity), .severity)
        region = try r.required(r.token(RegionID.self, .region), .region)
        createdAt = try r.required(r.instant(.createdAt), .createdAt)
        subject = try r.required(text(.subject), .subject)
        details = try r.required(text(.details), .details)
        partner = try text(.partner)
        stepsTaken = try text(.stepsTaken)
        language = try text(.language)
    }

    enum CodingKeys: String, CodingKey {
        case id, customer, plan, severity, region
        case createdAt = "created_at"
        case subject, details, partner
        case stepsTaken = "steps_taken"
        case language
    }
}
