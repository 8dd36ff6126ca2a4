import BusinessTime
import Foundation
import Testing
import TicketRouting

@Suite("work ids")
struct WorkIDTests {
    @Test("every kind of work id reads back from its wire form")
    func roundTrip() throws {
        let ids: [(WorkID, String)] = [
            (.intake("T-1", .l2), "T-1:work:l2"),
            (.handoff("T-1", closing: Instant(unixSeconds: 1_764_608_400)), "T-1:handoff:1764608400"),
            (.escalation("T_9", sequence: 42), "T_9:escalation:42"),
        ]
        for (id, wire) in ids {
            #expect(id.rawValue == wire)
            #expect(WorkID(rawValue: wire) == id)
            #expect(MessageID.assigned(id) == wire + ":assigned")
            #expect(MessageID.work(id) == wire)
            let json = try JSONEncoder().encode([id])
            #expect(String(decoding: json, as: UTF8.self) == "[\"\(wire)\"]")
            #expect(try JSONDecoder().decode([WorkID].self, from: json) == [id])
        }
        #expect(WorkID.escalation("T-2", sequence: 1).ticket == "T-2")
    }

    @Test("hostile work ids are rejected, not trapped on", arguments: [
        "", "T-1", "T-1:work", "T-1:work:l4", "T-1:handoff:x", "T-1:handoff:99999999999999999999",
        "T-1:escalation:-1", "T-1:other:1", "T 1:work:l1", "T-1:work:l1:extra", ":work:l1",
    ])
    func hostile(_ wire: String) {
        #expect(WorkID(rawValue: wire) == nil)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([WorkID].self, from: Data("[\"\(wire)\"]".utf8)) }
    }
}
