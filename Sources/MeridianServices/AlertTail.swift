import BusinessTime
public import NATS
public import TicketRouting

/// Which alerts `meridian tail` shows.
public struct AlertFilter: Sendable, Hashable {
    public var region: RegionID?
    public var plan: PlanID?
    /// `warning`, `breached`, `target_changed` or `partner_warning`; the first three when nil.
    public var kind: TicketEvent.Kind?

    public init(region: RegionID? = nil, plan: PlanID? = nil, kind: TicketEvent.Kind? = nil) {
        self.region = region
        self.plan = plan
        self.kind = kind
    }

    /// The narrowest subject filter the event log can apply.
    public var subject: String {
        Subjects.events(region: region, kind: kind)
    }

    /// Whether an event is an alert (or target change) this filter shows.
    public func matches(_ event: TicketEvent) -> Bool {
        (kind == nil ? event.kind.isMonitored : event.kind == kind && (event.kind.isMonitored || event.kind == .partnerWarning))
            && (region == nil || event.region == region)
            && (plan == nil || event.plan == plan)
    }
}

/// Follows SLA alerts in the event log: monitoring's view (`meridian tail`).
public enum AlertTail {
    /// Alerts matching `filter`: those stored in the last `since` (real time) first, then live ones.
    ///
    /// - Parameters:
    ///   - since: how far back to start; nil for live alerts only.
    ///   - onUnreadable: called with the subject of an event that does not decode (it is skipped).
    public static func follow(
        _ js: JetStream, filter: AlertFilter, since: Duration?,
        onUnreadable: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws(NATSError) -> AsyncThrowingStream<TicketEvent, any Error> {
        let start: ReplayStart
        var notBefore: Int64 = .min
        if let since {
            start = .beginning
            notBefore = SystemClock().nowNanoseconds - since.nanosecondsClamped
        } else {
            start = .sequence(try await js.streamInfo(MeridianStreams.events).lastSequence + 1)
        }
        let replay = try await js.replay(stream: MeridianStreams.events, filter: filter.subject, from: start)
        let cutoff = notBefore
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await item in replay {
                        guard case .message(let message) = item else { continue }
                        guard message.metadata.timestampNanoseconds >= cutoff else { continue }
                        guard let event = try? TicketEvent.decode(json: message.payload) else {
                            onUnreadable(message.subject)
                            continue
                        }
                        if filter.matches(event) { continuation.yield(event) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// One human line per alert or target change; `due` is always the clock's deadline:
    /// ```
    /// 2026-11-24T10:00:00Z WARNING  emea T-1 enterprise/major first_response 50% at 2026-11-24T10:00:00Z due 2026-11-24T11:00:00Z left 1h
    /// 2026-11-24T11:00:07Z BREACHED emea T-1 enterprise/major first_response due 2026-11-24T11:00:00Z overdue 7s
    /// 2026-11-24T12:00:00Z TARGET   emea T-1 enterprise/major resolution due 2026-11-27T16:00:00Z (was 2026-11-25T09:00:00Z) at l3
    /// ```
    public static func line(_ event: TicketEvent) -> String {
        if event.kind == .partnerWarning { return PartnerWarningLine.line(event) }
        let label = switch event.kind {
        case .breached: "BREACHED"
        case .targetChanged: "TARGET  "
        default: "WARNING "
        }
        var text = "\(event.at.iso8601) \(label) \(event.region) \(event.ticket)"
        text += " \(event.plan?.rawValue ?? "?")/\(event.severity?.rawValue ?? "?") \(event.clock?.rawValue ?? "?")"
        if event.kind == .warning, let permille = event.warningPermille {
            text += " \((permille + 5) / 10)%"
            if let at = event.warningAt { text += " at \(at.iso8601)" }
        }
        if let due = event.due { text += " due \(due.iso8601)" }
        if event.kind == .warning, let due = event.due {
            text += due >= event.at ? " left \(DurationText.format(due - event.at))" : " overdue \(DurationText.format(event.at - due))"
        }
        if let overdue = event.overdueSeconds { text += " overdue \(DurationText.format(overdue))" }
        if event.kind == .targetChanged {
            if let previous = event.previousDue { text += " (was \(previous.iso8601))" }
            if let tier = event.tier { text += " at \(tier.rawValue)" }
        }
        return text
    }
}

extension SystemClock {
    /// Real time in nanoseconds since the Unix epoch.
    var nowNanoseconds: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

extension Duration {
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

#if canImport(Glibc)
import Glibc
#endif
