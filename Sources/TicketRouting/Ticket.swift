public import BusinessTime

/// A support ticket as submitted at intake (JSON as in shared/DESIGN.md).
///
/// ```json
/// {"id": "T-1001", "customer": "acme", "plan": "enterprise", "severity": "major",
///  "region": "emea", "created_at": "2026-11-27T16:50:00Z", "subject": "...", "details": "...",
///  "partner": "reseller-7", "steps_taken": "...", "language": "fr"}
/// ```
/// Decode untrusted bytes with `Ticket.validate(json:config:)`, which reports every problem;
/// the plain `Decodable` conformance is for data that was validated before (the event log).
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

    enum CodingKeys: String, CodingKey {
        case id, customer, plan, severity, region
        case createdAt = "created_at"
        case subject, details, partner
        case stepsTaken = "steps_taken"
        case language
    }
}
