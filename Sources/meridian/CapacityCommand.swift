import ArgumentParser
import Foundation
import TicketRouting

/// `meridian capacity`: how many workers a region needs for a given demand (Erlang C).
struct CapacityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Workers needed for an arrival rate, handle time and answer target (Erlang C).",
        discussion: """
            Prints the fewest workers that answer the target share of tickets within the answer \
            time, with the service level, average wait and occupancy they give. The model assumes \
            Poisson arrivals, exponential handle times and no abandonment (see Docs/OPERATIONS.md).

              meridian capacity --arrivals-per-hour 200 --handle-time 3m \\
                  --answer-within 20s --service-level 0.8

            --json prints {"workers", "service_level", "average_wait_seconds", "occupancy"}. \
            Durations: 90s, 5m, 1h30m or seconds; the service level 0.8 or 80%. Bad options exit 64.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Mean tickets arriving per hour (more than 0, at most 1000000).", valueName: "n"))
    var arrivalsPerHour: String

    @Option(name: .long, help: ArgumentHelp("Mean time a worker spends on a ticket: 3m, 90s, 1h30m (at most 24h).", valueName: "duration"))
    var handleTime: String

    @Option(name: .long, help: ArgumentHelp("The answer target: a ticket is in time if it waits at most this long (0 to 24h).", valueName: "duration"))
    var answerWithin: String

    @Option(name: .long, help: ArgumentHelp("Share of tickets to answer within the target: 0.8 or 80% (more than 0, less than 1).", valueName: "p"))
    var serviceLevel: String

    @Flag(name: .long, help: "Print one JSON object instead of the table.")
    var json = false

    /// The checked demand; every problem is a usage error (exit 64) naming the option.
    func demand() throws -> StaffingDemand {
        guard let arrivals = Double(arrivalsPerHour.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("--arrivals-per-hour: \"\(arrivalsPerHour)\" is not a number")
        }
        guard let handle = DurationText.seconds(handleTime) else {
            throw ValidationError("--handle-time: \"\(handleTime)\" is not a duration like 3m, 90s or 1h30m")
        }
        guard let within = Self.answerSeconds(answerWithin) else {
            throw ValidationError("--answer-within: \"\(answerWithin)\" is not a duration like 20s, 5m or 0")
        }
        guard let level = Self.share(serviceLevel) else {
            throw ValidationError("--service-level: \"\(serviceLevel)\" is not a share like 0.8 or 80%")
        }
        do {
            return try StaffingDemand(arrivalsPerHour: arrivals, handleTimeSeconds: Double(handle),
                                      answerWithinSeconds: Double(within), serviceLevel: level)
        } catch {
            let option = switch error {
            case .arrivalsOutOfRange, .loadTooLarge: "--arrivals-per-hour"
            case .handleTimeOutOfRange: "--handle-time"
            case .answerWithinOutOfRange: "--answer-within"
            case .serviceLevelOutOfRange: "--service-level"
            }
            throw ValidationError("\(option): \(error)")
        }
    }

    func validate() throws { _ = try demand() }

    func run() throws {
        let demand = try demand()
        let staffing = ErlangC.staff(demand)
        if json {
            print(CapacityJSON(staffing).text)
            return
        }
        let target = DurationText.format(Int64(demand.answerWithinSeconds))
        print("workers        \(staffing.workers)")
        print("service level  \(Self.percent(staffing.serviceLevel)) answered within \(target) (target \(Self.percent(demand.serviceLevel)))")
        print("average wait   \(String(format: "%.1f", staffing.averageWaitSeconds)) s")
        print("occupancy      \(Self.percent(staffing.occupancy))")
        print("offered load   \(String(format: "%.2f", demand.load)) erlangs; \(Self.percent(staffing.probabilityOfWaiting)) of tickets wait at all")
    }

    /// `0`, `0s` or a `DurationText` duration, in seconds.
    static func answerSeconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "0" || trimmed == "0s" { return 0 }
        return DurationText.seconds(trimmed)
    }

    /// `0.8` or `80%` as a fraction (range-checked by `StaffingDemand`).
    static func share(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("%") { return Double(trimmed.dropLast()).map { $0 / 100 } }
        return Double(trimmed)
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
}

/// `meridian capacity --json`: exactly these four keys.
private struct CapacityJSON: Encodable {
    var workers: Int
    var serviceLevel: Double
    var averageWaitSeconds: Double
    var occupancy: Double

    enum CodingKeys: String, CodingKey {
        case workers, occupancy
        case serviceLevel = "service_level"
        case averageWaitSeconds = "average_wait_seconds"
    }

    init(_ staffing: Staffing) {
        workers = staffing.workers
        serviceLevel = Self.rounded(staffing.serviceLevel)
        averageWaitSeconds = Self.rounded(staffing.averageWaitSeconds)
        occupancy = Self.rounded(staffing.occupancy)
    }

    /// Six decimals: more than the model's inputs justify, without binary noise in the output.
    static func rounded(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }

    var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
