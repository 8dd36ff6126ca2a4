public import NATS
public import TicketRouting

/// One streaming pass over the event log as it is now, for reports.
public enum EventLogScan {
    /// What a pass read.
    public struct Summary: Sendable, Hashable {
        /// Events handed to the body.
        public var events = 0
        /// Events of a kind the caller reads that did not decode (skipped).
        public var unreadable = 0
    }

    /// Reads `meridian.events.>` from the first message to the end of the log at the start of the
    /// call (an ordered replay, stopped at its caught-up mark), handing each event of `kinds` to
    /// `body` in log order. Other kinds are skipped by their subject token, without decoding.
    ///
    /// - Complexity: O(n) for n messages in the log; memory is what `body` keeps.
    /// - Throws: `NATSError` when the log cannot be read.
    public static func read(_ js: JetStream, kinds: Set<TicketEvent.Kind>,
                            _ body: (TicketEvent) -> Void) async throws -> Summary {
        let tokens = Set(kinds.map(\.rawValue))
        var summary = Summary()
        let replay = try await js.replay(stream: MeridianStreams.events, filter: "meridian.events.>")
        scan: for try await item in replay {
            switch item {
            case .caughtUp:
                break scan
            case .message(let message):
                guard let kind = EventSubject.kind(of: message.subject), tokens.contains(String(kind)) else { continue }
                guard let event = try? TicketEvent.decode(json: message.payload) else {
                    summary.unreadable += 1
                    continue
                }
                summary.events += 1
                body(event)
            }
        }
        return summary
    }
}
