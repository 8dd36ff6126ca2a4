import BusinessTime
import Foundation

extension SLAReport {
    /// The CSV header of `csv()`.
    public static let csvHeader = "region,plan,month,tickets,first_response_met,first_response_breached,"
        + "resolution_met,resolution_breached,escalated,escalation_rate,"
        + "median_first_response_seconds,p90_first_response_seconds"

    /// The lines as CSV (header first, one line per group, `\n` line ends). Ids are
    /// validated tokens (no comma or quote); the rate has 4 decimals; a percentile with
    /// no first response yet is empty.
    public func csv() -> String {
        var text = SLAReport.csvHeader + "\n"
        for line in lines {
            let cells: [String] = [
                line.group.region.rawValue, line.group.plan.rawValue, line.group.month, "\(line.tickets)",
                "\(line.firstResponseMet)", "\(line.firstResponseBreached)", "\(line.resolutionMet)",
                "\(line.resolutionBreached)", "\(line.escalated)", SLAReport.rate(line.escalationRate),
                line.medianFirstResponse.map(String.init) ?? "", line.p90FirstResponse.map(String.init) ?? "",
            ]
            text += cells.joined(separator: ",") + "\n"
        }
        return text
    }

    /// One JSON object per line in `{"lines": [...]}`, snake_case keys, sorted.
    public func json() -> String {
        struct Row: Encodable {
            var region: String, plan: String, month: String, tickets: Int
            var firstResponseMet: Int, firstResponseBreached: Int, resolutionMet: Int, resolutionBreached: Int
            var escalated: Int, escalationRate: Double
            var medianFirstResponseSeconds: Int64?, p90FirstResponseSeconds: Int64?

            enum CodingKeys: String, CodingKey {
                case region, plan, month, tickets, escalated
                case firstResponseMet = "first_response_met", firstResponseBreached = "first_response_breached"
                case resolutionMet = "resolution_met", resolutionBreached = "resolution_breached"
                case escalationRate = "escalation_rate"
                case medianFirstResponseSeconds = "median_first_response_seconds"
                case p90FirstResponseSeconds = "p90_first_response_seconds"
            }

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(region, forKey: .region)
                try c.encode(plan, forKey: .plan)
                try c.encode(month, forKey: .month)
                try c.encode(tickets, forKey: .tickets)
                try c.encode(firstResponseMet, forKey: .firstResponseMet)
                try c.encode(firstResponseBreached, forKey: .firstResponseBreached)
                try c.encode(resolutionMet, forKey: .resolutionMet)
                try c.encode(resolutionBreached, forKey: .resolutionBreached)
                try c.encode(escalated, forKey: .escalated)
                try c.encode(escalationRate, forKey: .escalationRate)
                try c.encode(medianFirstResponseSeconds, forKey: .medianFirstResponseSeconds)
                try c.encode(p90FirstResponseSeconds, forKey: .p90FirstResponseSeconds)
            }
        }
        struct Document: Encodable { var lines: [Row] }
        let rows = lines.map { line in
            Row(region: line.group.region.rawValue, plan: line.group.plan.rawValue, month: line.group.month,
                tickets: line.tickets, firstResponseMet: line.firstResponseMet,
                firstResponseBreached: line.firstResponseBreached, resolutionMet: line.resolutionMet,
                resolutionBreached: line.resolutionBreached, escalated: line.escalated,
                escalationRate: (line.escalationRate * 10_000).rounded() / 10_000,
                medianFirstResponseSeconds: line.medianFirstResponse, p90FirstResponseSeconds: line.p90FirstResponse)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain strings, integers and finite doubles cannot fail.
        let data = (try? encoder.encode(Document(lines: rows))) ?? Data("{\"lines\":[]}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// A standalone SVG bar chart: per region a row of weeks, each week a green bar of met
    /// and a red bar of breached outcomes (first responses and resolutions of the tickets
    /// created that week), scaled to the largest count, with the week's Monday below.
    public func svgChart() -> String {
        let weeks = self.weeks
        let regions = Array(Set(weeks.map(\.week.region.rawValue))).sorted()
        let mondays = Array(Set(weeks.map(\.week.monday))).sorted()
        let peak = max(1, weeks.map { max($0.met, $0.breached) }.max() ?? 1)
        let barWidth = 10, gap = 8, rowHeight = 140, plotHeight = 100, left = 70, top = 40
        let width = left + max(1, mondays.count) * (2 * barWidth + gap) + 20
        let height = top + max(1, regions.count) * rowHeight + 20
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" \
            viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="10">
            <title>SLA met and breached per week and region</title>
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="16" font-size="13">Met (green) and breached (red) per week, by region</text>

            """
        var byKey: [Week: (met: Int, breached: Int)] = [:]
        for entry in weeks { byKey[entry.week] = (entry.met, entry.breached) }
        for (row, region) in regions.enumerated() {
            let base = top + row * rowHeight + plotHeight
            svg += "<text x=\"4\" y=\"\(base - plotHeight / 2)\">\(SLAReport.escape(region))</text>\n"
            svg += "<line x1=\"\(left)\" y1=\"\(base)\" x2=\"\(width - 10)\" y2=\"\(base)\" stroke=\"#888\"/>\n"
            for (column, monday) in mondays.enumerated() {
                let x = left + column * (2 * barWidth + gap)
                let counts = byKey[Week(region: RegionID(region), monday: monday)] ?? (0, 0)
                for (offset, value, colour) in [(0, counts.met, "#2e7d32"), (barWidth, counts.breached, "#c62828")] {
                    let h = value * plotHeight / peak
                    svg += "<rect x=\"\(x + offset)\" y=\"\(base - h)\" width=\"\(barWidth)\" height=\"\(h)\" "
                        + "fill=\"\(colour)\"><title>\(value)</title></rect>\n"
                }
                if row == regions.count - 1 || column % 4 == 0 {
                    let label = String(LocalDate(daysSinceEpoch: monday).description.suffix(5))
                    svg += "<text x=\"\(x)\" y=\"\(base + 12)\">\(label)</text>\n"
                }
            }
        }
        return svg + "</svg>\n"
    }

    static func rate(_ value: Double) -> String {
        let scaled = Int((value * 10_000).rounded())
        let fraction = String(scaled % 10_000)
        return "\(scaled / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
