import ArgumentParser
import BusinessTime
import Foundation
import MeridianServices
import TicketRouting

/// The arguments of `meridian ticket take` and `meridian ticket log-time`.
struct TicketPolicyOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("log-time: the time spent, e.g. 25m or 1h30m (at most 24h).", valueName: "duration"))
    var duration: String?

    @Option(name: .customLong("as"), help: ArgumentHelp(
        "take / log-time: who (default: the NATS user, then $USER).", valueName: "name"))
    var actor: String?

    @Option(name: .customLong("owner-region"), help: ArgumentHelp(
        "take: the owner's region (default: from an identity team-<region>, else the region handling the ticket).",
        valueName: "id"))
    var ownerRegion: String?

    @Option(name: .customLong("class"), help: ArgumentHelp(
        "log-time: question (deducted from the partner's hours) or incident (not deducted).", valueName: "class"))
    var workClass: String?

    /// The most characters of a note.
    static let maxNoteLength = 4_000

    func validate(for action: TicketCommand.Action) throws {
        let take = action == .take, logTime = action == .logTime
        if duration != nil, !logTime { throw ValidationError("a duration goes with log-time only") }
        if logTime {
            guard let duration else { throw ValidationError("log-time needs the time spent, e.g. ticket log-time T-1 25m") }
            guard LoggedTime.seconds(duration) != nil else {
                throw ValidationError("\"\(duration)\" is not a duration between 1s and 24h, like 25m or 1h30m")
            }
        }
        if actor != nil, !take, !logTime { throw ValidationError("--as goes with take or log-time only") }
        if let actor, CaseOwner.refusal(name: actor, tier: .l2) != nil {
            throw ValidationError("--as: a name is 1-\(CaseOwner.maxNameLength) characters without control characters")
        }
        if ownerRegion != nil, !take { throw ValidationError("--owner-region goes with take only") }
        if let ownerRegion, !SubjectToken.isValid(ownerRegion) {
            throw ValidationError("--owner-region: \"\(ownerRegion)\" is not a region id")
        }
        if workClass != nil, !logTime { throw ValidationError("--class goes with log-time only") }
        if let workClass, WorkClass(rawValue: workClass) == nil {
            throw ValidationError("--class: \"\(workClass)\" is not question or incident")
        }
    }
}

extension TicketCommand {
    /// `take` and `log-time`: reads what they need from the ticket store and the case's log, then
    /// records `taken` / `time_logged` in the ticket's home-region log.
    func runPolicyAction() async throws {
        if let note, note.count > TicketPolicyOptions.maxNoteLength {
            printError("error: --note: at most \(TicketPolicyOptions.maxNoteLength) characters")
            throw ExitCode(64)
        }
        let logger = nats.bootstrapLogging()
        let client = try await nats.connect(name: "meridian-ticket", logger: logger)
        do {
            try await record(client)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    private func record(_ log: MeridianClient) async throws {
        let id = TicketID(ticket)!
        let stored = await log.storedTicket(id)
        guard let home = region.map({ RegionID($0) }) ?? stored?.region else {
            printError("error: ticket \(ticket) is not known to Meridian (no routed ticket with that id); give --region to record it anyway")
            throw ExitCode(1)
        }
        let when = at.flatMap { Instant(iso8601: $0) } ?? SystemClock().now()
        let event: TicketEvent
        let summary: String
        do {
            switch action {
            case .take:
                let tier = try await currentTier(id, home: home, log: log)
                guard let name = actor else {
                    printError("error: cannot tell who takes the case: give --as NAME (or connect with --nats-user)")
                    throw ExitCode(1)
                }
                if let refusal = CaseOwner.refusal(name: name, tier: tier) {
                    printError("error: cannot take \(ticket): \(refusal)")
                    throw ExitCode(1)
                }
                let ownerRegion = try await owningRegion(id, home: home, actor: name, log: log)
                event = CaseOwner(name: name, region: ownerRegion, takenAt: when).event(ticket: id, home: home, tier: tier)
                summary = "\(ticket) is owned by \(name) (\(ownerRegion)) at \(tier.rawValue)"
            default:
                let seconds = LoggedTime.seconds(policyOptions.duration ?? "") ?? 0
                let workClass = policyOptions.workClass.flatMap(WorkClass.init(rawValue:))
                event = LoggedTime.event(ticket: id, home: home, at: when, seconds: seconds, workClass: workClass,
                                         note: note, by: actor)
                summary = "\(DurationText.format(seconds)) on \(ticket)" + (workClass.map { " (\($0.rawValue))" } ?? "")
            }
            let stored = try await log.append(event)
            print(stored ? "recorded \(event.kind.rawValue): \(summary) in \(home) at \(when.iso8601)"
                         : "already recorded: \(event.kind.rawValue) for \(ticket) at \(when.iso8601)")
        } catch let error as ClientError {
            printError("error: could not record \(action.kind.rawValue) for \(ticket): \(error)")
            throw ExitCode(1)
        }
    }

    /// Who acts: `--as`, else the NATS user, else `$USER`.
    private var actor: String? {
        policyOptions.actor ?? nats.user ?? NATSConnectionOptions.environment["MERIDIAN_NATS_USER"]
            ?? NATSConnectionOptions.environment["USER"]
    }

    /// The ticket's tier from its log: the last escalation's, else the routing's, else L1.
    private func currentTier(_ id: TicketID, home: RegionID, log: MeridianClient) async throws(ClientError) -> Tier {
        if let escalated = try await log.lastEvent(on: Subjects.events(region: home, kind: .escalated, ticket: id)),
           let tier = escalated.tier { return tier }
        return try await log.lastEvent(on: Subjects.events(region: home, kind: .routed, ticket: id))?.tier ?? .l1
    }

    /// `--owner-region`, else `<r>` of an identity `team-<r>`, else the region handling the ticket
    /// (its last hand-off's, else its routing's), else its home.
    private func owningRegion(_ id: TicketID, home: RegionID, actor: String, log: MeridianClient) async throws(ClientError) -> RegionID {
        if let ownerRegion = policyOptions.ownerRegion { return RegionID(ownerRegion) }
        if actor.hasPrefix("team-"), SubjectToken.isValid(String(actor.dropFirst(5))) { return RegionID(String(actor.dropFirst(5))) }
        if let handedOff = try await log.lastEvent(on: Subjects.events(region: home, kind: .handedOff, ticket: id)),
           let to = handedOff.toRegion { return to }
        return try await log.lastEvent(on: Subjects.events(region: home, kind: .routed, ticket: id))?.toRegion ?? home
    }
}
