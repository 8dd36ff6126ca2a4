public import NATS
public import TicketRouting

/// Reading and writing the event log (`MERIDIAN_EVENTS`).
public struct EventLog: Sendable {
    public let jetStream: JetStream

    public init(_ jetStream: JetStream) {
        self.jetStream = jetStream
    }

    /// Stores an event with a de-duplication id.
    /// - Returns: false if the log already held an event with that id (nothing new was stored).
    @discardableResult
    public func append(_ event: TicketEvent, id: String) async throws(NATSError) -> Bool {
        let payload = Array(event.jsonString.utf8)
        let ack = try await jetStream.publish(event.subject, payload: payload, messageID: id,
                                              expectedStream: MeridianStreams.events)
        return !ack.duplicate
    }

    /// The last event stored on exactly `subject`, e.g. `meridian.events.emea.routed.T-1`.
    /// - Returns: nil when there is none (or it does not decode).
    public func last(on subject: String) async throws(NATSError) -> TicketEvent? {
        guard let message = try await jetStream.lastMessage(stream: MeridianStreams.events, subject: subject) else {
            return nil
        }
        return try? TicketEvent.decode(json: message.payload)
    }
}
