import Testing
import TicketRouting

@Suite("DurationText at the edge of Int64")
struct DurationTextOverflowTests {
    @Test("a sum of units past Int64.max is refused, not a trap", arguments: [
        "2562047788015215h59m",     // 9223372036854774000 + 3540 > Int64.max
        "2562047788015215h30m8s",
        "153722867280912930m8s",    // the minutes alone fit, plus 8 s does not
    ])
    func overflowingSum(_ text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    @Test("the largest sums that fit Int64 are exact, and refused only by the caller's bound")
    func largestFitting() throws {
        let unbounded = Int64.max
        #expect(try DurationText.parse("2562047788015215h", maximum: unbounded, days: .refused) == 9_223_372_036_854_774_000)
        #expect(try DurationText.parse("2562047788015215h30m7s", maximum: unbounded, days: .refused) == Int64.max)
        // `seconds` is the form of SLA targets: at most ten years.
        #expect(DurationText.seconds("2562047788015215h") == nil)
        #expect(DurationText.seconds("87600h") == 315_360_000)
    }
}
