public import BusinessTime
import Foundation
public import TicketRouting

/// Text, CSV and JSON forms of the support-policy reports (`meridian report partners|hours`).
public enum ReportText {
    /// Columns padded to their widest cell, two spaces apart.
    public static func table(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            var line = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// One CSV record (RFC 4180 quoting). A cell from the log that a spreadsheet would run as a
    /// formula (`=`, `+`, `-`, `@` first) is prefixed with `'`; control characters become spaces.
    public static func csv(_ cells: [String]) -> String {
        cells.map { cell in
            var text = PartnerWarningLine.printable(cell)
            if let c = text.first, "=+-@".contains(c), Double(text) == nil { text = "'" + text }
            guard text.contains(where: { $0 == "," || $0 == "\"" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }

    /// A share as a percentage with one decimal: `30.0%`.
    public static func percent(_ rate: Double) -> String {
        String(format: "%.1f%%", rate * 100)
    }

    /// A duration, `-` prefixed when negative; `0s` for zero.
    public static func span(_ seconds: Int64) -> String {
        seconds < 0 ? "-" + DurationText.format(seconds == .min ? .max : -seconds) : DurationText.format(seconds)
    }

    // MARK: partners

    public static func partnersTable(_ rows: [PartnerReportRow]) -> String {
        guard !rows.isEmpty else { return "no cases of partners in the period" }
        return table([["PARTNER", "CASES", "ESCALATIONS", "RATE", "WARNINGS"]] + rows.map {
            [PartnerWarningLine.printable($0.partner.rawValue), "\($0.cases)", "\($0.escalations)", percent($0.rate), "\($0.warnings)"]
        })
    }

    public static func partnersCSV(_ rows: [PartnerReportRow]) -> String {
        ([csv(["partner", "cases", "escalations", "rate", "warnings"])] + rows.map {
            csv([$0.partner.rawValue, "\($0.cases)", "\($0.escalations)", String(format: "%.4f", $0.rate), "\($0.warnings)"])
        }).joined(separator: "\n")
    }

    public struct PartnersJSON: Encodable {
        public var from: Instant
        public var to: Instant
        public var partners: [PartnerReportRow]
        public init(from: Instant, to: Instant, partners: [PartnerReportRow]) {
            self.from = from
            self.to = to
            self.partners = partners
        }
    }

    // MARK: hours

    public static func hoursTable(_ s: HoursStatement) -> String {
        var out = "partner \(PartnerWarningLine.printable(s.partner.rawValue)), \(s.from.iso8601) to \(s.to.iso8601)\n"
        out += "allowance \(s.allowance.map(span) ?? "none")  used \(span(s.used))  deducted \(span(s.deducted))"
        out += "  remaining \(s.remaining.map(span) ?? "-")\n"
        guard !s.cases.isEmpty else { return out + "no cases in the period" }
        var rows = [["CASE", "OPENED", "CLASS", "USED", "DEDUCTED", "LINE"]]
        for c in s.cases {
            rows.append([c.ticket.rawValue, c.openedAt.iso8601, c.workClass.rawValue, span(c.used), span(c.deducted), ""])
            for line in c.lines {
                var text = "\(line.at.iso8601) \(span(line.seconds))"
                if let wc = line.workClass { text += " \(wc.rawValue)" }
                if let by = line.by { text += " by \(PartnerWarningLine.printable(by))" }
                if let note = line.note { text += ": \(PartnerWarningLine.printable(note))" }
                rows.append(["", "", "", "", "", text])
            }
        }
        return out + table(rows)
    }

    /// One record per logged line (a case without lines: one record without line fields), then a
    /// `total` record carrying the remaining seconds.
    public static func hoursCSV(_ s: HoursStatement) -> String {
        var out = [csv(["case", "opened_at", "class", "used_seconds", "deducted_seconds", "remaining_seconds",
                        "line_at", "line_seconds", "line_class", "by", "note"])]
        for c in s.cases {
            let head = [c.ticket.rawValue, c.openedAt.iso8601, c.workClass.rawValue, "\(c.used)", "\(c.deducted)", ""]
            if c.lines.isEmpty { out.append(csv(head + ["", "", "", "", ""])) }
            for l in c.lines {
                out.append(csv(head + [l.at.iso8601, "\(l.seconds)", l.workClass?.rawValue ?? "", l.by ?? "", l.note ?? ""]))
            }
        }
        out.append(csv(["total", "", "", "\(s.used)", "\(s.deducted)", s.remaining.map { "\($0)" } ?? "", "", "", "", "", ""]))
        return out.joined(separator: "\n")
    }
}
