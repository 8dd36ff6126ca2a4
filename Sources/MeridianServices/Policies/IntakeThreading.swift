import BusinessTime
import Logging
import NATS
import Synchronization
import TicketRouting

extension Intake {
    /// Threads a follow-up onto its case: reads the case's state from its log, then records
    /// `customer_replied` (open) or `reopened` (resolved within the reopen window) and answers
    /// `{"threaded": "<case>"}`; a case resolved longer ago gets a new ticket linked to it; an
    /// unknown case is the error `unknown_case`.
    func thread(_ message: FollowUpMessage, payload: [UInt8]) async -> IntakeReply {
        let decision: ThreadingDecision
        do {
            decision = Threading.decide(message, state: try await caseState(message.caseID), now: router.clock.now(),
                                        policy: config.partners.threading)
        } catch {
            return .unavailable("the case \(message.caseID) could not be read now (\(error.text)); submit the follow-up again")
        }
        switch decision {
        case .unknown(let report):
            logger.info("rejected a follow-up", metadata: ["case": "\(message.caseID)", "error": "\(report.error)"])
            return .rejected(report)
        case .newTicket(let linked):
            return await route(payload, linkedCase: linked)
        case .thread(let event, let id):
            do {
                try await log.append(event, id: id)
            } catch {
                return .unavailable("the follow-up could not be recorded now (\(error.text)); submit it again")
            }
            logger.info("threaded a follow-up", metadata: ["case": "\(message.caseID)", "kind": "\(event.kind.rawValue)"])
            return .threaded(message.caseID)
        }
    }

    /// The case's home (from the ticket store) and whether it is resolved (its log's last
    /// `resolved` and `reopened`); nil when Meridian does not know the case.
    private func caseState(_ id: TicketID) async throws(NATSError) -> CaseState? {
        guard let ticket = try await ticket(id) else { return nil }
        let home = ticket.region
        let resolved = try await log.last(on: Subjects.events(region: home, kind: .resolved, ticket: id))
        let reopened = try await log.last(on: Subjects.events(region: home, kind: .reopened, ticket: id))
        return CaseState(home: home, lastResolved: resolved?.at, lastReopened: reopened?.at)
    }

    /// Publishes the work of a customer reply or reopening: to the owner while on shift, else the
    /// tier's queue (`CaseOwner.route`). - Returns: false to retry later.
    func followUp(_ event: TicketEvent, sequence: UInt64) async -> Bool {
        do {
            guard let ticket = try await ticket(event.ticket) else {
                logger.warning("follow-up of an unknown ticket", metadata: ["ticket": "\(event.ticket)"])
                return true
            }
            let clock = router.projection.withLock { $0[event.ticket] }
            if event.kind == .customerReplied, clock?.phase == .resolved { return true }
            let taken = try await log.last(on: Subjects.events(region: ticket.region, kind: .taken, ticket: ticket.id))
            let owner = taken.flatMap(CaseOwner.init(event:))
            let tier = clock?.tier ?? taken?.tier ?? .l1
            let decision = CaseOwner.route(owner: owner, handling: clock?.handling ?? ticket.region, tier: tier,
                                           config: config, now: router.clock.now())
            try await publish(WorkItem(
                workID: .followUp(event.ticket, sequence: sequence), ticket: ticket, region: decision.region,
                tier: decision.tier, reason: decision.reason, reasonText: decision.reasonText, owner: decision.owner))
            logger.info("follow-up work", metadata: ["ticket": "\(event.ticket)", "region": "\(decision.region)",
                                                     "owner": "\(decision.owner ?? "-")"])
            return true
        } catch {
            logger.error("follow-up work failed", metadata: ["ticket": "\(event.ticket)", "error": "\(error)"])
            return false
        }
    }
}
