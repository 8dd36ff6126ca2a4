import ArgumentParser
import BusinessTime
import Foundation
import MeridianServices
import TicketRouting

/// `meridian inbox --region R`: a region's open tickets, most urgent first.
struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "List the open tickets a region's team works on, with the time left on their SLA clocks, most urgent first.",
        discussion: """
            A ticket's clocks live with the workers of its home region; a ticket handed off or
            routed by follow-the-sun is worked on elsewhere. So the inbox of R asks the workers of
            every region of the config and lists the open tickets handled by R, whatever their
            home. --home lists instead the clocks R's workers keep (tickets whose home is R).
            """)

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var nats: NATSConnectionOptions

    @Option(help: ArgumentHelp("The region, e.g. emea.", valueName: "id"))
    var region: String

    @Flag(help: "List the tickets whose home is the region (the clocks its workers keep), wherever they are handled.")
    var home = false

    @Flag(help: "The tickets as JSON.")
    var json = false

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        let regionID = RegionID(region)
        guard config.calendars[regionID] != nil else {
            printError("error: \(configOptions.config): regions: no region \"\(region)\"")
            throw ExitCode(2)
        }
        let logger = nats.bootstrapLogging()
        let client = try await nats.connect(name: "meridian-inbox", logger: logger)
        let asked = home ? [regionID] : config.regions
        let replies = await withTaskGroup(of: (RegionID, Result<InboxAnswer, ClientError>).self) { group in
            for home in asked {
                group.addTask {
                    do throws(ClientError) {
                        return (home, .success(try await client.inbox(home)))
                    } catch {
                        return (home, .failure(error))
                    }
                }
            }
            return await group.reduce(into: [(RegionID, Result<InboxAnswer, ClientError>)]()) { $0.append($1) }
        }
        await client.close()

        var open: [TicketClockStatus] = []
        var missing: [String] = []
        var truncated = false
        for (home, reply) in replies.sorted(by: { $0.0 < $1.0 }) {
            switch reply {
            case .success(let answer):
                let tickets = answer.tickets
                open += self.home ? tickets : tickets.filter { $0.handling == regionID }
                if let total = answer.total, total > tickets.count {
                    truncated = true
                }
            case .failure(let error):
                missing.append(error.isNoResponders ? "\(home) (no worker running)" : "\(home) (\(error))")
            }
        }
        if missing.count == asked.count {
            printError("error: no inbox answered: \(missing.joined(separator: ", "))")
            throw ExitCode(1)
        }
        for region in missing {
            printError("warning: not listed: tickets whose home is \(region)")
        }
        open.sort(by: RegionClocks.mostUrgentFirst)
        if json {
            print(String(decoding: try JSONCoding.encode(open), as: UTF8.self))
            return
        }
        print(InboxTable.render(open, now: SystemClock().now()))
        if truncated { print("(a region held more open tickets than one answer carries: the most urgent are listed)") }
    }
}

/// The inbox as a text table: one row per clock, with its deadline, state and time left or overdue.
enum InboxTable {
    static func render(_ tickets: [TicketClockStatus], now: Instant) -> String {
        if tickets.isEmpty { return "no open tickets" }
        var rows = [["TICKET", "PLAN", "SEVERITY", "TIER", "HANDLED BY", "CLOCK", "STATE", "DEADLINE", "LEFT / OVERDUE"]]
        for t in tickets {
            for c in t.clocks {
                rows.append([t.ticket.rawValue, t.plan.rawValue, t.severity.rawValue, t.tier.rawValue, t.handling.rawValue,
                             c.clock.rawValue, c.state.rawValue, c.due?.iso8601 ?? "-", timeLeft(c)])
            }
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// `1h30m left`, `40m left (paused, business time)`, `2h overdue`, `met at <instant>`.
    static func timeLeft(_ c: ClockStatus) -> String {
        switch c.state {
        case .running: c.leftSeconds.map { "\(DurationText.format($0)) left" } ?? "-"
        case .paused: c.leftSeconds.map { "\(DurationText.format($0)) left (paused, business time)" } ?? "-"
        case .breached: c.overdueSeconds.map { "\(DurationText.format($0)) overdue" } ?? "overdue"
        case .met: c.stoppedAt.map { "met at \($0.iso8601)" } ?? "met"
        case .unknownPlan: "-"
        }
    }
}
