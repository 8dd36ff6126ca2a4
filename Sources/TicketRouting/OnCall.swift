public import BusinessTime

/// On-call coverage: who takes 24x7 work while no region is open (`regions.<id>.on_call:`).
extension MeridianConfig {
    /// Whether `region` has on-call coverage at `now`.
    /// - Complexity: O(1).
    public func hasOnCall(_ region: RegionID, at now: Instant) -> Bool {
        onCall[region]?.isOpen(at: now) ?? false
    }

    /// Regions in follow-the-sun order at `now`: the region whose business day starts soonest
    /// first (an open region counts as starting now), ties by id.
    /// - Complexity: O(r log r) for r regions, one calendar look-up each.
    public func followTheSunOrder(at now: Instant) -> [RegionID] {
        regions.compactMap { id in calendars[id].map { (id, $0.nextOpening(after: now)) } }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map(\.0)
    }

    /// The region whose on-call takes a ticket of `home` at `now`: the home region if it has
    /// on-call coverage now, else the first region in follow-the-sun order that has. Among those,
    /// regions with live workers come first (the same order within each group); nil when no
    /// region has coverage now.
    /// - Complexity: O(r log r).
    public func onCallRegion(home: RegionID, at now: Instant, live: [RegionID: RegionLoad]) -> RegionID? {
        let covered = ([home] + followTheSunOrder(at: now).filter { $0 != home }).filter { hasOnCall($0, at: now) }
        return covered.first { (live[$0]?.liveWorkers ?? 0) > 0 } ?? covered.first
    }

    /// Whether a ticket of `plan` with `severity` counts its clocks on the 24x7 calendar.
    public func runsTwentyFourSeven(plan: PlanID, severity: Severity) -> Bool {
        plans[plan]?.calendar[severity] == .twentyFourSeven
    }

    /// Problems of a config whose plans promise 24x7 targets that nobody may be there to keep,
    /// one sentence each (`meridian route` and `meridian router` print them at start):
    /// - plans with 24x7 severities and no region with `on_call:` at all;
    /// - with on-call somewhere: the first instant in the `days` from `from` at which neither an
    ///   on-call calendar nor a region's business hours cover the time.
    /// - Complexity: O(r · i) for r regions and i intervals in the window.
    public func coverageWarnings(from: Instant, days: Int = 14) -> [String] {
        let promises = plans.keys.sorted().compactMap { plan -> String? in
            let severities = Severity.allCases.filter { runsTwentyFourSeven(plan: plan, severity: $0) }
            guard !severities.isEmpty else { return nil }
            return "\(plan) (\(severities.map(\.rawValue).joined(separator: ", ")))"
        }
        guard !promises.isEmpty else { return [] }
        let list = promises.joined(separator: ", ")
        if onCall.isEmpty {
            return ["plans \(list) promise 24x7 targets but no region has on-call coverage "
                + "(regions.<id>.on_call): a ticket arriving while every region is closed waits for the next "
                + "opening and breaches"]
        }
        if let gap = firstUncovered(from: from, to: from + Int64(max(1, min(days, 366))) * 86_400) {
            return ["plans \(list) promise 24x7 targets but nobody covers \(gap.iso8601) "
                + "(no region is open or on call then): give on_call hours that leave no gap"]
        }
        return []
    }

    /// The first instant in `[from, to)` covered by no business calendar and no on-call calendar.
    func firstUncovered(from: Instant, to: Instant) -> Instant? {
        let all = (Array(calendars.values) + Array(onCall.values))
            .flatMap { $0.openIntervals(from: from, to: to) }
            .sorted { $0.start < $1.start }
        var covered = from
        for interval in all {
            if interval.start > covered { return covered }
            covered = max(covered, interval.end)
            if covered >= to { return nil }
        }
        return covered < to ? covered : nil
    }
}
