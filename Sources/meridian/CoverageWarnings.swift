import BusinessTime
import TicketRouting

/// Prints `warning: <problem>` on standard error for each of the config's 24x7 promises that no
/// on-call coverage keeps (`MeridianConfig.coverageWarnings`), as `meridian route` and
/// `meridian router` do at start.
func warnAboutOnCallCoverage(_ config: MeridianConfig, at now: Instant) {
    for problem in config.coverageWarnings(from: now) {
        printError("warning: \(config.file): \(problem)")
    }
}
