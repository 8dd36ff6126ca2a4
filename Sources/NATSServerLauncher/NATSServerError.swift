// Errors and stop signals of the nats-server launcher.

import Glibc

/// An error starting, probing or stopping a `nats-server` process.
public struct NATSServerError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in one sentence.
    public var message: String
    /// The last lines of the server's log, when there is a log to show.
    public var logTail: String

    /// Creates an error with a message and an optional log tail.
    public init(_ message: String, logTail: String = "") {
        self.message = message
        self.logTail = logTail
    }

    /// The message, followed by the log tail if there is one.
    public var description: String {
        logTail.isEmpty ? message : "\(message)\n--- nats-server log (tail) ---\n\(logTail)"
    }
}

/// How to stop a running server.
public enum NATSStopSignal: Sendable, Hashable {
    /// SIGKILL: a crash. Nothing is flushed beyond what the server already wrote.
    case kill
    /// SIGTERM: a graceful shutdown (falls back to SIGKILL after the timeout).
    case terminate

    var rawValue: Int32 { self == .kill ? SIGKILL : SIGTERM }
}
