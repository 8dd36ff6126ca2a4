import BusinessTime
import Logging
import NATS
public import TicketRouting

extension MeridianStreams {
    /// The routers' consumers of customer replies and reopenings, which become follow-up work.
    public static let followUpConsumers: [(name: String, kind: TicketEvent.Kind)] = [
        ("router-replies", .customerReplied), ("router-reopenings", .reopened),
    ]

    /// The durable consumer of `kind` events for follow-up work.
    /// With credentials (`createsMissing` false) it only looks the consumer up: `meridian setup` made it.
    func followUpConsumer(_ js: JetStream, name: String, kind: TicketEvent.Kind) async throws(NATSError) -> PullConsumer {
        guard createsMissing else { return try await js.pullConsumer(stream: Self.events, durable: name) }
        return try await js.createOrUpdateConsumer(stream: Self.events, ConsumerConfig(
            durable: name, filterSubject: Subjects.events(kind: kind), ackWait: .seconds(30), maxAckPending: 1_000,
            description: "\(kind.rawValue) events, turned into follow-up work by the routers"))
    }
}

extension RouterService {
    /// Turns every `customer_replied` and `reopened` event into work for the case's owner (while on
    /// shift) or its tier's queue, on shared durable consumers: each event is handled by one router.
    func routeFollowUps(_ js: JetStream, intake: Intake) async throws {
        var consumers: [PullConsumer] = []
        for (name, kind) in MeridianStreams.followUpConsumers {
            consumers.append(try await startUpStep("creating the \(name) consumer", logger: logger) { () throws(NATSError) in
                try await streams.followUpConsumer(js, name: name, kind: kind)
            })
        }
        await waitForProjection()
        await withDiscardingTaskGroup { group in
            for consumer in consumers {
                group.addTask {
                    await self.consume(consumer, what: "follow-ups") { message in
                        guard let event = try? TicketEvent.decode(json: message.payload) else {
                            self.logger.error("dropped an unreadable follow-up", metadata: ["subject": "\(message.subject)"])
                            try? message.term()
                            return
                        }
                        if await intake.followUp(event, sequence: message.metadata.streamSequence) {
                            try? message.ack()
                        } else {
                            try? message.nak(delay: .seconds(1))
                        }
                    }
                }
            }
        }
    }

    /// Follows the whole event log through a `PartnerWarningFeed` and publishes each partner warning
    /// once: the warning's message id is derived from the event that triggered it, so several routers
    /// store it once, and one read back from the log is not repeated after a restart.
    func warnPartners(_ js: JetStream) async throws {
        let log = EventLog(js)
        while !Task.isCancelled {
            do {
                var feed = PartnerWarningFeed(policy: config.partners.escalationWarning)
                let replay = try await js.replay(stream: MeridianStreams.events, filter: "meridian.events.>")
                for try await item in replay {
                    let due: [TicketEvent]
                    switch item {
                    case .message(let message):
                        guard let kind = EventSubject.kind(of: message.subject), PartnerWarningFeed.reads(subjectKind: kind),
                              let event = try? TicketEvent.decode(json: message.payload) else { continue }
                        due = feed.read(event)
                    case .caughtUp:
                        due = feed.caughtUp()
                    }
                    for warning in due {
                        try await log.append(warning, id: warning.messageID)
                        logger.notice("partner warning", metadata: [
                            "partner": "\(warning.partner ?? "")", "cases": "\(warning.cases ?? 0)",
                            "escalations": "\(warning.escalations ?? 0)"])
                    }
                }
                return
            } catch {
                logger.warning("partner warnings: replay failed; starting again", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}

/// Reading the tokens of `meridian.events.<region>.<kind>.<ticket>` without decoding the payload.
public enum EventSubject {
    /// The `<kind>` token, or nil for a subject of another shape.
    public static func kind(of subject: String) -> Substring? {
        let parts = subject.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "meridian", parts[1] == "events" else { return nil }
        return parts[3]
    }
}
