public import BusinessTime

/// How far from now the instants a client gives may lie: a ticket's `created_at` and the `--at`
/// of an action (`meridian ticket ... --at`). Config: `intake: { max_age: 365d, max_future: 5m }`.
///
/// Without it a ticket "created" in 1970 breaches and escalates within a second, and one
/// created in 9999 gets a clock that can never be resolved.
public struct IntakeWindow: Hashable, Sendable {
    /// The oldest accepted instant, in seconds before now. Default 365 days.
    public var maxAge: Int64
    /// The latest accepted instant, in seconds after now (clock skew). Default 5 minutes.
    public var maxFuture: Int64

    public init(maxAge: Int64 = 365 * 86_400, maxFuture: Int64 = 300) {
        self.maxAge = maxAge
        self.maxFuture = maxFuture
    }

    /// The accepted instants at `now`: `now - maxAge ... now + maxFuture`.
    /// - Complexity: O(1).
    public func range(now: Instant) -> ClosedRange<Instant> {
        let (low, o1) = now.unixSeconds.subtractingReportingOverflow(max(0, maxAge))
        let (high, o2) = now.unixSeconds.addingReportingOverflow(max(0, maxFuture))
        return Instant(unixSeconds: o1 ? .min : low)...Instant(unixSeconds: o2 ? .max : high)
    }

    /// Checks a submitted ticket's creation instant.
    /// - Returns: nil when `createdAt` lies in the window, otherwise an `out_of_range` error on `created_at`.
    /// - Complexity: O(1).
    public func check(createdAt: Instant, now: Instant) -> ValidationError? {
        check(createdAt, field: "created_at", now: now)
    }

    /// Checks the instant of an action on a ticket (`responded`, `waiting_on_customer`,
    /// `resolved`, ... with an explicit `--at`): in the window, and never before the ticket's creation.
    /// - Returns: nil when acceptable, otherwise an `out_of_range` error on `field`.
    /// - Complexity: O(1).
    public func checkAction(at: Instant, ticketCreatedAt: Instant, now: Instant, field: String = "at") -> ValidationError? {
        if at < ticketCreatedAt {
            return ValidationError(
                code: .outOfRange, field: field,
                message: "\(field) \(at.iso8601) is before the ticket was created (\(ticketCreatedAt.iso8601))")
        }
        return check(at, field: field, now: now)
    }

    func check(_ instant: Instant, field: String, now: Instant) -> ValidationError? {
        let window = range(now: now)
        if instant < window.lowerBound {
            return ValidationError(
                code: .outOfRange, field: field,
                message: "\(field) \(instant.iso8601) is more than \(DurationText.format(maxAge)) before now "
                    + "(\(now.iso8601)); the limit is intake.max_age")
        }
        if instant > window.upperBound {
            return ValidationError(
                code: .outOfRange, field: field,
                message: "\(field) \(instant.iso8601) is more than \(DurationText.format(maxFuture)) after now "
                    + "(\(now.iso8601)); the limit is intake.max_future")
        }
        return nil
    }
}
