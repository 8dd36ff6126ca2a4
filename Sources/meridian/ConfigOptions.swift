import ArgumentParser
import BusinessTime
import Foundation
import TicketRouting

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `--config FILE`, shared by every command that reads the YAML config.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The YAML config file.", valueName: "file"))
    var config: String = "Config/meridian.yaml"

    /// Region keys that other modules read (TicketRouting: `tiers`, `on_call`): not errors here.
    static let regionKeysOfOtherModules: Set<String> = MeridianConfig.regionKeys

    /// The calendars of the config's regions.
    /// - Throws: `ExitCode(2)` after printing `error: <ConfigError>` for a bad config.
    func loadCalendars() throws -> [String: BusinessCalendar] {
        do {
            return try CalendarConfig.load(file: config, extraKeys: ConfigOptions.regionKeysOfOtherModules)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// `--config FILE --region ID`.
struct RegionOptions: ParsableArguments {
    @OptionGroup var configOptions: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("The region whose calendar to use, e.g. emea.", valueName: "id"))
    var region: String

    /// The region's calendar.
    /// - Throws: `ExitCode(2)` after printing `error: ...` for a bad config or an unknown region.
    func calendar() throws -> BusinessCalendar {
        let calendars = try configOptions.loadCalendars()
        guard let calendar = calendars[region] else {
            let known = calendars.keys.sorted().joined(separator: ", ")
            printError("error: \(configOptions.config): regions: no region \"\(region)\" (known: \(known))")
            throw ExitCode(2)
        }
        return calendar
    }
}

extension ConfigOptions {
    /// The whole config (regions, plans, routing) for TicketRouting commands.
    /// - Throws: `ExitCode(2)` after printing `error: <ConfigError>`.
    func loadMeridianConfig() throws -> MeridianConfig {
        do {
            return try MeridianConfig.load(file: config)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// `--at ISO`: the instant to decide at (default: now).
struct AtOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The instant to use as now (ISO-8601 with an offset); default: the current time.", valueName: "iso"))
    var at: String?

    /// The parsed instant, or the current time.
    func instant() throws -> Instant {
        guard let at else { return Instant(unixSeconds: Int64(Date().timeIntervalSince1970)) }
        guard let instant = Instant(iso8601: at) else {
            printError("error: --at \"\(at)\" is not an ISO-8601 date-time with an offset, e.g. 2026-11-27T17:50:00+01:00")
            throw ExitCode(2)
        }
        return instant
    }
}
