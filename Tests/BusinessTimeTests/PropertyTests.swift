import Foundation
import Testing
import BusinessTime

/// Zones with DST, historical changes, fractional offsets and a skipped day.
let propertyZones = [
    "UTC", "Europe/Paris", "Europe/London", "America/New_York", "America/Sao_Paulo", "America/St_Johns",
    "Australia/Lord_Howe", "Australia/Adelaide", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tehran",
    "Pacific/Apia", "Pacific/Chatham", "Africa/Casablanca", "Antarctica/Troll",
    "Asia/Pyongyang", "America/Caracas", "Europe/Volgograd", "Pacific/Kiritimati",
]

@Suite("Properties over random calendars")
struct PropertyTests {
    /// The engine's intervals equal the oracle's over 2009-2031, and every operation
    /// agrees with the oracle's linear walk on random instants.
    @Test(arguments: propertyZones)
    func agreesWithReference(zone: String) throws {
        var rng = SeededGenerator(seed: UInt64(truncatingIfNeeded: zone.hashValueStable))
        for _ in 0..<2 {
            let spec = rng.calendarSpec(zone: zone, years: 2009...2031)
            let cal = try BusinessCalendar(spec)
            let ref = ReferenceCalendar(spec, fromDay: date("2009-01-01"), toDay: date("2032-01-01"))
            let lo = at("2009-01-03T00:00:00Z").unixSeconds, hi = at("2031-12-28T00:00:00Z").unixSeconds
            let expected = ref.intervals.compactMap { i -> OpenInterval? in
                let s = max(i.start, lo), e = min(i.end, hi)
                return s < e ? OpenInterval(start: Instant(unixSeconds: s), end: Instant(unixSeconds: e)) : nil
            }
            let actual = cal.openIntervals(from: Instant(unixSeconds: lo), to: Instant(unixSeconds: hi))
            #expect(actual == expected, "\(spec)")
            guard actual == expected else { return }
            for _ in 0..<300 {
                var s = Int64.random(in: lo..<hi, using: &rng)
                if Bool.random(using: &rng), let i = ref.intervals.randomElement(using: &rng) {
                    s = Bool.random(using: &rng) ? i.start : i.end  // exactly on a boundary
                    s = min(max(s, lo), hi - 1)
                }
                let n = Int64.random(in: 0...3_000_000, using: &rng)
                if let want = ref.add(s, n), want < hi {
                    #expect(cal.add(Instant(unixSeconds: s), seconds: n).unixSeconds == want, "add \(s) \(n) \(spec)")
                }
                let e = Int64.random(in: s...min(s + 30 * 86_400, hi), using: &rng)
                #expect(cal.between(Instant(unixSeconds: s), Instant(unixSeconds: e)) == ref.between(s, e))
                #expect(cal.isOpen(at: Instant(unixSeconds: s)) == ref.isOpen(s))
                if case let i = ref.firstEnding(after: s), i < ref.intervals.count, case let next = ref.intervals[i], next.end < hi {
                    #expect(cal.nextOpening(after: Instant(unixSeconds: s)).unixSeconds == max(s, next.start))
                    #expect(cal.nextClosing(after: Instant(unixSeconds: s)).unixSeconds == next.end)
                }
            }
        }
    }

    /// Local wall-clock times resolve like the oracle (gap: forward by the gap; ambiguous:
    /// earlier), and offsets match Foundation, inside and outside the precomputed range.
    @Test(arguments: propertyZones)
    func localTimesAgreeWithReference(zone: String) throws {
        var rng = SeededGenerator(seed: UInt64(truncatingIfNeeded: zone.hashValueStable) ^ 0x10CA1)
        let cal = try BusinessCalendar(.twentyFourSeven(id: "z", timeZoneIdentifier: zone))
        let foundation = TimeZone(identifier: zone)!
        for _ in 0..<500 {
            let day = Int64.random(in: date("1995-01-01").daysSinceEpoch..<date("2045-01-01").daysSinceEpoch, using: &rng)
            // Often right around 00:00-04:00, where most changes happen.
            let second = Bool.random(using: &rng) ? Int.random(in: 0..<14_400, using: &rng) : Int.random(in: 0...86_400, using: &rng)
            let expected = ReferenceCalendar.resolve(foundation, local: day * 86_400 + Int64(second))
            #expect(cal.localInstant(date: LocalDate(daysSinceEpoch: day), secondOfDay: second).unixSeconds == expected)
            let t = Int64.random(in: at("1995-01-01T00:00:00Z").unixSeconds..<at("2045-01-01T00:00:00Z").unixSeconds, using: &rng)
            let offset = foundation.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t)))
            #expect(cal.utcOffset(at: Instant(unixSeconds: t)) == offset)
            #expect(cal.localDate(of: Instant(unixSeconds: t)) == LocalDate(daysSinceEpoch: (t + Int64(offset)).floorDivided86400))
        }
    }

    /// Algebraic properties, including spans far beyond (and before) the precomputed range.
    @Test(arguments: propertyZones)
    func algebra(zone: String) throws {
        var rng = SeededGenerator(seed: UInt64(truncatingIfNeeded: zone.hashValueStable) ^ 0xA5A5)
        let spec = rng.calendarSpec(zone: zone, years: 2000...2040)
        let cal = try BusinessCalendar(spec)
        // A few zones roam the whole domain (a compile of five centuries in debug builds is
        // slow); the others stay within 1990-2080, well beyond the initial 2020-2035 both ways.
        let roams = ["Europe/Paris", "Pacific/Apia", "Australia/Lord_Howe"].contains(zone)
        let lo = at(roams ? "1905-01-01T00:00:00Z" : "1990-01-01T00:00:00Z").unixSeconds
        let hi = at(roams ? "2390-01-01T00:00:00Z" : "2080-01-01T00:00:00Z").unixSeconds
        for round in 0..<400 {
            // Mostly near now, sometimes anywhere in the domain.
            let s = round % 4 == 0
                ? Int64.random(in: lo..<hi, using: &rng)
                : Int64.random(in: at("2015-01-01T00:00:00Z").unixSeconds..<at("2040-01-01T00:00:00Z").unixSeconds, using: &rng)
            let start = Instant(unixSeconds: s)
            // Spans up to 10,000 business hours; sometimes up to 30 business years.
            let a = Int64.random(in: 0...(round % 8 == 0 ? (roams ? 1_000_000_000 : 300_000_000) : 36_000_000), using: &rng)
            let b = Int64.random(in: 0...36_000_000, using: &rng)
            let end = cal.add(start, seconds: a)
            // Beyond the domain the sum saturates at its end; nothing more to check then.
            guard end < BusinessCalendar.domain.upperBound,
                  cal.add(end, seconds: b) < BusinessCalendar.domain.upperBound
            else { continue }
            #expect(cal.between(start, end) == a, "between(add) \(s) \(a) \(spec)")
            if a > 0 {
                #expect(end > start)
                #expect(cal.between(start, end - 1) == a - 1, "earliest \(s) \(a)")
                #expect(cal.isOpen(at: end - 1))
            }
            #expect(cal.add(end, seconds: b) == cal.add(start, seconds: a + b), "associative \(s) \(a) \(b)")
            let (smaller, larger) = (min(a, b), max(a, b))
            #expect(cal.add(start, seconds: smaller) <= cal.add(start, seconds: larger))
            // isOpen / nextOpening / nextClosing are consistent.
            let opening = cal.nextOpening(after: start), closing = cal.nextClosing(after: start)
            #expect(cal.isOpen(at: start) == (opening == start))
            #expect(cal.isOpen(at: opening))
            #expect(opening == start || !cal.isOpen(at: opening - 1))
            #expect(closing > opening)
            #expect(!cal.isOpen(at: closing))
            #expect(cal.isOpen(at: closing - 1))
            #expect(cal.between(start, closing) == closing - opening)
            #expect(cal.nextClosing(after: opening) == closing)
        }
    }

    /// Many threads extend one fresh calendar at once; all agree with a single-threaded copy.
    @Test func concurrentLazyExtension() async throws {
        var rng = SeededGenerator(seed: 42)
        let spec = rng.calendarSpec(zone: "Europe/Paris", years: 2020...2030)
        let shared = try BusinessCalendar(spec)
        let cases = (0..<400).map { _ in
            (Instant(unixSeconds: Int64.random(in: at("1950-01-01T00:00:00Z").unixSeconds..<at("2300-01-01T00:00:00Z").unixSeconds, using: &rng)),
             Int64.random(in: 0...100_000_000, using: &rng))
        }
        let results = await withTaskGroup(of: [(Int, Instant)].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    stride(from: worker, to: cases.count, by: 8).map { i in (i, shared.add(cases[i].0, seconds: cases[i].1)) }
                }
            }
            var all: [Int: Instant] = [:]
            for await part in group { for (i, r) in part { all[i] = r } }
            return all
        }
        let single = try BusinessCalendar(spec)
        for (i, c) in cases.enumerated() {
            #expect(results[i] == single.add(c.0, seconds: c.1))
        }
    }
}

extension Int64 {
    var floorDivided86400: Int64 { self >= 0 ? self / 86_400 : (self - 86_399) / 86_400 }
}

extension String {
    /// A hash that is the same in every run (Swift's `hashValue` is seeded per process).
    var hashValueStable: Int {
        utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }
    }
}
