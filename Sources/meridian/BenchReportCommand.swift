import ArgumentParser
import BusinessTime
import Foundation
import TicketRouting

/// `meridian bench report`: events per second of the SLA report's aggregator alone.
struct BenchReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Times the SLA report's streaming aggregator over a synthetic month of events.",
        discussion: """
            swift run -c release meridian bench report
            swift run -c release meridian bench report --tickets 200000
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Number of tickets (each gets 5-7 events).")
    var tickets: Int = 200_000

    @Option(help: "Seed of the synthetic log.")
    var seed: UInt64 = 2026

    func validate() throws {
        guard (1...10_000_000).contains(tickets) else { throw ValidationError("--tickets must be 1-10000000.") }
    }

    func run() throws {
        let config = try configOptions.loadMeridianConfig()
        let plans = config.plans.keys.sorted()
        let regions = config.regions
        var rng = SplitMix64(seed: seed)  // the benchmarks' generator (BenchHoursCommand.swift)
        // Tickets created over December 2026; events in log order of each ticket, the
        // tickets interleaved as a log would hold them (a ticket at a time, shuffled in blocks).
        let base: Int64 = 1_796_083_200  // 2026-12-01T00:00:00Z
        var events: [TicketEvent] = []
        events.reserveCapacity(tickets * 7)
        for n in 0..<tickets {
            let id = TicketID(unchecked: "T\(n)")
            let region = regions[n % regions.count]
            let at = Instant(unixSeconds: base + Int64(rng.next() % UInt64(31 * 86_400)))
            events.append(TicketEvent(
                ticket: id, kind: .created, at: at, region: region, plan: plans[Int(rng.next() % UInt64(plans.count))],
                severity: Severity.allCases[Int(rng.next() % 3)], homeRegion: region, createdAt: at))
            let response = at + 300 + Int64(rng.next() % 86_400)
            events.append(.simple(.responded, ticket: id, at: at + 5, region: region, automatic: true))
            if rng.next() % 10 == 0 {
                var breach = TicketEvent.simple(.breached, ticket: id, at: response - 1, region: region)
                breach.clock = .firstResponse
                events.append(breach)
            }
            events.append(.simple(.responded, ticket: id, at: response, region: region, automatic: false))
            if rng.next() % 5 == 0 {
                events.append(.simple(.escalated, ticket: id, at: response + 600, region: region, tier: .l2))
            }
            events.append(.simple(.assigned, ticket: id, at: response + 900, region: region, tier: .l2))
            if rng.next() % 4 != 0 {
                events.append(.simple(.resolved, ticket: id, at: response + 7200, region: region))
            }
        }
        print("meridian bench report: \(tickets) tickets, \(events.count) events, config \(configOptions.config)")
        var report = SLAReport(config: config)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let cpu0 = threadCPUNanoseconds()  // BenchHoursCommand.swift
        for event in events { report.add(event) }
        let cpu = (threadCPUNanoseconds() - cpu0) / 1e9
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        print(String(format: "aggregate: %.0f events/s CPU (%.3f s of thread CPU), %.0f events/s wall (%.3f s); %d events",
                     Double(events.count) / cpu, cpu, Double(events.count) / seconds, seconds, events.count))
        let histogramBuckets = report.lines.reduce(0) { $0 + $1.firstResponseTimes.bucketCount }
        print("state: \(report.lines.count) lines, \(report.openTickets) open tickets, \(histogramBuckets) histogram buckets")
        let render = DispatchTime.now().uptimeNanoseconds
        let bytes = report.csv().utf8.count + report.json().utf8.count + report.svgChart().utf8.count
        print(String(format: "render CSV + JSON + SVG: %.1f ms (%d bytes)",
                     Double(DispatchTime.now().uptimeNanoseconds - render) / 1e6, bytes))
    }
}
