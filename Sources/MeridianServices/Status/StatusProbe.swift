public import BusinessTime
import Foundation
public import NATS
public import TicketRouting

/// Gathers what `meridian status` shows from a running deployment: listens to the heartbeats
/// (`meridian.nodes.>`) for a little over one heartbeat interval, and reads every region's
/// tier queues. Nothing is replayed: the cost is one interval of listening and two JetStream
/// API requests per region and tier, whatever the size of the log.
public enum StatusProbe {
    /// - Parameters:
    ///   - listen: how long to collect heartbeats (a bit more than the workers' interval).
    ///   - now: the instant to show calendars at.
    ///   - onUnreadable: called with the subject of a heartbeat that does not decode (skipped).
    public static func gather(_ connection: NATSConnection, config: MeridianConfig, listen: Duration, now: Instant,
                              onUnreadable: @escaping @Sendable (String) -> Void = { _ in }) async throws -> DeploymentStatus {
        let subscription = try connection.subscribe(to: Subjects.allNodes)
        let js = try connection.jetStream()
        let realNow = Int64(Date().timeIntervalSince1970)
        var queues: [WorkQueueCensus] = []
        for region in config.regions {
            for tier in config.tiers(of: region).sorted() {
                if let queue = try await WorkQueueCensus.read(js, connection: connection, region: region, tier: tier,
                                                              now: realNow) {
                    queues.append(queue)
                }
            }
        }
        let beats = await collect(subscription, for: listen, onUnreadable: onUnreadable)
        return DeploymentStatus.assemble(config: config, at: now, beats: beats, queues: queues)
    }

    /// The heartbeats that arrive within `duration`; then unsubscribes (which ends the sequence).
    static func collect(_ subscription: NATSSubscription, for duration: Duration,
                        onUnreadable: @escaping @Sendable (String) -> Void) async -> [Heartbeat] {
        let collector = Task {
            var beats: [Heartbeat] = []
            for await message in subscription {
                guard let beat = try? JSONCoding.decode(Heartbeat.self, from: message.payload),
                      message.subject == Subjects.node(beat.region, beat.node), beat.isPlausible else {
                    onUnreadable(message.subject)
                    continue
                }
                beats.append(beat)
            }
            return beats
        }
        try? await Task.sleep(for: duration)
        if (try? subscription.unsubscribe()) == nil { collector.cancel() }
        return await collector.value
    }
}
