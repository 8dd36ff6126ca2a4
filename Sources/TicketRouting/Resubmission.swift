/// What a ticket submitted under an id that is already stored is: the ticket id is the
/// ticket's identity, so the same id must mean the same content.
public enum Resubmission: Hashable, Sendable {
    /// The same content: answer `{"duplicate": true, ...}` with the original routing.
    case duplicate
    /// Other content: refuse with this `conflict` error, which names the fields that differ.
    case conflict(ValidationError)

    /// Compares `resubmission` with the `stored` ticket of the same id.
    /// - Complexity: O(total length of the text fields).
    public static func compare(_ resubmission: Ticket, stored: Ticket) -> Resubmission {
        let fields = resubmission.differingFields(from: stored)
        guard !fields.isEmpty else { return .duplicate }
        return .conflict(ValidationError(
            code: .conflict, field: fields[0],
            message: "ticket \(stored.id) was submitted before with other content; different: "
                + fields.joined(separator: ", ") + " (use a new id for a new ticket)"))
    }
}

extension Ticket {
    /// The JSON names of the fields in which `self` and `other` differ, in intake field order
    /// (`id` included).
    /// - Complexity: O(total length of the text fields).
    public func differingFields(from other: Ticket) -> [String] {
        var fields: [String] = []
        if id != other.id { fields.append("id") }
        if customer != other.customer { fields.append("customer") }
        if plan != other.plan { fields.append("plan") }
        if severity != other.severity { fields.append("severity") }
        if region != other.region { fields.append("region") }
        if createdAt != other.createdAt { fields.append("created_at") }
        if subject != other.subject { fields.append("subject") }
        if details != other.details { fields.append("details") }
        if partner != other.partner { fields.append("partner") }
        if stepsTaken != other.stepsTaken { fields.append("steps_taken") }
        if language != other.language { fields.append("language") }
        return fields
    }
}
