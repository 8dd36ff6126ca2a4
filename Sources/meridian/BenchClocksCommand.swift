import ArgumentParser
import BusinessTime
import Foundation
import TicketRouting

#if canImport(Glibc)
import Glibc
#endif

/// `meridian bench clocks`: SLA clocks created and advanced per second, memory per live clock,
/// routing decisions per second.
struct BenchClocks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clocks",
        abstract: "Times SLA clocks (create, advance, fire) and routing decisions; measures bytes per live clock.",
        discussion: """
            swift run -c release meridian bench clocks
            swift run -c release meridian bench clocks --clocks 1000000 --decisions 200000
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Number of live clocks.")
    var clocks: Int = 1_000_000

    @Option(help: "Number of routing decisions.")
    var decisions: Int = 200_000

    @Option(help: "Seed of the random tickets.")
    var seed: UInt64 = 2026

    func run() throws {
        let config = try configOptions.loadMeridianConfig()
        let plans = config.plans.keys.sorted()
        let regions = config.regions
        var rng = SplitMix64(seed: seed)   // the benchmarks' generator (BenchHoursCommand.swift)
        // Tickets created over one week from Monday 2026-11-30 00:00 UTC.
        let base: Int64 = 1_795_996_800  // 2026-11-30T00:00:00Z
        let week: Int64 = 7 * 86_400
        print("meridian bench clocks: \(clocks) clocks, \(decisions) routing decisions, config \(configOptions.config)")
        print("MemoryLayout<SLAClock>.stride = \(MemoryLayout<SLAClock>.stride) bytes")

        // Events prepared up front so that only the book's work is timed.
        var created: [TicketEvent] = []
        created.reserveCapacity(clocks)
        for n in 0..<clocks {
            let at = Instant(unixSeconds: base + Int64(rng.next() % UInt64(week)))
            created.append(TicketEvent(
                ticket: TicketID(unchecked: "T\(n)"), kind: .created, at: at, region: regions[n % regions.count],
                plan: plans[Int(rng.next() % UInt64(plans.count))], severity: Severity.allCases[Int(rng.next() % 3)],
                homeRegion: regions[n % regions.count], createdAt: at))
        }

        let heapBefore = heapBytes()
        var book = SLAClockBook()
        book.reserveCapacity(clocks)
        var t0 = DispatchTime.now().uptimeNanoseconds
        var scheduled = 0
        for e in created { scheduled += book.apply(e, config: config).count }
        var seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let heapAfter = heapBytes()
        print(String(format: "create: %.0f clocks/s (%.2f s, %d actions)", Double(clocks) / seconds, seconds, scheduled))
        if heapBefore >= 0, heapAfter >= 0 {
            print(String(format: "memory: %.1f bytes per live clock (resident memory growth, book with %d clocks)",
                         Double(heapAfter - heapBefore) / Double(clocks), book.count))
        }
        created = []

        // Advance: one lifecycle event per clock (a response), then a pause and a resume for a third.
        var events: [TicketEvent] = []
        events.reserveCapacity(clocks + 2 * clocks / 3)
        for n in 0..<clocks {
            let id = TicketID(unchecked: "T\(n)")
            let createdAt = book[id]!.createdAt
            let r = Int64(rng.next() % 7200)
            events.append(.simple(.responded, ticket: id, at: createdAt + 600 + r, region: "emea"))
            if n % 3 == 0 {
                events.append(.simple(.waitingOnCustomer, ticket: id, at: createdAt + 1200 + r, region: "emea"))
                events.append(.simple(.customerReplied, ticket: id, at: createdAt + 5000 + r, region: "emea"))
            }
        }
        t0 = DispatchTime.now().uptimeNanoseconds
        var actions = 0
        for e in events { actions += book.apply(e, config: config).count }
        seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        print(String(format: "advance (events): %.0f events/s (%d events, %.2f s, %d actions)",
                     Double(events.count) / seconds, events.count, seconds, actions))
        events = []

        // Fire every timer over three weeks, an hour at a time.
        t0 = DispatchTime.now().uptimeNanoseconds
        var fired = 0
        var now = base
        while now < base + 3 * week {
            now += 3600
            fired += book.advance(to: Instant(unixSeconds: now), config: config).count
        }
        seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        print(String(format: "advance (timers): %.0f alerts+escalations/s (%d fired over 3 weeks in hourly steps, %.2f s)",
                     Double(fired) / seconds, fired, seconds))

        // Routing decisions.
        let tickets: [Ticket] = (0..<min(decisions, 10_000)).map { n in
            Ticket(
                id: TicketID(unchecked: "R\(n)"), customer: "c", plan: plans[n % plans.count],
                severity: Severity.allCases[n % 3], region: regions[n % regions.count],
                createdAt: Instant(unixSeconds: base + Int64(rng.next() % UInt64(week))), subject: "s", details: "d")
        }
        var live: [RegionID: RegionLoad] = [:]
        for (i, r) in regions.enumerated() { live[r] = RegionLoad(liveWorkers: 1 + i, backlog: i * 3) }
        t0 = DispatchTime.now().uptimeNanoseconds
        var checksum = 0
        for n in 0..<decisions {
            let ticket = tickets[n % tickets.count]
            let d = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: live)
            checksum &+= d.region.rawValue.utf8.count &+ Int(d.firstResponseDue.unixSeconds & 0xFF)
        }
        seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        print(String(format: "route: %.0f decisions/s (%d decisions, %.2f s, checksum %d)",
                     Double(decisions) / seconds, decisions, seconds, checksum))
    }

    /// Resident set size in bytes (Linux /proc/self/statm), or -1 where unavailable.
    func heapBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return -1 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return -1 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
