public import BusinessTime
import MeridianServices
import Foundation
public import TicketRouting

/// A small deterministic random generator (SplitMix64): the same seed gives the same demo on
/// every platform (the standard library's generator is not seedable).
public struct DemoRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for one named thing (a ticket, a work item) of a seeded run: independent of
    /// the order in which things happen.
    public init(seed: UInt64, key: String) {
        // FNV-1a of the key, mixed with the seed.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        state = seed ^ hash
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    /// Uniform in `range`.
    public mutating func int(_ range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// One of `choices`, each with its weight.
    public mutating func pick<T>(_ choices: [(T, Double)]) -> T {
        let total = choices.reduce(0) { $0 + $1.1 }
        var x = unit() * total
        for (value, weight) in choices {
            if x < weight { return value }
            x -= weight
        }
        return choices[choices.count - 1].0
    }
}

/// One submission of the demo's ticket stream, sent on `meridian.intake` at `at`.
public struct DemoSubmission: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case valid
        /// Broken on purpose, to show the error object (the router must reject it).
        case invalid
        /// The same ticket again (the router must answer "duplicate" and route it once).
        case duplicate
    }

    public var kind: Kind
    /// The ticket id as submitted (an invalid one may not be a valid id).
    public var id: String
    public var at: Instant
    public var json: [UInt8]
    /// For the output: plan/severity/home as submitted.
    public var plan: String
    public var severity: String
    public var home: String
}

/// The demo's deterministic ticket stream.
public enum DemoTickets {
    /// Tickets are created at least this far (simulated) from any instant where the routing rule
    /// changes (a region opening, its closing and its closing minus the routing margin), so that a
    /// request that takes a few real milliseconds is routed the same way on every run.
    public static let boundaryGuard: Int64 = 30 * 60

    /// The stream: `count` submissions between `start` and `end`, in time order, about 6% of them
    /// invalid and two duplicates.
    /// - Parameters:
    ///   - idPrefix: prefix of ticket ids (`T-0001` with `T`), unique per run against a shared server.
    /// - Complexity: O(count × regions × days) calendar look-ups.
    public static func stream(seed: UInt64, count: Int, start: Instant, end: Instant, config: MeridianConfig,
                              idPrefix: String = "T") -> [DemoSubmission] {
        guard count > 0, end - start > 4 * 3600 else { return [] }
        var rng = DemoRandom(seed: seed)
        let boundaries = routingBoundaries(from: start, to: end, config: config)
        // Creation instants: uniform over [start + 30m, end - 2h], away from boundaries.
        var times: [Instant] = []
        let low = start + 1800, high = end - 7200
        var attempts = 0
        while times.count < count, attempts < count * 1000 {
            attempts += 1
            let t = Instant(unixSeconds: rng.int(low.unixSeconds...high.unixSeconds) / 60 * 60)
            if boundaries.contains(where: { abs($0 - t) < boundaryGuard }) { continue }
            times.append(t)
        }
        times.sort()

        let regions = config.regions
        let homeWeights: [RegionID: Double] = ["emea": 0.4, "amer": 0.35, "apac": 0.25]
        let planWeights: [PlanID: Double] = ["enterprise": 0.45, "premium": 0.3, "standard": 0.25]
        let plans = config.plans.keys.sorted()
        let customers = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "soylent", "cyberdyne"]
        let subjects = [
            ("Export fails", "The nightly export stops at 90% with a timeout."),
            ("Login loop", "Users are sent back to the login page after SSO."),
            ("Slow dashboard", "The main dashboard takes 40 s to load since Monday."),
            ("Webhook errors", "Webhook deliveries fail with HTTP 502 for one endpoint."),
            ("Billing mismatch", "The invoice counts 12 seats; we have 10."),
            ("API rate limit", "Bulk API calls get 429 well under the documented limit."),
        ]
        var submissions: [DemoSubmission] = []
        var valid: [DemoSubmission] = []
        for (i, t) in times.enumerated() {
            let number = String(format: "%04d", i + 1)
            let id = "\(idPrefix)-\(number)"
            let home = rng.pick(regions.map { ($0, homeWeights[$0] ?? 0.3) })
            let plan = rng.pick(plans.map { ($0, planWeights[$0] ?? 0.2) })
            let severity = rng.pick([(Severity.critical, 0.15), (.major, 0.45), (.minor, 0.4)])
            let customer = customers[Int(rng.next() % UInt64(customers.count))]
            let (subject, details) = subjects[Int(rng.next() % UInt64(subjects.count))]
            var fields: [String: String] = [
                "id": id, "customer": customer, "plan": plan.rawValue, "severity": severity.rawValue,
                "region": home.rawValue, "created_at": t.iso8601, "subject": subject, "details": details,
                "partner": "reseller-\(rng.int(1...9))", "steps_taken": "Checked the status page; retried.",
            ]
            var kind = DemoSubmission.Kind.valid
            // Every 16th ticket (from the 5th) is broken in one of four ways.
            if i % 16 == 4 {
                kind = .invalid
                switch (i / 16) % 4 {
                case 0: fields["id"] = "\(idPrefix) \(number)"          // bad_id: a space
                case 1: fields["plan"] = "platinum"                    // unknown plan
                case 2: fields["details"] = nil                        // missing details
                default: fields["region"] = "mars"                      // unknown region
                }
            }
            let submission = DemoSubmission(
                kind: kind, id: fields["id"]!, at: t, json: encode(fields), plan: fields["plan"]!,
                severity: severity.rawValue, home: fields["region"]!)
            submissions.append(submission)
            if kind == .valid { valid.append(submission) }
        }
        // Two customers submit the same ticket again, a little later (never past the last ticket).
        for k in [3, 11] where k < valid.count {
            var again = valid[k]
            again.kind = .duplicate
            again.at = again.at + 600
            if boundaries.contains(where: { abs($0 - again.at) < boundaryGuard }) { again.at = valid[k].at }
            submissions.append(again)
        }
        return submissions.sorted { ($0.at, $0.kind == .duplicate ? 1 : 0) < ($1.at, $1.kind == .duplicate ? 1 : 0) }
    }

    /// Instants in [from, to] where a routing decision can change.
    static func routingBoundaries(from: Instant, to: Instant, config: MeridianConfig) -> [Instant] {
        var result: [Instant] = []
        for region in config.regions {
            guard let calendar = config.calendars[region] else { continue }
            for interval in calendar.openIntervals(from: from - 86_400, to: to + 86_400) {
                result.append(interval.start)
                result.append(interval.end)
                result.append(interval.end - config.routing.margin)
            }
        }
        return result
    }

    static func encode(_ fields: [String: String]) -> [UInt8] {
        (try? JSONCoding.encode(fields)) ?? []
    }
}
