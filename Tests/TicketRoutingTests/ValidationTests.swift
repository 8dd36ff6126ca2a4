import BusinessTime
import Foundation
import Testing
import TicketRouting

@Suite("Ticket validation")
struct ValidationTests {
    let config = Fixtures.config

    func validate(_ text: String) -> Result<Ticket, ValidationErrorReport> {
        Ticket.validate(json: Array(text.utf8), config: config)
    }

    func mutate(_ edit: (inout [String: Any]) -> Void) -> String {
        var object = try! JSONSerialization.jsonObject(with: Data(Fixtures.validJSON.utf8)) as! [String: Any]
        edit(&object)
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    func problems(_ text: String) -> [String] {
        switch validate(text) {
        case .success: return []
        case .failure(let report): return report.errors.map { "\($0.code.rawValue) \($0.field)" }
        }
    }

    @Test("A valid ticket decodes with every field")
    func valid() throws {
        let ticket = try validate(Fixtures.validJSON).get()
        #expect(ticket.id == TicketID("T-1001"))
        #expect(ticket.createdAt == Fixtures.t("2026-11-27T16:50:00Z"))
        #expect(ticket.stepsTaken == "Restarted it.")
        #expect(ticket.language == "fr")
        // Round trip through the canonical JSON.
        #expect(try validate(ticket.jsonString).get() == ticket)
    }

    @Test("Every invalid-ticket code names its field", arguments: [
        ("{", "bad_json "),
        ("[1, 2]", "bad_json "),
        ("", "bad_json "),
    ])
    func badJSON(text: String, expected: String) {
        #expect(problems(text) == [expected])
    }

    @Test("Field problems")
    func fieldProblems() {
        #expect(problems(mutate { $0["customer"] = nil }) == ["missing_field customer"])
        #expect(problems(mutate { $0["subject"] = NSNull() }) == ["missing_field subject"])
        #expect(problems(mutate { $0["details"] = "   " }) == ["missing_field details"])
        #expect(problems(mutate { $0["plan"] = "gold" }) == ["unknown_plan plan"])
        #expect(problems(mutate { $0["region"] = "mars" }) == ["unknown_region region"])
        #expect(problems(mutate { $0["severity"] = "urgent" }) == ["unknown_severity severity"])
        #expect(problems(mutate { $0["severity"] = 3 }) == ["bad_type severity"])
        #expect(problems(mutate { $0["created_at"] = "yesterday" }) == ["bad_timestamp created_at"])
        #expect(problems(mutate { $0["created_at"] = "2026-11-27T17:50:00" }) == ["bad_timestamp created_at"])
        #expect(problems(mutate { $0["created_at"] = "2026-02-30T10:00:00Z" }) == ["bad_timestamp created_at"])
        #expect(problems(mutate { $0["subject"] = String(repeating: "x", count: 201) }) == ["too_long subject"])
        #expect(problems(mutate { $0["language"] = String(repeating: "x", count: 36) }) == ["too_long language"])
        for id in ["T 1", "../etc", "a.b", "x*", "é1", String(repeating: "a", count: 65)] {
            #expect(problems(mutate { $0["id"] = id }) == ["bad_id id"], "id \(id)")
        }
        #expect(problems(mutate { $0["id"] = String(repeating: "a", count: 64) }) == [])
        #expect(problems(mutate { $0["id"] = "" }) == ["missing_field id"])
    }

    @Test("Deeply nested JSON, invalid UTF-8 and non-object payloads are bad_json, not crashes")
    func hostilePayloads() {
        let deep = "{\"id\":" + String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000) + "}"
        #expect(problems(deep) == ["bad_json "])
        var bytes = Array(Fixtures.validJSON.utf8)
        bytes.insert(0xFF, at: 10)
        guard case .failure(let report) = Ticket.validate(json: bytes, config: config) else {
            Issue.record("expected failure"); return
        }
        #expect(report.error.code == .badJSON)
        #expect(problems("\"just a string\"") == ["bad_json "])
        #expect(problems("null") == ["bad_json "])
    }

    @Test("Oversize payloads are rejected before parsing")
    func tooLarge() {
        let big = mutate { $0["details"] = String(repeating: "x", count: 70_000) }
        #expect(problems(big) == ["too_large "])
    }

    @Test("Every problem is reported, in field order; the error object carries the first")
    func allProblemsAndErrorObject() throws {
        let text = mutate {
            $0["id"] = "bad id"
            $0["plan"] = "gold"
            $0["customer"] = nil
            $0["created_at"] = "never"
        }
        #expect(problems(text) == ["bad_id id", "missing_field customer", "unknown_plan plan", "bad_timestamp created_at"])
        guard case .failure(let report) = validate(text) else { Issue.record("expected failure"); return }
        let object = try JSONSerialization.jsonObject(with: Data(report.jsonString.utf8)) as! [String: Any]
        let error = object["error"] as! [String: String]
        #expect(error["code"] == "bad_id")
        #expect(error["field"] == "id")
        #expect(error["message"] == "the id must be 1-64 characters of letters, digits, '-' and '_'")
        #expect((object["errors"] as! [Any]).count == 4)
    }

    @Test("10k random mutations of a valid ticket never crash the decoder and always answer")
    func fuzz() {
        var rng = SplitMix64(seed: 0x5EED)
        let base = Array(Fixtures.validJSON.utf8)
        let interesting: [UInt8] = Array("{}[]\",:\\0123456789-_ \u{7f}".utf8) + [0, 0xC3, 0xA9, 0xFF, 0xE2, 0x80]
        var accepted = 0
        for _ in 0..<10_000 {
            var bytes = base
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = Int(rng.next() % UInt64(max(bytes.count, 1)))
                switch rng.next() % 5 {
                case 0 where !bytes.isEmpty: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1 where !bytes.isEmpty: bytes[i] = interesting[Int(rng.next() % UInt64(interesting.count))]
                case 2 where !bytes.isEmpty: bytes.remove(at: i)
                case 3: bytes.insert(interesting[Int(rng.next() % UInt64(interesting.count))], at: min(i, bytes.count))
                default: bytes = Array(bytes.prefix(i))
                }
            }
            switch Ticket.validate(json: bytes, config: config) {
            case .success(let ticket):
                accepted += 1
                #expect(TicketID.isValid(ticket.id.rawValue))
                #expect(config.plans[ticket.plan] != nil)
                #expect(config.calendars[ticket.region] != nil)
            case .failure(let report):
                #expect(!report.errors.isEmpty)
                #expect(report.error == report.errors[0])
            }
        }
        // Some mutations only touch text inside strings and stay valid.
        #expect(accepted > 0)
    }
}

/// A small deterministic PRNG for reproducible fuzzing and shuffles.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
