import ArgumentParser
import BusinessTime
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

/// Writes a line to standard error.
func printError(_ line: String) {
    writeLine(line, to: 2)
}

/// Writes one line to a file descriptor at once (unbuffered): standard output by default.
func writeLine(_ line: String, to fd: Int32 = 1) {
    var text = line + "\n"
    text.withUTF8 { bytes in
        var written = 0
        while written < bytes.count {
            let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n > 0 { written += n } else if n < 0, errno == EINTR { continue } else { return }
        }
    }
}

/// Whether standard input is a terminal (so no CSV is piped in).
func standardInputIsTerminal() -> Bool {
    isatty(0) != 0
}
