import ArgumentParser
import BusinessTime
import Foundation
import Logging
import MeridianServices
import TicketRouting

/// `meridian bench replay`: how fast a worker rebuilds its clocks from its region's log — the
/// time it is blind to alerts after a start.
struct BenchReplay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Events into SLA clocks per second: in-process decode+apply against JSONDecoder.",
        discussion: """
            (a) In process, no server: --events JSON events (the bytes the log stores) of tickets of
            one region are decoded and replayed into an SLAClockBook, and through RegionClocks (the
            worker's lock), against Foundation's JSONDecoder on the same bytes as the reference.
              swift run -c release meridian bench replay
              swift run -c release meridian bench replay --events 1000000
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Events decoded and applied in process (a).")
    var events: Int = 500_000

    func validate() throws {
        guard events > 0, events <= 10_000_000 else { throw ValidationError("--events must be 1...10000000") }
    }

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        guard let region = config.regions.first else { throw ValidationError("the config has no region") }
        print("meridian bench replay: region \(region), config \(configOptions.config)")
        inProcess(config: config, region: region)
    }

    // MARK: (a) in process

    func inProcess(config: MeridianConfig, region: RegionID) {
        let perTicket = 5
        let log = ReplayWorkload.events(tickets: max(1, events / perTicket), perTicket: perTicket, region: region, config: config)
        let payloads = log.prefix(events).map { Array($0.jsonString.utf8) }
        let bytes = payloads.reduce(0) { $0 + $1.count }
        print("(a) in process: \(payloads.count) events (\(bytes / payloads.count) bytes each on average)")

        func measure(_ label: String, _ body: () -> Int) {
            let cpu0 = threadCPUNanoseconds(), t0 = ContinuousClock.now
            let checksum = body()
            let wall = (ContinuousClock.now - t0).nanoseconds, cpu = threadCPUNanoseconds() - cpu0
            let n = Double(payloads.count)
            print("  \(label): \(format(n / (cpu / 1e9), 0)) events/s CPU (\(format(cpu / n, 0)) ns/event; "
                  + "wall \(format(n / (wall / 1e9), 0))/s; checksum \(checksum))")
        }
        let foundationEncoder = JSONEncoder()
        foundationEncoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        measure("encode, JSONEncoder (reference)") {
            log.prefix(payloads.count).reduce(0) { $0 &+ ((try? foundationEncoder.encode($1))?.count ?? 0) }
        }
        measure("encode, TicketEvent.jsonString ") {
            log.prefix(payloads.count).reduce(0) { $0 &+ $1.jsonString.utf8.count }
        }
        let foundation = JSONDecoder()
        measure("decode, JSONDecoder (reference)") {
            payloads.reduce(0) { sum, p in
                sum &+ ((try? foundation.decode(TicketEvent.self, from: Data(p)))?.at.unixSeconds ?? 0).hashValue
            }
        }
        measure("decode, TicketEvent.decode     ") {
            payloads.reduce(0) { sum, p in sum &+ ((try? TicketEvent.decode(json: p))?.at.unixSeconds ?? 0).hashValue }
        }
        measure("decode + replay into a book    ") {
            var book = SLAClockBook()
            var replay = SLAClockBook.Replay()
            for p in payloads {
                guard let e = try? TicketEvent.decode(json: p) else { continue }
                book.replay(e, into: &replay, config: config)
            }
            return book.count &+ replay.due.count
        }
        measure("decode + RegionClocks.receive  ") {
            let clocks = RegionClocks(region: region, config: config)
            for p in payloads {
                guard let e = try? TicketEvent.decode(json: p) else { continue }
                _ = clocks.receive(e)
            }
            return clocks.count &+ clocks.caughtUp().count
        }
    }
}

/// A region's log: `tickets` open tickets, each created and then worked on, in time order.
enum ReplayWorkload {
    /// - Parameter perTicket: 2...8 events per ticket: created, routed, assigned, then responses
    ///   and customer waits (never resolved, so every clock stays open).
    static func events(tickets: Int, perTicket: Int, region: RegionID, config: MeridianConfig) -> [TicketEvent] {
        let plans = config.plans.keys.sorted()
        let start = SystemClock().now().unixSeconds - 6 * 3600
        var log: [TicketEvent] = []
        log.reserveCapacity(tickets * perTicket)
        let kinds: [TicketEvent.Kind] = [.assigned, .responded, .waitingOnCustomer, .customerReplied, .responded, .assigned]
        for n in 0..<tickets {
            let at = Instant(unixSeconds: start + Int64(n % 3600))
            let id = TicketID(unchecked: "R\(n)")
            let plan = plans.isEmpty ? PlanID("standard") : plans[n % plans.count]
            let severity = Severity.allCases[n % 3]
            log.append(TicketEvent(ticket: id, kind: .created, at: at, region: region, plan: plan, severity: severity,
                                   homeRegion: region, createdAt: at))
            let routed = TicketEvent(ticket: id, kind: .routed, at: at + 1, region: region, plan: plan, severity: severity,
                                     homeRegion: region, createdAt: at, toRegion: region, tier: .l1, reason: "home_open")
            if perTicket > 1 { log.append(routed) }
            for k in 0..<max(0, perTicket - 2) {
                var e = TicketEvent.simple(kinds[k], ticket: id, at: at + Int64(60 * (k + 1)), region: region)
                if kinds[k] == .assigned {
                    e.tier = .l1
                    e.node = NodeID("node-1")
                    e.toRegion = region
                }
                if kinds[k] == .responded { e.automatic = false }
                log.append(e)
            }
        }
        return log
    }
}
