import BusinessTime
import MeridianServices
import MeridianTesting
import NATSServerLauncher
import NATS
import TicketRouting

/// A config where the sun really follows, and a 24x7 plan for tests that run on real time.
///
/// Winter hours in UTC (2026-11-24 is after both DST changes): emea 08:00-18:00 Paris = 07:00-17:00Z;
/// amer 09:00-17:00 New York = 14:00-22:00Z; apac 06:00-15:00 Singapore = 22:00-07:00Z (next day).
/// So at amer's closing (22:00Z) apac opens — with the shipped 09:00-18:00 Singapore hours apac
/// would still be closed then (01:00Z opening) and the ticket could only wait for it.
enum SunFixtures {
    static let yaml = """
        regions:
          emea: { timezone: Europe/Paris, hours: { mon-fri: "08:00-18:00" } }
          amer: { timezone: America/New_York, hours: { mon-fri: "09:00-17:00" } }
          apac: { timezone: Asia/Singapore, hours: { mon-fri: "06:00-15:00" } }
        routing: { margin: 30m }
        warnings: [0.5, 0.75]
        tiers: { l1: 8h, l2: 24h, l3: 72h }
        plans:
          enterprise:
            first_response: { critical: 1h, major: 2h, minor: 2h }
            resolution: { critical: 8h, major: 24h, minor: 40h }
            follow_the_sun: true
          premium:
            first_response: 12h
            resolution: 72h
          roundtheclock:
            first_response: 1h
            resolution: 8h
            calendar: 24x7
            warnings: []
        """

    static let config: MeridianConfig = {
        do { return try MeridianConfig.parse(yaml: yaml, file: "sun-test.yaml") } catch {
            fatalError("fixture config: \(error)")
        }
    }()
}

extension ServiceHarness {
    /// Records a team action (`responded`, `waiting_on_customer`, ...) in the ticket's home log,
    /// as `meridian ticket ...` does.
    func record(_ kind: TicketEvent.Kind, ticket: TicketID, at: Instant, region: RegionID = "emea",
                automatic: Bool? = nil) async throws {
        let event = TicketEvent.simple(kind, ticket: ticket, at: at, region: region, automatic: automatic)
        try await EventLog(js).append(event, id: event.messageID)
    }

    /// The open tickets of a region, as `meridian.inbox.<region>` answers.
    func inbox(_ region: RegionID) async throws -> [TicketClockStatus] {
        let reply = try await connection.request(Subjects.inbox(region), payload: [UInt8](), timeout: .seconds(10))
        return try JSONCoding.decode([TicketClockStatus].self, from: reply.payload)
    }

    /// Publishes tickets to the intake stream (fire-and-forget clients), each with its id as message id.
    func enqueue(_ tickets: [(id: String, json: [UInt8])]) async throws {
        let publisher = try js.makeAsyncPublisher(maxInFlight: 512)
        for ticket in tickets {
            try await publisher.publish(Subjects.intakeQueue, payload: ticket.json, messageID: ticket.id,
                                        expectedStream: MeridianStreams.intake)
        }
        let summary = await publisher.complete()
        guard summary.failures.isEmpty, summary.acknowledged == tickets.count else {
            throw NATSError(status: .error, text: "intake publish: \(summary)")
        }
    }

    /// Waits until the intake stream exists (a router created it).
    func waitForStreams() async throws {
        try await waitUntil("streams") {
            let intake = try? await js.streamInfo(MeridianStreams.intake)
            let events = try? await js.streamInfo(MeridianStreams.events)
            return intake != nil && events != nil
        }
    }
}
