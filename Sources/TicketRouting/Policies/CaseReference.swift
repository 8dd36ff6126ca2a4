import Foundation

/// Finds the case a customer's message refers to.
///
/// Two forms in a subject, the case word in any letter case: `[Case ID]` (also `[Case #ID]`) and
/// `Case #ID`. The id obeys the ticket-id rule (1–64 of letters, digits, `-`, `_`): the id is the
/// whole run of such characters, and a run longer than 64 is no reference at all (never cut down
/// to a different, valid id). `Case` must start a word (`Showcase #1` is no reference). The first
/// reference of the subject counts.
public enum CaseReference {
    /// The case named in `subject`, or nil.
    /// - Complexity: O(subject.utf8.count).
    public static func inSubject(_ subject: some StringProtocol) -> TicketID? {
        let bytes = Array(subject.utf8)
        var i = 0
        while i < bytes.count {
            if let id = reference(in: bytes, at: i) { return id }
            i += 1
        }
        return nil
    }

    /// A reference starting at `start`: `[case …]` or a word-initial `case #…`.
    private static func reference(in b: [UInt8], at start: Int) -> TicketID? {
        var i = start
        let bracketed = b[i] == UInt8(ascii: "[")
        if bracketed {
            i += 1
        } else if start > 0, isTokenByte(b[start - 1]) {
            return nil
        }
        guard matchesCaseWord(b, at: i) else { return nil }
        i += 4
        var spaces = 0
        while i < b.count, b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "\t") {
            i += 1
            spaces += 1
        }
        let hash = i < b.count && b[i] == UInt8(ascii: "#")
        if hash { i += 1 }
        // `[Case ID]` needs a space or `#`; `Case #ID` needs the `#`.
        guard bracketed ? (spaces > 0 || hash) : hash else { return nil }
        let idStart = i
        while i < b.count, isTokenByte(b[i]) { i += 1 }
        guard i > idStart, i - idStart <= TicketID.maxLength else { return nil }
        if bracketed {
            guard i < b.count, b[i] == UInt8(ascii: "]") else { return nil }
        }
        return TicketID(String(decoding: b[idStart..<i], as: UTF8.self))
    }

    private static func matchesCaseWord(_ b: [UInt8], at i: Int) -> Bool {
        guard i + 4 <= b.count else { return false }
        let word: [UInt8] = Array("case".utf8)
        for k in 0..<4 where b[i + k] | 0x20 != word[k] { return false }
        return true
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}

/// A submitted message that names an existing case: a follow-up, not a new ticket.
public struct FollowUpMessage: Hashable, Sendable {
    /// The case it continues.
    public var caseID: TicketID
    /// The message's own id, when it has a valid one (its de-duplication key).
    public var messageID: TicketID?
    /// The customer's text (`details`), bounded by `TicketEvent.maxFollowUpNote`.
    public var details: String?

    public init(caseID: TicketID, messageID: TicketID? = nil, details: String? = nil) {
        self.caseID = caseID
        self.messageID = messageID
        self.details = details
    }

    /// Whether intake JSON is a follow-up: a `case` field, or a case reference in `subject`.
    ///
    /// - Returns: nil for an ordinary ticket (no reference, or bytes that are not a JSON object —
    ///   the ticket validator reports those); the follow-up; or `bad_case` when `case` is given but
    ///   is not a ticket id (a number, a 65-character id, `T 1`: never sanitised into another case).
    /// - Complexity: O(bytes.count).
    public static func parse(json bytes: some Collection<UInt8>) -> Result<FollowUpMessage, ValidationErrorReport>? {
        guard bytes.count <= TicketValidator.maxPayloadBytes,
              let object = try? JSONDecoder().decode([String: JSONScalar].self, from: Data(bytes))
        else { return nil }
        let caseID: TicketID
        switch object["case"] {
        case nil, .null?:
            guard case .string(let subject)? = object["subject"], let id = CaseReference.inSubject(subject) else {
                return nil
            }
            caseID = id
        case .string(let text)?:
            guard let id = TicketID(text) else { return .failure(badCase("\"case\" must be a case id: 1-64 letters, digits, - or _")) }
            caseID = id
        case .other?, .undecodable?:
            return .failure(badCase("\"case\" must be a case id as text"))
        }
        var message = FollowUpMessage(caseID: caseID)
        if case .string(let id)? = object["id"] { message.messageID = TicketID(id) }
        if case .string(let details)? = object["details"], !details.isEmpty {
            message.details = String(details.prefix(maxNoteLength))
        }
        return .success(message)
    }

    /// The longest customer text kept on the recorded event, in characters.
    public static let maxNoteLength = 4_000

    private static func badCase(_ message: String) -> ValidationErrorReport {
        ValidationErrorReport([ValidationError(code: .badCase, field: "case", message: message)])!
    }
}
