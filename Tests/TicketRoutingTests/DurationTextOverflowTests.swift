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

    @Test("the largest sums that fit are exact")
    func largestFitting() {
        #expect(DurationText.seconds("2562047788015215h") == 9_223_372_036_854_774_000)
        #expect(DurationText.seconds("2562047788015215h30m7s") == Int64.max)
    }
}
