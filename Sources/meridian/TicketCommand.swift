import ArgumentParser
import BusinessTime
import MeridianServices
import TicketRouting

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
        if let tier, Tier(rawValue: tier)?.isLevel != true { throw ValidationError("--tier: \"\(tier)\" is not l1, l2 or l3") }
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
        let client = try await nats.connect(name: "meridian-ticket", logger: logger)
        let when = at.flatMap { Instant(iso8601: $0) } ?? SystemClock().now()
        let result: TicketActionResult
        do {
            result = try await client.record(
                action.kind, ticket: TicketID(ticket)!, at: when, region: region.map { RegionID($0) },
                tier: tier.flatMap { Tier(rawValue: $0) },
                automatic: action == .respond ? automatic : (action == .escalate ? false : nil), note: note,
                actor: nats.security.identityName)
        } catch {
            await client.close()
            switch error {
            case .unknownTicket:
                printError("error: ticket \(ticket) is not known to Meridian (no routed ticket with that id); give --region to record it anyway")
            case .unknownNextTier(_, let home):
                printError("error: cannot tell ticket \(ticket)'s next tier (no worker of \(home) answered, or it is at l3); give --tier")
            case .notRecorded(let event, let cause):
                printError("error: could not record \(event.kind.rawValue) for \(ticket): \(cause)")
            }
            throw ExitCode(1)
        }
        switch result {
        case .recorded(let event):
            print("recorded \(event.kind.rawValue) for \(ticket) in \(event.region) at \(when.iso8601)"
                  + (event.actor.map { " by \($0)" } ?? ""))
        case .alreadyRecorded(let event):
            print("already recorded: \(event.kind.rawValue) for \(ticket) at \(when.iso8601)")
        }
        await client.close()
    }
}
