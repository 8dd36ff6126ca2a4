import ArgumentParser
import BusinessTime
import Foundation
import TicketRouting

/// `meridian route`: the routing decision for one ticket read on standard input.
struct Route: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Decides region and tier for a ticket (JSON on stdin) and prints the decision JSON.",
        discussion: """
            Prints {"region", "tier", "reason", "reason_text", "queued_until", "first_response_due",
            "resolution_due", "calendar", "warnings", "ticket"}; for an invalid ticket prints the error
            object {"error": {"code", "field", "message"}, "errors": [...]} and exits 1.

              echo '{"id":"T-1","customer":"acme","plan":"enterprise","severity":"major","region":"emea",
                     "created_at":"2026-11-27T17:50:00+01:00","subject":"Export fails","details":"..."}' \\
                | meridian route --config Config/meridian.yaml --at 2026-11-27T17:50:00+01:00 --live emea=3,amer=2
            """
    )

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var atOption: AtOption

    @Option(name: .long, help: ArgumentHelp(
        "Live workers (and optionally backlog) per region: emea=3,amer=0 or emea=3:12. Regions not named have none; without --live every region has one live worker and no backlog.",
        valueName: "list"))
    var live: String?

    func run() throws {
        let config = try configOptions.loadMeridianConfig()
        let now = try atOption.instant()
        let load = try parseLive(live, config: config)
        warnAboutOnCallCoverage(config, at: now)
        switch Ticket.validate(json: readAllStandardInput(), config: config) {
        case .failure(let report):
            print(report.jsonString)
            throw ExitCode(1)
        case .success(let ticket):
            print(prettyJSON(Router.decide(ticket: ticket, config: config, now: now, live: load)))
        }
    }
}

/// Parses `emea=3,amer=0` / `emea=3:12` (workers:backlog).
func parseLive(_ text: String?, config: MeridianConfig) throws -> [RegionID: RegionLoad] {
    guard let text else {
        return Dictionary(uniqueKeysWithValues: config.regions.map { ($0, RegionLoad(liveWorkers: 1)) })
    }
    var load: [RegionID: RegionLoad] = [:]
    for item in text.split(separator: ",") where !item.isEmpty {
        let parts = item.split(separator: "=", maxSplits: 1)
        let numbers = parts.count == 2 ? parts[1].split(separator: ":") : []
        guard parts.count == 2, (1...2).contains(numbers.count), let workers = Int(numbers[0]), workers >= 0,
              numbers.count == 1 || Int(numbers[1]).map({ $0 >= 0 }) == true
        else {
            printError("error: --live: \"\(item)\" is not REGION=WORKERS or REGION=WORKERS:BACKLOG")
            throw ExitCode(2)
        }
        let region = RegionID(String(parts[0]))
        guard config.calendars[region] != nil else {
            printError("error: --live: unknown region \"\(region)\" (known: \(config.regions.map(\.rawValue).joined(separator: ", ")))")
            throw ExitCode(2)
        }
        load[region] = RegionLoad(liveWorkers: workers, backlog: numbers.count == 2 ? Int(numbers[1])! : 0)
    }
    return load
}
