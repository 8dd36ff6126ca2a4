import BusinessTime
import Foundation

extension TicketEvent {
    /// Decodes one event from JSON bytes: the one decoding entry point of every reader (workers'
    /// and routers' replays, the escalation consumer, `meridian sla`, the tail).
    ///
    /// Events are read far more often than written (every worker start replays its region's
    /// log), so the shape `jsonString` writes — one flat object of known keys, strings without
    /// escapes, plain numbers — is parsed directly over the bytes (``EventBytesParser``). Any
    /// other input (escapes, an unknown or repeated key, a type mismatch, a bad id or instant,
    /// a missing field) goes to Foundation's `JSONDecoder`, which accepts or rejects it and
    /// names the problem: the fast path only ever accepts what `JSONDecoder` decodes to the same
    /// value (`Tests/TicketRoutingTests/EventDecodingTests.swift` checks both on the same inputs).
    /// - Complexity: O(bytes.count).
    /// - Throws: `WireError` naming the first field that failed its check (see `init(from:)`).
    public static func decode(json bytes: some Collection<UInt8>) throws(WireError) -> TicketEvent {
        if bytes.count <= WireLimits.maxPayloadBytes {
            let fast = bytes.withContiguousStorageIfAvailable { EventBytesParser.parse(UnsafeRawBufferPointer($0)) }
                ?? Array(bytes).withUnsafeBytes { EventBytesParser.parse($0) }
            if let event = fast, event.isWithinWireLimits { return event }
        }
        return try WireDecoding.decode(TicketEvent.self, from: bytes)
    }

    /// Whether every field lies within the limits `init(from:)` checks (ids are subject tokens,
    /// instants in `WireLimits.instants`, `cycle` in 0...65535, `threshold` a per-mille fraction,
    /// `overdue_seconds` in 0...`WireLimits.maxSeconds`, text bounded): the fast path returns
    /// only such events, anything else is decoded (and its error named) by `init(from:)`.
    /// - Complexity: O(size of the text fields).
    var isWithinWireLimits: Bool {
        func token(_ text: String?) -> Bool { text.map { SubjectToken.isValid($0) } ?? true }
        func instant(_ value: Instant?) -> Bool { value.map { WireLimits.instants.contains($0) } ?? true }
        func text(_ value: String?, _ limit: Int) -> Bool { value.map { $0.utf8.count <= limit || $0.count <= limit } ?? true }
        return SubjectToken.isValid(ticket.rawValue) && SubjectToken.isValid(region.rawValue)
            && token(plan?.rawValue) && token(homeRegion?.rawValue) && token(toRegion?.rawValue) && token(node?.rawValue)
            && token(actor)
            && WireLimits.instants.contains(at) && instant(createdAt) && instant(due) && instant(warningAt)
            && instant(previousDue)
            && (cycle.map { (0...Int(UInt16.max)).contains($0) } ?? true)
            && (threshold.map { CheckedConversion.permille($0) != nil } ?? true)
            && (overdueSeconds.map { (0...WireLimits.maxSeconds).contains($0) } ?? true)
            && text(reason, Self.maxTextLength) && text(assignee, Self.maxTextLength)
            && text(calendar, Self.maxTextLength) && text(note, Self.maxNoteLength)
            && text(partner, Self.maxTextLength) && text(owner, Self.maxTextLength)
            && (seconds.map { (0...WireLimits.maxSeconds).contains($0) } ?? true)
            && (cases.map { (0...WireLimits.maxCount).contains($0) } ?? true)
            && (escalations.map { (0...WireLimits.maxCount).contains($0) } ?? true)
    }
}

/// A parser of the flat JSON object `TicketEvent.jsonString` writes. Returns nil for anything
/// else: then `JSONDecoder` decides. No allocation beyond the event's own strings (ids and
/// enum values of up to 15 UTF-8 bytes are stored inline in `String`).
struct EventBytesParser {
    let bytes: UnsafeRawBufferPointer
    var i = 0

    /// The event, or nil when the input is not in the fast shape (or is invalid).
    static func parse(_ bytes: UnsafeRawBufferPointer) -> TicketEvent? {
        var parser = EventBytesParser(bytes: bytes)
        return parser.event()
    }

    // Bits of the keys seen (a repeated key goes to the general path).
    private enum Key: Int {
        case ticket, kind, at, region, plan, severity, homeRegion, createdAt, toRegion, tier, reason, node, assignee
        case automatic, calendar, clock, cycle, threshold, due, overdueSeconds, note
        case warningAt, previousDue, actor
        case partner, owner, seconds, workClass, cases, escalations, linkedCase
    }

    private mutating func event() -> TicketEvent? {
        skipSpace()
        guard take(UInt8(ascii: "{")) else { return nil }
        var ticket: TicketID?, kind: TicketEvent.Kind?, at: Instant?, region: RegionID?
        var e = TicketEvent(ticket: TicketID(unchecked: ""), kind: .created, at: Instant(unixSeconds: 0), region: RegionID(""))
        var seen = 0
        skipSpace()
        if !take(UInt8(ascii: "}")) {
            while true {
                skipSpace()
                guard let keyRange = rawString() else { return nil }
                guard let key = Self.key(bytes, keyRange) else { return nil }
                let bit = 1 << key.rawValue
                guard seen & bit == 0 else { return nil }
                seen |= bit
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                let isNull = takeNull()
                switch key {
                case .ticket:
                    guard !isNull, let s = string(), let id = TicketID(s) else { return nil }
                    ticket = id
                case .kind:
                    guard !isNull, let s = string(), let k = TicketEvent.Kind(rawValue: s) else { return nil }
                    kind = k
                case .at:
                    guard !isNull, let v = instant() else { return nil }
                    at = v
                case .region:
                    guard !isNull, let s = string() else { return nil }
                    region = RegionID(s)
                case .plan:
                    if !isNull { guard let s = string() else { return nil }; e.plan = PlanID(s) }
                case .severity:
                    if !isNull { guard let s = string(), let v = Severity(rawValue: s) else { return nil }; e.severity = v }
                case .homeRegion:
                    if !isNull { guard let s = string() else { return nil }; e.homeRegion = RegionID(s) }
                case .createdAt:
                    if !isNull { guard let v = instant() else { return nil }; e.createdAt = v }
                case .toRegion:
                    if !isNull { guard let s = string() else { return nil }; e.toRegion = RegionID(s) }
                case .tier:
                    if !isNull { guard let s = string(), let v = Tier(rawValue: s) else { return nil }; e.tier = v }
                case .reason:
                    if !isNull { guard let s = string() else { return nil }; e.reason = s }
                case .node:
                    if !isNull { guard let s = string() else { return nil }; e.node = NodeID(s) }
                case .assignee:
                    if !isNull { guard let s = string() else { return nil }; e.assignee = s }
                case .automatic:
                    if !isNull { guard let v = bool() else { return nil }; e.automatic = v }
                case .calendar:
                    if !isNull { guard let s = string() else { return nil }; e.calendar = s }
                case .clock:
                    if !isNull { guard let s = string(), let v = ClockKind(rawValue: s) else { return nil }; e.clock = v }
                case .cycle:
                    if !isNull { guard let v = integer(), let c = Int(exactly: v) else { return nil }; e.cycle = c }
                case .threshold:
                    if !isNull { guard let v = double() else { return nil }; e.threshold = v }
                case .due:
                    if !isNull { guard let v = instant() else { return nil }; e.due = v }
                case .overdueSeconds:
                    if !isNull { guard let v = integer() else { return nil }; e.overdueSeconds = v }
                case .note:
                    if !isNull { guard let s = string() else { return nil }; e.note = s }
                case .warningAt:
                    if !isNull { guard let v = instant() else { return nil }; e.warningAt = v }
                case .previousDue:
                    if !isNull { guard let v = instant() else { return nil }; e.previousDue = v }
                case .actor:
                    if !isNull { guard let s = string() else { return nil }; e.actor = s }
                case .partner:
                    if !isNull { guard let s = string() else { return nil }; e.partner = s }
                case .owner:
                    if !isNull { guard let s = string() else { return nil }; e.owner = s }
                case .seconds:
                    if !isNull { guard let v = integer() else { return nil }; e.seconds = v }
                case .workClass:
                    if !isNull { guard let s = string(), let v = WorkClass(rawValue: s) else { return nil }; e.workClass = v }
                case .cases:
                    if !isNull { guard let v = integer(), let c = Int(exactly: v) else { return nil }; e.cases = c }
                case .escalations:
                    if !isNull { guard let v = integer(), let c = Int(exactly: v) else { return nil }; e.escalations = c }
                case .linkedCase:
                    if !isNull { guard let s = string(), let id = TicketID(s) else { return nil }; e.linkedCase = id }
                }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        skipSpace()
        guard i == bytes.count, let ticket, let kind, let at, let region else { return nil }
        e.ticket = ticket
        e.kind = kind
        e.at = at
        e.region = region
        return e
    }

    // MARK: Tokens

    @inline(__always) private mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    @inline(__always) private mutating func take(_ byte: UInt8) -> Bool {
        guard i < bytes.count, bytes[i] == byte else { return false }
        i += 1
        return true
    }

    private mutating func takeLiteral(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard bytes.count - i >= n, memcmp(bytes.baseAddress! + i, literal.utf8Start, n) == 0 else { return false }
        i += n
        return true
    }

    private mutating func takeNull() -> Bool { takeLiteral("null") }

    /// The byte range of a string's contents; nil for escapes, control characters or no string.
    private mutating func rawString() -> Range<Int>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = i
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return start..<(i - 1)
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { return nil }
            i += 1
        }
        return nil
    }

    /// A string value; nil if it is not valid UTF-8 (`JSONDecoder` rejects that too).
    private mutating func string() -> String? {
        guard let r = rawString() else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[r])
        var ascii = true
        for b in slice where b >= 0x80 { ascii = false; break }
        if ascii { return String(decoding: slice, as: UTF8.self) }
        return String(validating: slice, as: UTF8.self)
    }

    private mutating func instant() -> Instant? {
        guard let r = rawString() else { return nil }
        return Instant.parseISO8601(UnsafeRawBufferPointer(rebasing: bytes[r]))
    }

    private mutating func bool() -> Bool? {
        if takeLiteral("true") { return true }
        if takeLiteral("false") { return false }
        return nil
    }

    /// A JSON integer without fraction or exponent (`-?(0|[1-9][0-9]*)`), within Int64.
    private mutating func integer() -> Int64? {
        let negative = take(UInt8(ascii: "-"))
        let start = i
        var value: Int64 = 0
        while i < bytes.count, bytes[i] &- 48 < 10 {
            let d = Int64(bytes[i] &- 48)
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            value = s
            i += 1
        }
        let digits = i - start
        guard digits > 0, !(digits > 1 && bytes[start] == UInt8(ascii: "0")) else { return nil }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] | 0x20 == UInt8(ascii: "e") { return nil }
        return value
    }

    /// A JSON number without exponent (`-?(0|[1-9][0-9]*)(\.[0-9]+)?`) as a Double.
    private mutating func double() -> Double? {
        let start = i
        _ = take(UInt8(ascii: "-"))
        let intStart = i
        while i < bytes.count, bytes[i] &- 48 < 10 { i += 1 }
        guard i > intStart, !(i - intStart > 1 && bytes[intStart] == UInt8(ascii: "0")) else { return nil }
        if take(UInt8(ascii: ".")) {
            let f = i
            while i < bytes.count, bytes[i] &- 48 < 10 { i += 1 }
            guard i > f else { return nil }
        }
        // An exponent goes to the general path (Foundation rejects some forms JSON allows, e.g. `0E5`).
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") { return nil }
        guard let v = Double(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)),
              v.isFinite else { return nil }
        return v
    }

    /// The key named by the bytes in `r`, or nil for a key `TicketEvent` does not have.
    private static func key(_ bytes: UnsafeRawBufferPointer, _ r: Range<Int>) -> Key? {
        let p = bytes.baseAddress! + r.lowerBound
        @inline(__always) func eq(_ s: StaticString) -> Bool {
            s.utf8CodeUnitCount == r.count && memcmp(p, s.utf8Start, r.count) == 0
        }
        switch r.count {
        case 2: return eq("at") ? .at : nil
        case 3: return eq("due") ? .due : nil
        case 4:
            if eq("kind") { return .kind }
            if eq("plan") { return .plan }
            if eq("tier") { return .tier }
            if eq("node") { return .node }
            if eq("note") { return .note }
            return nil
        case 5:
            if eq("clock") { return .clock }
            if eq("cycle") { return .cycle }
            if eq("actor") { return .actor }
            if eq("owner") { return .owner }
            if eq("cases") { return .cases }
            return nil
        case 7: return eq("partner") ? .partner : eq("seconds") ? .seconds : nil
        case 6: return eq("ticket") ? .ticket : eq("region") ? .region : eq("reason") ? .reason : nil
        case 8: return eq("severity") ? .severity : eq("assignee") ? .assignee : eq("calendar") ? .calendar : nil
        case 9: return eq("to_region") ? .toRegion : eq("automatic") ? .automatic : eq("threshold") ? .threshold : nil
        case 10: return eq("created_at") ? .createdAt : eq("warning_at") ? .warningAt : eq("work_class") ? .workClass : nil
        case 11:
            if eq("home_region") { return .homeRegion }
            if eq("escalations") { return .escalations }
            if eq("linked_case") { return .linkedCase }
            return nil
        case 12: return eq("previous_due") ? .previousDue : nil
        case 15: return eq("overdue_seconds") ? .overdueSeconds : nil
        default: return nil
        }
    }
}
