public import NATS

/// The server a service connected to has no JetStream: nothing Meridian stores can work.
public struct JetStreamNotEnabled: Error, CustomStringConvertible, Sendable {
    public var url: String
    public var description: String {
        "JetStream is not enabled on \(url) (start nats-server with -js, or `jetstream: enabled` in its configuration)"
    }
}

public enum JetStreamCheck {
    /// Asks the JetStream API (`$JS.API.INFO`) whether JetStream answers; a server without it has
    /// no responders there. A few attempts over about two seconds, so that a cluster node still
    /// starting its JetStream is not taken for one without.
    /// - Throws: `JetStreamNotEnabled` when nothing answers; other errors (a timeout, a lost
    ///   connection) are left to the start-up steps, which retry and report them.
    public static func require(_ connection: NATSConnection, attempts: Int = 4,
                               pause: Duration = .milliseconds(500)) async throws {
        for attempt in 1...max(1, attempts) {
            do {
                _ = try await connection.request("$JS.API.INFO", timeout: .seconds(2))
                return
            } catch where error.isNoResponders {
                if attempt < attempts { try await Task.sleep(for: pause) }
            } catch {
                return
            }
        }
        throw JetStreamNotEnabled(url: connection.connectedURL ?? "the NATS server")
    }
}
