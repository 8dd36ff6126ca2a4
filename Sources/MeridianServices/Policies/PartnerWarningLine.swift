import BusinessTime
public import TicketRouting

/// How `meridian tail` shows a `partner_warning`.
public enum PartnerWarningLine {
    /// `2026-11-24T11:00:00Z PARTNER emea reseller-7 3/10 beyond L1 (T-9): <advice>`.
    public static func line(_ event: TicketEvent) -> String {
        var text = "\(event.at.iso8601) PARTNER \(event.region) \(event.partner.map(Self.printable) ?? "?")"
        text += " \(event.escalations ?? 0)/\(event.cases ?? 0) beyond L1 (\(event.ticket))"
        if let note = event.note { text += ": \(Self.printable(note))" }
        return text
    }

    /// Text from the log on one terminal line: control characters become spaces.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.properties.generalCategory == .control ? " " : $0
        }))
    }
}
