import BusinessTime
import Foundation

extension TicketEvent {
    /// The event's JSON: compact, keys sorted, slashes not escaped — byte for byte what
    /// `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes (checked against it in
    /// `Tests/TicketRoutingTests/EventDecodingTests.swift`).
    ///
    /// Every router and worker writes events per ticket, so the common shape is written directly:
    /// strings without characters JSON escapes, no `threshold` (a Double, whose formatting stays
    /// Foundation's). Anything else is encoded by `JSONEncoder`.
    /// - Complexity: O(size of the event).
    static func encodeJSON(_ event: TicketEvent) -> [UInt8] {
        if let bytes = EventBytesWriter.write(event) { return bytes }
        return (try? JSONCoding.encode(event)) ?? []
    }
}

/// Writes the fields of a `TicketEvent` in sorted key order; nil when a value needs escaping or
/// a Double (then `JSONEncoder` writes it).
struct EventBytesWriter {
    private var out: [UInt8] = []
    private var first = true

    static func write(_ e: TicketEvent) -> [UInt8]? {
        // Fields this writer does not know go to JSONEncoder: every optional field that is not
        // written below must be nil here, or it would be lost.
        guard e.threshold == nil, e.warningAt == nil, e.previousDue == nil, e.actor == nil, e.partner == nil,
              e.owner == nil, e.seconds == nil, e.workClass == nil, e.cases == nil, e.escalations == nil,
              e.linkedCase == nil
        else { return nil }
        var w = EventBytesWriter()
        w.out.reserveCapacity(256)
        w.out.append(UInt8(ascii: "{"))
        // Sorted as JSONEncoder sorts them (byte order of the key names).
        guard w.string("assignee", e.assignee) else { return nil }
        w.instant("at", e.at)
        guard w.bool("automatic", e.automatic), w.string("calendar", e.calendar),
              w.string("clock", e.clock?.rawValue)
        else { return nil }
        w.instantIfPresent("created_at", e.createdAt)
        w.integer("cycle", e.cycle.map(Int64.init))
        w.instantIfPresent("due", e.due)
        guard w.string("home_region", e.homeRegion?.rawValue), w.string("kind", e.kind.rawValue),
              w.string("node", e.node?.rawValue), w.string("note", e.note)
        else { return nil }
        w.integer("overdue_seconds", e.overdueSeconds)
        guard w.string("plan", e.plan?.rawValue), w.string("reason", e.reason), w.string("region", e.region.rawValue),
              w.string("severity", e.severity?.rawValue), w.string("ticket", e.ticket.rawValue),
              w.string("tier", e.tier?.rawValue), w.string("to_region", e.toRegion?.rawValue)
        else { return nil }
        w.out.append(UInt8(ascii: "}"))
        return w.out
    }

    private mutating func key(_ name: StaticString) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// Appends `"name":"value"` unless `value` is nil; false if the value needs escaping.
    private mutating func string(_ name: StaticString, _ value: String?) -> Bool {
        guard var text = value else { return true }
        return text.withUTF8 { bytes in
            for b in bytes where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return false }
            key(name)
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return true
        }
    }

    private mutating func instant(_ name: StaticString, _ value: Instant) {
        key(name)
        out.append(UInt8(ascii: "\""))
        withUnsafeTemporaryAllocation(byteCount: 40, alignment: 1) { buffer in
            let n = value.writeISO8601(into: buffer)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private mutating func instantIfPresent(_ name: StaticString, _ value: Instant?) {
        if let value { instant(name, value) }
    }

    private mutating func bool(_ name: StaticString, _ value: Bool?) -> Bool {
        guard let value else { return true }
        key(name)
        out.append(contentsOf: value ? Array("true".utf8) : Array("false".utf8))
        return true
    }

    private mutating func integer(_ name: StaticString, _ value: Int64?) {
        guard let value else { return }
        key(name)
        out.append(contentsOf: String(value).utf8)
    }
}
