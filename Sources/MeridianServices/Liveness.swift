/// Which worker nodes are alive, from their heartbeats.
///
/// A node is live while its last heartbeat is at most `missedBeats` intervals old;
/// a node that misses more (or says goodbye) is gone. Liveness is measured in real
/// (monotonic) time, whatever clock the SLA arithmetic runs on: a demo that plays a
/// week in two minutes still expects a heartbeat a second. Pure: time comes in as an
/// argument, so tests move it by hand.
public struct LivenessTracker<Region: Hashable & Sendable, Node: Hashable & Sendable>: Sendable {
    public typealias Moment = ContinuousClock.Instant

    public struct Beat: Sendable, Equatable {
        public var region: Region
        public var at: Moment
        /// The region's backlog, as the node reported it (region-wide: every node reports the same).
        public var backlog: Int
    }

    /// Time between heartbeats that nodes promise.
    public let interval: Duration
    /// How many beats a node may miss before it counts as gone.
    public let missedBeats: Int
    /// How long a beat keeps its node live: `interval × missedBeats`, at most `maxWindow`.
    public let window: Duration
    private var beats: [Node: Beat] = [:]

    /// The longest liveness window (2^40 s, about 34,800 years): a larger product is cut to it
    /// instead of overflowing.
    public static var maxWindow: Duration { .seconds(Int64(1) << 40) }

    /// A tracker; a non-positive `interval` or `missedBeats` gives a zero window (a node is live
    /// only at the instant of its beat). Callers validate those options (`--heartbeat`) first.
    public init(interval: Duration, missedBeats: Int = 3) {
        self.interval = interval
        self.missedBeats = missedBeats
        if interval <= .zero || missedBeats <= 0 {
            window = .zero
        } else if interval >= Self.maxWindow / missedBeats {
            window = Self.maxWindow
        } else {
            window = interval * missedBeats
        }
    }

    /// Records a heartbeat. A beat older than the node's last one is ignored; a negative backlog
    /// counts as 0 (the decoded `Heartbeat` already refuses it).
    /// - Complexity: O(1).
    public mutating func heartbeat(node: Node, region: Region, at: Moment, backlog: Int = 0) {
        if let last = beats[node], last.at > at { return }
        beats[node] = Beat(region: region, at: at, backlog: max(0, backlog))
    }

    /// Forgets a node that announced it is stopping.
    public mutating func remove(node: Node) {
        beats[node] = nil
    }

    /// Whether `node` counts as live at `now`.
    public func isLive(_ node: Node, at now: Moment) -> Bool {
        guard let beat = beats[node] else { return false }
        return beat.at.duration(to: now) <= window
    }

    /// Live node count and backlog (the largest reported) per region at `now`; regions without a live node are
    /// absent. Drops nodes that are gone.
    /// - Complexity: O(nodes).
    public mutating func liveRegions(at now: Moment) -> [Region: (workers: Int, backlog: Int)] {
        var result: [Region: (workers: Int, backlog: Int)] = [:]
        for (node, beat) in beats {
            guard beat.at.duration(to: now) <= window else {
                beats[node] = nil
                continue
            }
            result[beat.region, default: (0, 0)].workers += 1
            result[beat.region, default: (0, 0)].backlog = max(result[beat.region]?.backlog ?? 0, beat.backlog)
        }
        return result
    }
}
