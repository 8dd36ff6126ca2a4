import BusinessTime
import Foundation
import Testing
@testable import TicketRouting

/// `TicketEvent.decode(json:)` parses the shape `jsonString` writes directly over the bytes and
/// leaves everything else to `JSONDecoder`: the fast path must accept only what Foundation
/// decodes to the same value.
@Suite("Event decoding fast path")
struct EventDecodingTests {
    static func foundation(_ json: String) -> TicketEvent? {
        try? JSONDecoder().decode(TicketEvent.self, from: Data(json.utf8))
    }

    /// What the fast path returns: a parse within the wire limits (anything else goes to the
    /// checked `init(from:)`).
    static func fast(_ json: String) -> TicketEvent? {
        Array(json.utf8).withUnsafeBytes { EventBytesParser.parse($0) }.flatMap { $0.isWithinWireLimits ? $0 : nil }
    }

    /// Every kind, every field, as the log stores them.
    static let samples: [TicketEvent] = {
        let lifecycle = ReplayTests.lifecycles(count: 60, seed: 7)
        var all = ReplayTests.cleanLog(lifecycle, config: Fixtures.config)
        var full = TicketEvent(
            ticket: "T-9", kind: .warning, at: Fixtures.t("2026-11-30T10:00:00Z"), region: "emea", plan: "enterprise",
            severity: .critical, homeRegion: "amer", createdAt: Fixtures.t("2026-11-30T08:00:00Z"), toRegion: "apac",
            tier: .l3, reason: "follow_the_sun", node: "n-1", assignee: "Zoë Ünal", automatic: true, calendar: "24x7",
            clock: .firstResponse, cycle: 3, threshold: 0.75, due: Fixtures.t("2026-11-30T11:00:00Z"),
            overdueSeconds: WireLimits.maxSeconds)   // the largest the wire accepts
        full.note = "called the customer — left a message / will retry"
        all.append(full)
        full.threshold = 0.125
        full.cycle = 0
        all.append(full)
        for kind in TicketEvent.Kind.allCases {
            all.append(TicketEvent(ticket: TicketID("K-\(kind.rawValue.count)")!, kind: kind, at: Instant(unixSeconds: 1_796_032_800),
                                   region: "apac"))
        }
        return all
    }()

    @Test("Every event the log stores takes the fast path and decodes to what was written")
    func roundTrip() throws {
        #expect(Self.samples.count > 200)
        for event in Self.samples {
            let json = event.jsonString
            #expect(Self.fast(json) == event, "\(json)")
            #expect(Self.foundation(json) == event)
            #expect(try TicketEvent.decode(json: Array(json.utf8)) == event)
            #expect(try TicketEvent.decode(json: json.utf8) == event)   // a non-contiguous collection
        }
    }

    @Test("The written JSON is byte for byte JSONEncoder's (sorted keys, slashes unescaped), escapes included")
    func encoding() throws {
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var events = Self.samples
        var odd = Self.samples[Self.samples.count - 1]
        for note in ["a \"quoted\" note", "back\\slash", "line\nbreak", "tab\t", "\u{01}", "emoji 🛟 / slash", ""] {
            odd.note = note
            odd.threshold = nil
            events.append(odd)
        }
        var fastPaths = 0
        for event in events {
            let expected = try foundation.encode(event)
            #expect(event.jsonString == String(decoding: expected, as: UTF8.self))
            if EventBytesWriter.write(event) != nil { fastPaths += 1 }
        }
        #expect(fastPaths > events.count / 2)
    }

    @Test("Inputs outside the fast shape get Foundation's answer: the same value or an error")
    func hostile() throws {
        let base = #"{"ticket":"T-1","kind":"created","at":"2026-11-30T10:00:00Z","region":"emea""#
        let cases: [(json: String, fastTakes: Bool)] = [
            (base + "}", true),
            (" \n" + base + " }\t", true),
            (base + #","plan":null}"#, true),
            (base + #","extra":1}"#, false),                          // unknown key: Foundation ignores it
            (base + #","kind":"routed"}"#, false),                    // repeated key
            (base + #","reason":"a\"b"}"#, false),                    // escape
            (base + #","reason":"\u00e9"}"#, false),
            (base.replacingOccurrences(of: "T-1", with: "a b") + "}", false),   // invalid ticket id: error
            (base.replacingOccurrences(of: "T-1", with: String(repeating: "x", count: 65)) + "}", false),
            (base.replacingOccurrences(of: "10:00:00Z", with: "10:00:00") + "}", false),   // no offset: error
            (base.replacingOccurrences(of: "created", with: "exploded") + "}", false),     // unknown kind: error
            (#"{"kind":"created","at":"2026-11-30T10:00:00Z","region":"emea"}"#, false),   // no ticket: error
            (base.replacingOccurrences(of: #""T-1""#, with: "null") + "}", false),
            (base + #","cycle":1.0}"#, false),
            (base + #","cycle":1e2}"#, false),
            (base + #","cycle":01}"#, false),
            (base + #","cycle":"1"}"#, false),
            (base + #","cycle":99999999999999999999}"#, false),      // overflow: error
            (base + #","overdue_seconds":-9223372036854775808}"#, false),  // parses, outside the wire limits
            (base + #","overdue_seconds":9223372036854775808}"#, false),
            (base + #","threshold":1e400}"#, false),                  // not finite
            (base + #","threshold":-0.5e-3}"#, false),            // exponent: general path
            (base + #","threshold":0E5}"#, false),
            (base + #","threshold":-0.0005}"#, false),             // parses, not a per-mille fraction
            (base + #","threshold":0.25}"#, true),
            (base + #","threshold":.5}"#, false),
            (base + #","automatic":"true"}"#, false),
            (base + #","automatic":tru}"#, false),
            (base + #","tier":"L4"}"#, false),
            (base + #","severity":{"a":1}}"#, false),
            (base + "}x", false),
            (base + "}}", false),
            (base, false),
            ("", false),
            ("[]", false),
            ("{}", false),
            (base + "," + #""reason":"tab"# + "\t" + #"here"}"#, false),              // raw control character: error
        ]
        for (json, fastTakes) in cases {
            let fast = Self.fast(json)
            #expect((fast != nil) == fastTakes, "\(json)")
            let reference = Self.foundation(json)
            if let fast { #expect(fast == reference, "\(json)") }
            let decoded = try? TicketEvent.decode(json: Array(json.utf8))
            #expect(decoded == reference, "\(json)")
        }
        // Invalid UTF-8 inside a string: rejected, never repaired.
        var bytes = Array((base + #","reason":"xx"}"#).utf8)
        let x = bytes.lastIndex(of: UInt8(ascii: "x"))!
        bytes[x] = 0xFF
        #expect(bytes.withUnsafeBytes { EventBytesParser.parse($0) } == nil)
        #expect(throws: (any Error).self) { try TicketEvent.decode(json: bytes) }
    }

    @Test("Mutated log records: whatever the fast path accepts, Foundation decodes to the same event")
    func mutations() {
        var rng = SplitMix64(seed: 2026)
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \ntruefalsnul_aZ"#.utf8) + [0x00, 0x7F, 0xC3, 0xFF]
        var accepted = 0, rejected = 0
        for n in 0..<4_000 {
            var bytes = Array(Self.samples[n % Self.samples.count].jsonString.utf8)
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                }
                if bytes.isEmpty { break }
            }
            let fast = bytes.withUnsafeBytes { EventBytesParser.parse($0) }.flatMap { $0.isWithinWireLimits ? $0 : nil }
            let reference = try? JSONDecoder().decode(TicketEvent.self, from: Data(bytes))
            if let fast {
                accepted += 1
                #expect(fast == reference, "\(String(decoding: bytes, as: UTF8.self))")
            } else {
                rejected += 1
            }
            #expect((try? TicketEvent.decode(json: bytes)) == reference)
        }
        #expect(accepted > 100 && rejected > 100)
    }
}
