import Foundation
import Testing
import TicketRouting

/// Erlang C staffing. Every expected figure was computed independently of this code, with
/// exact rational arithmetic in Python from the textbook formula
/// C = (aⁿ/n!)·n/(n−a) / (Σ_{k<n} aᵏ/k! + (aⁿ/n!)·n/(n−a)), SL = 1 − C·e^{−(n−a)t/h},
/// ASA = C·h/(n−a): no Erlang B recursion involved.
@Suite("Erlang C capacity model")
struct ErlangCTests {
    func demand(_ perHour: Double, _ handle: Double, _ within: Double, _ level: Double) throws -> StaffingDemand {
        try StaffingDemand(arrivalsPerHour: perHour, handleTimeSeconds: handle, answerWithinSeconds: within,
                           serviceLevel: level)
    }

    /// `value` rounded to `places` decimals, for comparing with the reference figures.
    func round(_ value: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    @Test("Call Centre Helper's worked example: 100 calls per 30 min, 3 min handle, 80% in 20 s -> 14 agents")
    func callCentreHelperExample() throws {
        // 200 calls/h × 180 s = 10 erlangs. 13 agents reach 79.6%, 14 reach 88.8%.
        let d = try demand(200, 180, 20, 0.8)
        #expect(d.load == 10)
        let s = ErlangC.staff(d)
        #expect(s.workers == 14)
        #expect(round(s.serviceLevel, 3) == 0.888)
        #expect(round(s.probabilityOfWaiting, 3) == 0.174)
        #expect(round(s.averageWaitSeconds, 2) == 7.84)
        #expect(round(s.occupancy, 3) == 0.714)
        let thirteen = try #require(ErlangC.evaluate(workers: 13, demand: d))
        #expect(round(thirteen.serviceLevel, 3) == 0.796)
        #expect(round(thirteen.averageWaitSeconds, 2) == 17.12)
        let twelve = try #require(ErlangC.evaluate(workers: 12, demand: d))
        #expect(round(twelve.serviceLevel, 3) == 0.640)
    }

    @Test("a 48-erlang centre: 720 calls/h, 4 min handle, 80% in 20 s -> 54 agents at 81.7%")
    func fortyEightErlangs() throws {
        let s = ErlangC.staff(try demand(720, 240, 20, 0.8))
        #expect(s.workers == 54)
        #expect(round(s.serviceLevel, 3) == 0.817)
        #expect(round(s.probabilityOfWaiting, 3) == 0.301)
        #expect(round(s.averageWaitSeconds, 2) == 12.05)
        #expect(round(s.occupancy, 3) == 0.889)
    }

    @Test("a small support desk: 100 tickets/h, 5 min handle, 90% in 30 s -> 13 agents at 93.8%")
    func smallDesk() throws {
        let s = ErlangC.staff(try demand(100, 300, 30, 0.9))
        #expect(s.workers == 13)
        #expect(round(s.serviceLevel, 3) == 0.938)
        #expect(round(s.averageWaitSeconds, 2) == 6.34)
        #expect(round(s.occupancy, 3) == 0.641)
    }

    @Test("1800 erlangs (aⁿ/n! overflows a Double past n = 170): 1812 agents at 81.8%")
    func largeLoadStaysFinite() throws {
        let s = ErlangC.staff(try demand(36_000, 180, 20, 0.8))
        #expect(s.workers == 1_812)
        #expect(round(s.serviceLevel, 3) == 0.818)
        #expect(round(s.probabilityOfWaiting, 3) == 0.691)
        #expect(round(s.averageWaitSeconds, 2) == 10.36)
    }

    @Test("an answer target of 0 asks for 1 - C: 14 agents give 82.6%")
    func zeroTarget() throws {
        let s = ErlangC.staff(try demand(200, 180, 0, 0.8))
        #expect(s.workers == 14)
        #expect(round(s.serviceLevel, 3) == 0.826)
    }

    @Test("a tiny load still needs one worker, and a service level close to 1 is reached")
    func edges() throws {
        let tiny = ErlangC.staff(try demand(0.001, 180, 20, 0.8))
        #expect(tiny.workers == 1)
        #expect(round(tiny.occupancy * 100_000, 3) == 5)
        let strict = ErlangC.staff(try demand(200, 180, 20, 0.999999))
        #expect(strict.workers == 28)
        #expect(strict.serviceLevel >= 0.999999)
        // The largest load accepted: a single pass, finite figures.
        let huge = ErlangC.staff(try demand(1_000_000, 360, 20, 0.8))
        #expect(huge.workers > 100_000 && huge.workers < 100_300)
        #expect(huge.serviceLevel >= 0.8 && huge.serviceLevel < 1)
        #expect(huge.averageWaitSeconds.isFinite)
    }

    @Test("too few workers to keep up have no steady state")
    func overloaded() throws {
        let d = try demand(200, 180, 20, 0.8)
        #expect(ErlangC.evaluate(workers: 10, demand: d) == nil)
        #expect(ErlangC.evaluate(workers: 0, demand: d) == nil)
        #expect(ErlangC.evaluate(workers: -3, demand: d) == nil)
        #expect(ErlangC.probabilityOfWaiting(workers: 5, load: .nan) == nil)
        #expect(ErlangC.probabilityOfWaiting(workers: 5, load: -1) == nil)
    }

    @Test("hostile demands are refused with the value", arguments: [
        (Double.nan, 180.0, 20.0, 0.8, CapacityError.arrivalsOutOfRange(.nan)),
        (.infinity, 180, 20, 0.8, .arrivalsOutOfRange(.infinity)),
        (-5, 180, 20, 0.8, .arrivalsOutOfRange(-5)),
        (0, 180, 20, 0.8, .arrivalsOutOfRange(0)),
        (1e300, 180, 20, 0.8, .arrivalsOutOfRange(1e300)),
        (200, 0, 20, 0.8, .handleTimeOutOfRange(0)),
        (200, 86_401, 20, 0.8, .handleTimeOutOfRange(86_401)),
        (200, .nan, 20, 0.8, .handleTimeOutOfRange(.nan)),
        (200, 180, -1, 0.8, .answerWithinOutOfRange(-1)),
        (200, 180, .infinity, 0.8, .answerWithinOutOfRange(.infinity)),
        (200, 180, 20, 1, .serviceLevelOutOfRange(1)),
        (200, 180, 20, 1.5, .serviceLevelOutOfRange(1.5)),
        (200, 180, 20, 0, .serviceLevelOutOfRange(0)),
        (200, 180, 20, -0.2, .serviceLevelOutOfRange(-0.2)),
        (1_000_000, 86_400, 20, 0.8, .loadTooLarge(24_000_000)),
    ])
    func hostile(_ perHour: Double, _ handle: Double, _ within: Double, _ level: Double, _ expected: CapacityError) {
        do {
            _ = try demand(perHour, handle, within, level)
            Issue.record("accepted \(perHour)/h, \(handle) s, \(within) s, \(level)")
        } catch {
            // NaN never equals itself: compare the message instead.
            #expect("\(error)" == "\(expected)")
        }
    }
}
