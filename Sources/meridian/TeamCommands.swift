import ArgumentParser
import BusinessTime
import Foundation
import MeridianServices
import NATS
import TicketRouting

/// `meridian tail`: follows SLA warnings and breaches, for monitoring.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow SLA warnings and breach alerts (one line each; --json for machines).",
        discussion: """
            Examples:
              meridian tail                         # live alerts of every region
              meridian tail --kind breached --since 1h --region emea
              meridian tail --json | jq .ticket
            """)

    @OptionGroup var nats: NATSConnectionOptions

    @Option(help: ArgumentHelp("Only this region's alerts.", valueName: "id"))
    var region: String?

    @Option(help: ArgumentHelp("Only alerts of tickets on this plan.", valueName: "id"))
    var plan: String?

    @Option(help: ArgumentHelp("warning, breached or partner_warning (default: warning and breached).", valueName: "kind"))
    var kind: String?

    @Option(help: ArgumentHelp("Show the alerts of this last stretch of time first, e.g. 1h, 30m.", valueName: "duration"))
    var since: String?

    @Flag(help: "One JSON object per line (the event as stored).")
    var json = false

    @Option(help: ArgumentHelp("Stop after this many alerts (default: follow until interrupted).", valueName: "n"))
    var limit: Int?

    func validate() throws {
        if let kind, kind != "warning", kind != "breached", kind != "partner_warning" {
            throw ValidationError("--kind: \"\(kind)\" is not warning, breached or partner_warning")
        }
        if let since, DurationText.seconds(since) == nil {
            throw ValidationError("--since: \"\(since)\" is not a duration like 1h or 30m")
        }
        if let region, !NodeID.isValidToken(region) { throw ValidationError("--region: \"\(region)\" is not a region id") }
    }

    func run() async throws {
        let logger = nats.bootstrapLogging()
        let connection = try await nats.connect(name: "meridian-tail", logger: logger)
        let filter = AlertFilter(region: region.map { RegionID($0) }, plan: plan.map { PlanID($0) },
                                 kind: kind.flatMap { TicketEvent.Kind(rawValue: $0) })
        let window: Duration? = since.flatMap { DurationText.seconds($0) }.map { Duration.seconds($0) }
        let stream: AsyncThrowingStream<TicketEvent, any Error>
        do {
            stream = try await AlertTail.follow(
                try connection.jetStream(), filter: filter, since: window,
                onUnreadable: { subject in printError("warning: skipped an unreadable event on \(subject)") })
        } catch {
            printError("error: cannot read the event log (is a router running against this NATS?): \(error)")
            throw ExitCode(1)
        }
        var shown = 0
        for try await event in stream {
            writeLine(json ? event.jsonString : AlertTail.line(event))
            shown += 1
            if let limit, shown >= limit { break }
        }
        await connection.close()
    }
}

/// `meridian ticket respond|wait|resume|escalate|resolve|reopen ID`: the team's actions.
struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket",
        abstract: "Record a team action on a ticket: respond, wait, resume, escalate, resolve, reopen.",
        discussion: """
            Publishes the matching event to the ticket's home-region log, where the region's
            workers update its SLA clocks:
              respond   responded (a non-automatic reply stops the first-response clock)
              wait      waiting_on_customer (pauses the clocks)
              resume    customer_replied (resumes them)
              escalate  escalated (work for the next tier; --tier to choose)
              resolve   resolved
              reopen    reopened (a new resolution cycle)
              take      taken (at L2 or above: you own the case; its follow-ups come to you)
              log-time  time_logged (ticket log-time ID 25m [--class question|incident] [--note TEXT])
            """)

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case respond, wait, resume, escalate, resolve, reopen
        // Support policies (TicketPolicyActions.swift).
        case take
        case logTime = "log-time"

        var kind: TicketEvent.Kind {
            switch self {
            case .respond: .responded
            case .wait: .waitingOnCustomer
            case .resume: .customerReplied
            case .escalate: .escalated
            case .resolve: .resolved
            case .reopen: .reopened
            case .take: .taken
            case .logTime: .timeLogged
            }
        }
    }

    @OptionGroup var nats: NATSConnectionOptions

    @Argument(help: "respond, wait, resume, escalate, resolve, reopen, take or log-time.")
    var action: Action

    @Argument(help: "The ticket id.")
    var ticket: String

    @OptionGroup var policyOptions: TicketPolicyOptions

    @Option(help: ArgumentHelp("A note for the log.", valueName: "text"))
    var note: String?

    @Flag(help: "respond: an automatic reply (does not stop the first-response clock).")
    var automatic = false

    @Option(help: ArgumentHelp("escalate: the tier, l2 or l3 (default: the next one).", valueName: "tier"))
    var tier: String?

    @Option(help: ArgumentHelp("When it happened (ISO-8601; default now).", valueName: "iso"))
    var at: String?

    @Option(help: ArgumentHelp("The ticket's home region (default: looked up).", valueName: "id"))
    var region: String?

    func validate() throws {
        guard TicketID(ticket) != nil else {
            throw ValidationError("\"\(ticket)\" is not a ticket id (1–64 letters, digits, - or _)")
        }
        if let tier, Tier(rawValue: tier) == nil { throw ValidationError("--tier: \"\(tier)\" is not l1, l2 or l3") }
        if let at, Instant(iso8601: at) == nil {
            throw ValidationError("--at: \"\(at)\" is not an ISO-8601 date-time with an offset")
        }
        if automatic, action != .respond { throw ValidationError("--automatic goes with respond only") }
        if tier != nil, action != .escalate { throw ValidationError("--tier goes with escalate only") }
        try policyOptions.validate(for: action)
    }

    func run() async throws {
        if action == .take || action == .logTime { return try await runPolicyAction() }
        let logger = nats.bootstrapLogging()
        let connection = try await nats.connect(name: "meridian-ticket", logger: logger)
        let id = TicketID(ticket)!
        let js = try connection.jetStream()
        let stored: Ticket?
        do {
            let bucket = try await js.keyValue(MeridianStreams.ticketsBucket)
            stored = try await bucket.get(id.rawValue).flatMap { try? JSONCoding.decode(Ticket.self, from: $0.value) }
        } catch {
            stored = nil
        }
        guard let home = region.map({ RegionID($0) }) ?? stored?.region else {
            printError("error: ticket \(ticket) is not known to Meridian (no routed ticket with that id); give --region to record it anyway")
            throw ExitCode(1)
        }
        var escalationTier = tier.flatMap { Tier(rawValue: $0) }
        if action == .escalate, escalationTier == nil {
            escalationTier = await currentTier(id, region: home, connection: connection)?.next
            guard escalationTier != nil else {
                printError("error: cannot tell ticket \(ticket)'s next tier (no worker of \(home) answered, or it is at l3); give --tier")
                throw ExitCode(1)
            }
        }
        let when = at.flatMap { Instant(iso8601: $0) } ?? SystemClock().now()
        var event = TicketEvent(ticket: id, kind: action.kind, at: when, region: home, tier: escalationTier,
                                automatic: action == .respond ? automatic : (action == .escalate ? false : nil))
        event.note = note
        do {
            let stored = try await EventLog(js).append(event, id: event.messageID)
            print(stored ? "recorded \(event.kind.rawValue) for \(ticket) in \(home) at \(when.iso8601)"
                         : "already recorded: \(event.kind.rawValue) for \(ticket) at \(when.iso8601)")
        } catch {
            printError("error: could not record \(event.kind.rawValue) for \(ticket): \(error)")
            await connection.close()
            throw ExitCode(1)
        }
        await connection.close()
    }

    private func currentTier(_ id: TicketID, region: RegionID, connection: NATSConnection) async -> Tier? {
        guard let reply = try? await connection.request(Subjects.inbox(region), timeout: .seconds(3)),
              let open = try? JSONCoding.decode([TicketClockStatus].self, from: reply.payload)
        else { return nil }
        return open.first { $0.ticket == id }?.tier
    }
}

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
        let connection = try await nats.connect(name: "meridian-inbox", logger: logger)
        let asked = home ? [regionID] : config.regions
        let replies = await withTaskGroup(of: (RegionID, Result<NATSMessage, NATSError>).self) { group in
            for home in asked {
                group.addTask {
                    do throws(NATSError) {
                        return (home, .success(try await connection.request(Subjects.inbox(home), timeout: .seconds(5))))
                    } catch {
                        return (home, .failure(error))
                    }
                }
            }
            return await group.reduce(into: [(RegionID, Result<NATSMessage, NATSError>)]()) { $0.append($1) }
        }
        await connection.close()

        var open: [TicketClockStatus] = []
        var missing: [String] = []
        var truncated = false
        for (home, reply) in replies.sorted(by: { $0.0 < $1.0 }) {
            switch reply {
            case .success(let message):
                guard let tickets = try? JSONCoding.decode([TicketClockStatus].self, from: message.payload) else {
                    missing.append("\(home) (unreadable answer)")
                    continue
                }
                open += self.home ? tickets : tickets.filter { $0.handling == regionID }
                if let total = message.headers["Meridian-Open-Tickets"].flatMap({ Int($0) }), total > tickets.count {
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

/// The inbox as a text table.
enum InboxTable {
    static func render(_ tickets: [TicketClockStatus], now: Instant) -> String {
        var rows = [["TICKET", "PLAN", "SEVERITY", "TIER", "HANDLED BY", "STATE", "NEXT DUE", "TIME LEFT"]]
        for t in tickets {
            let due = t.nextDeadline
            let left = due.map { $0 - now }.map { $0 >= 0 ? DurationText.format($0) : "-" + DurationText.format(-$0) } ?? "-"
            rows.append([t.ticket.rawValue, t.plan.rawValue, t.severity.rawValue, t.tier.rawValue, t.handling.rawValue,
                         t.phase.rawValue, due?.iso8601 ?? "-", left])
        }
        if tickets.isEmpty { return "no open tickets" }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// `meridian submit`: sends tickets (JSON, one per line) to the routers.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit tickets (JSON Lines on stdin) to the routers and print each decision.",
        discussion: """
            By default each ticket goes by request/reply on meridian.intake and the router's answer
            (the routing decision, or the error object) is printed as one JSON line; exit status 1
            if any ticket was rejected. With --queue, tickets are published to the intake stream
            (fire and forget; stored once per ticket id) and only the stream's acknowledgement is
            awaited.
            """)

    @OptionGroup var nats: NATSConnectionOptions

    @Flag(help: "Publish to the intake stream instead of waiting for the router's decision.")
    var queue = false

    @Option(help: ArgumentHelp("Seconds to wait for a router's answer.", valueName: "seconds"))
    var timeout: Double = 10

    func run() async throws {
        let logger = nats.bootstrapLogging()
        let connection = try await nats.connect(name: "meridian-submit", logger: logger)
        let js = try connection.jetStream()
        var failed = false
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            let payload = Array(line.utf8)
            do {
                if queue {
                    let id = (try? JSONCoding.decode(TicketIDProbe.self, from: payload))?.id
                    let ack = try await js.publish(Subjects.intakeQueue, payload: payload, messageID: id,
                                                   expectedStream: MeridianStreams.intake)
                    writeLine(#"{"queued":true,"duplicate":\#(ack.duplicate),"sequence":\#(ack.sequence)}"#)
                } else {
                    let reply = try await connection.request(
                        Subjects.intake, payload: payload, timeout: .milliseconds(Int64(timeout * 1000)))
                    writeLine(reply.string)
                    if reply.string.hasPrefix(#"{"error""#) { failed = true }
                }
            } catch {
                printError("error: line \(lineNumber): \(error.isNoResponders ? "no router is running" : "\(error)")")
                failed = true
            }
        }
        await connection.close()
        if failed { throw ExitCode(1) }
    }

    /// Just the id of a ticket, for the stream's de-duplication.
    struct TicketIDProbe: Decodable { var id: String? }
}
