import BusinessTime
import Foundation
import MeridianServices
import Testing
import TicketRouting

/// Hostile heartbeats and work items: exact errors at decoding, saturating sums after it.
@Suite("Hostile input: heartbeats and work items")
struct WireMessageTests {
    func heartbeatError(_ json: String) -> WireError? {
        do {
            _ = try WireDecoding.decode(Heartbeat.self, from: Array(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test("Heartbeat fields are range-checked", arguments: [
        (#"{"node":"n1","region":"emea","state":"up","backlog":-1,"clocks":0}"#, "out_of_range", "backlog"),
        (#"{"node":"n1","region":"emea","state":"up","backlog":9223372036854775807,"clocks":0}"#, "out_of_range", "backlog"),
        (#"{"node":"n1","region":"emea","state":"up","backlog":1e300,"clocks":0}"#, "out_of_range", "backlog"),
        (#"{"node":"n1","region":"emea","state":"up","backlog":0,"clocks":2.5}"#, "out_of_range", "clocks"),
        (#"{"node":"n1","region":"emea","state":"up","backlog":0}"#, "missing_field", "clocks"),
        (#"{"node":"n1","region":"emea","state":"sideways","backlog":0,"clocks":0}"#, "unknown_value", "state"),
        (#"{"node":"n 1","region":"emea","state":"up","backlog":0,"clocks":0}"#, "bad_token", "node"),
        (#"{"node":"n1","region":"em.ea","state":"up","backlog":0,"clocks":0}"#, "bad_token", "region"),
    ])
    func heartbeats(json: String, code: String, field: String) {
        let e = heartbeatError(json)
        #expect(e?.code.rawValue == code)
        #expect(e?.field == field)
    }

    @Test("A valid heartbeat round-trips")
    func validHeartbeat() throws {
        let beat = Heartbeat(node: "emea-1", region: "emea", state: .up, backlog: 1_000_000_000, clocks: 3)
        #expect(try WireDecoding.decode(Heartbeat.self, from: JSONCoding.encode(beat)) == beat)
    }

    @Test("Two backlogs that add past Int.max saturate instead of trapping")
    func saturatingBacklog() {
        var tracker = LivenessTracker<String, String>(interval: .seconds(1))
        let t0 = ContinuousClock.now
        tracker.heartbeat(node: "a", region: "emea", at: t0, backlog: Int.max)
        tracker.heartbeat(node: "b", region: "emea", at: t0, backlog: Int.max)
        tracker.heartbeat(node: "c", region: "emea", at: t0, backlog: -5)
        let live = tracker.liveRegions(at: t0)
        #expect(live["emea"]?.workers == 3)
        #expect(live["emea"]?.backlog == Int.max)
        var load = RegionLoad(liveWorkers: 1, backlog: Int.max)
        load.addBacklog(1)
        #expect(load.backlog == Int.max)
    }

    @Test("A heartbeat interval that is zero or huge does not trap the tracker")
    func extremeIntervals() {
        let t0 = ContinuousClock.now
        var zero = LivenessTracker<String, String>(interval: .zero)
        zero.heartbeat(node: "a", region: "emea", at: t0)
        #expect(zero.window == .zero)
        #expect(zero.isLive("a", at: t0))
        #expect(!zero.isLive("a", at: t0 + .nanoseconds(1)))
        let huge = LivenessTracker<String, String>(interval: .seconds(Int64.max / 2), missedBeats: 3)
        #expect(huge.window == LivenessTracker<String, String>.maxWindow)
        let negative = LivenessTracker<String, String>(interval: .seconds(1), missedBeats: -1)
        #expect(negative.window == .zero)
    }

    static let ticket = #"{"id":"T-1","customer":"acme","plan":"enterprise","severity":"major","region":"emea","created_at":"2026-11-30T09:00:00Z","subject":"s","details":"d"}"#

    func workError(_ json: String) -> WireError? {
        do {
            _ = try WireDecoding.decode(WorkItem.self, from: Array(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test("Work item fields are checked, the nested ticket's too", arguments: [
        (#"{"work_id":"T-1:work:l1","ticket":\#(ticket.replacingOccurrences(of: "\"emea\"", with: "\"em ea\"")),"region":"emea","tier":"l1","reason":"home_open"}"#,
         "bad_token", "ticket.region"),
        (#"{"work_id":"T-1:work:l1","ticket":\#(ticket),"region":"em ea","tier":"l1","reason":"home_open"}"#, "bad_token", "region"),
        (#"{"work_id":"T-1:work:l1","ticket":\#(ticket),"region":"emea","tier":"l7","reason":"home_open"}"#, "unknown_value", "tier"),
        (#"{"work_id":"T-1:work:l1","ticket":\#(ticket),"region":"emea","tier":"l1"}"#, "missing_field", "reason"),
        (#"{"work_id":"T-1:work:l1","ticket":"T-1","region":"emea","tier":"l1","reason":"home_open"}"#, "bad_type", "ticket"),
        (#"{"work_id":"T-1:work:l1","ticket":\#(ticket),"region":"emea","tier":"l1","reason":"home_open","queued_until":"9999-01-01T00:00:00Z"}"#,
         "out_of_range", "queued_until"),
        (#"{"work_id":"T-1:work:l1","ticket":\#(ticket.replacingOccurrences(of: "2026-11-30T09:00:00Z", with: "1900-01-01T00:00:00Z")),"region":"emea","tier":"l1","reason":"home_open"}"#,
         "out_of_range", "ticket.created_at"),
    ])
    func workItems(json: String, code: String, field: String) {
        let e = workError(json)
        #expect(e?.code.rawValue == code)
        #expect(e?.field == field)
    }

    @Test("A valid work item still decodes")
    func validWorkItem() throws {
        let json = #"{"work_id":"T-1:work:l1","ticket":\#(Self.ticket),"region":"emea","tier":"l1","reason":"home_open","reason_text":"open"}"#
        let work = try WireDecoding.decode(WorkItem.self, from: Array(json.utf8))
        #expect(work.ticket.id == TicketID("T-1"))
        #expect(work.region == RegionID("emea"))
        #expect(work.tier == .l1)
        #expect(work.ticket.createdAt == Instant(iso8601: "2026-11-30T09:00:00Z"))
    }

    @Test("tail's line for a warning uses the checked permille")
    func tailLine() {
        var event = TicketEvent(
            ticket: "T-1", kind: .warning, at: Instant(iso8601: "2026-11-30T10:00:00Z")!, region: "emea",
            plan: "enterprise", severity: .major, clock: .firstResponse, cycle: 0, threshold: 0.755,
            due: Instant(iso8601: "2026-11-30T10:00:00Z")!)
        event.warningAt = Instant(iso8601: "2026-11-30T09:45:00Z")!
        #expect(AlertTail.line(event) == "2026-11-30T10:00:00Z WARNING  emea T-1 enterprise/major first_response 76% at 2026-11-30T09:45:00Z due 2026-11-30T10:00:00Z left 0s")
        event.threshold = 1e300
        #expect(AlertTail.line(event) == "2026-11-30T10:00:00Z WARNING  emea T-1 enterprise/major first_response due 2026-11-30T10:00:00Z left 0s")
    }
}
