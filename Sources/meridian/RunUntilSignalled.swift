import ArgumentParser
import Logging
import MeridianServices
import ServiceLifecycle
import TicketRouting
import UnixSignals

/// Runs a service (and `also`, e.g. its metrics endpoint) until SIGTERM/SIGINT (graceful
/// shutdown), then drains the connection.
func runUntilSignalled(_ service: some Service, client: MeridianClient, logger: Logger,
                       also: [any Service] = []) async throws {
    let group = ServiceGroup(
        services: [service] + also, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
    do {
        try await group.run()
    } catch {
        logger.error("stopped: \(error)")
        await client.drain(timeout: .seconds(5))
        throw ExitCode(1)
    }
    await client.drain(timeout: .seconds(5))
}
