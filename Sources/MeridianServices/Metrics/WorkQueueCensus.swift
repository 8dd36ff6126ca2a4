import BusinessTime
import Foundation
public import NATS
public import TicketRouting

/// The state of one region's tier queue (`work-<region>-<tier>` on `MERIDIAN_WORK`): read from
/// the consumer's info and the oldest item still in the work-queue stream.
public struct WorkQueueCensus: Codable, Hashable, Sendable {
    public var region: RegionID
    public var tier: Tier
    /// Items not yet acknowledged: waiting for a worker plus delivered and not yet acknowledged.
    public var backlog: Int
    /// Age of the oldest unacknowledged item in whole seconds, 0 when the queue is empty.
    public var oldestAgeSeconds: Int64

    public init(region: RegionID, tier: Tier, backlog: Int, oldestAgeSeconds: Int64) {
        self.region = region
        self.tier = tier
        self.backlog = backlog
        self.oldestAgeSeconds = oldestAgeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case region, tier, backlog
        case oldestAgeSeconds = "oldest_age_seconds"
    }

    /// Reads the queue of `region`'s `tier`.
    /// - Parameter now: real time, in Unix seconds (the stream stamps messages in real time).
    /// - Returns: nil when the consumer does not exist (no worker of the region ever started).
    public static func read(_ js: JetStream, connection: NATSConnection, region: RegionID, tier: Tier,
                            now: Int64) async throws(NATSError) -> WorkQueueCensus? {
        let info: ConsumerInfo
        do {
            info = try await js.consumerInfo(stream: MeridianStreams.work, name: MeridianStreams.workConsumer(region, tier))
        } catch where error.isNotFound {
            return nil
        }
        let backlog = Int(clamping: info.pending).addingReportingOverflow(max(0, info.ackPending))
        var age: Int64 = 0
        if let stored = try await oldestStored(connection, subject: Subjects.work(region, tier)) {
            age = max(0, now - stored)
        }
        return WorkQueueCensus(region: region, tier: tier, backlog: backlog.overflow ? .max : backlog.partialValue,
                               oldestAgeSeconds: age)
    }

    /// When the first message still stored on `subject` was stored (Unix seconds), by the
    /// JetStream API's `next_by_subj` message get; nil when there is none.
    static func oldestStored(_ connection: NATSConnection, subject: String) async throws(NATSError) -> Int64? {
        let request = #"{"seq":1,"next_by_subj":"\#(subject)"}"#
        let reply = try await connection.request(
            "$JS.API.STREAM.MSG.GET.\(MeridianStreams.work)", payload: Array(request.utf8), timeout: .seconds(2))
        return parseStoredTime(reply.payload)
    }

    /// The `message.time` of a `STREAM.MSG.GET` answer in Unix seconds; nil for an error answer
    /// ("no message found") or anything unreadable.
    static func parseStoredTime(_ payload: [UInt8]) -> Int64? {
        struct Answer: Decodable {
            struct Message: Decodable { var time: String }
            var message: Message?
        }
        guard let time = (try? JSONDecoder().decode(Answer.self, from: Data(payload)))?.message?.time,
              time.count >= 19 else { return nil }
        // RFC 3339 with nanoseconds in UTC (`2026-12-04T03:58:01.123456789Z`): whole seconds suffice.
        return Instant(iso8601: time.prefix(19) + "Z")?.unixSeconds
    }
}
