import Foundation
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
    /// - Returns: nil when there is none.
    public func last(on subject: String) async throws(NATSError) -> TicketEvent? {
        let request = Array(#"{"last_by_subj":"\#(subject)"}"#.utf8)
        let reply = try await jetStream.connection.request(
            "$JS.API.STREAM.MSG.GET.\(MeridianStreams.events)", payload: request, timeout: jetStream.options.apiTimeout)
        struct Response: Decodable {
            struct Message: Decodable { var data: String? }
            struct Failure: Decodable { var code: Int; var err_code: Int?; var description: String? }
            var message: Message?
            var error: Failure?
        }
        guard let response = try? JSONDecoder().decode(Response.self, from: Data(reply.payload)) else {
            throw NATSError(status: .error, text: "unreadable reply to a message get on \(subject)")
        }
        if let error = response.error {
            if error.code == 404 { return nil }
            throw NATSError(status: .error, jetStreamCode: error.err_code,
                            text: "message get on \(subject): \(error.description ?? "error \(error.code)")")
        }
        guard let data = response.message?.data.flatMap({ Data(base64Encoded: $0) }) else { return nil }
        return try? TicketEvent.decode(json: data)
    }
}
