import BusinessTime
import MeridianServices
import MeridianTesting
import NATSServerLauncher
import Testing

@Suite struct ManualClockTests {
    @Test func sleeperWakesExactlyWhenTimeReachesItsDeadline() async throws {
        let start = Instant(iso8601: "2026-11-23T08:00:00Z")!
        let clock = ManualClock(start)
        let woke = Task { () -> Instant in
            try await clock.sleep(until: start + 3600)
            return clock.now()
        }
        try await waitUntil { clock.sleeperCount == 1 }
        clock.advance(by: 3599)
        #expect(clock.sleeperCount == 1)
        clock.advance(by: 1)
        #expect(try await woke.value == start + 3600)
    }

    @Test func cancellingASleeperEndsIt() async throws {
        let clock = ManualClock(Instant(unixSeconds: 0))
        let sleeper = Task { try await clock.sleep(until: Instant(unixSeconds: 10)) }
        try await waitUntil { clock.sleeperCount == 1 }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func scaledClockRunsFasterThanRealTime() async throws {
        let start = Instant(iso8601: "2026-11-23T08:00:00Z")!
        let realStart = ContinuousClock.now
        let clock = ScaledClock(start: start, factor: 3600)
        try await clock.sleep(until: start + 1800)
        let simulated = clock.now() - start
        let real = realStart.duration(to: .now)
        #expect(simulated >= 1800)
        // An hour a second: never more simulated time than 3600 × the real time that passed.
        #expect(Double(simulated) <= 3600 * (Double(real.components.seconds) + Double(real.components.attoseconds) / 1e18))
    }
}

@Suite struct LivenessTrackerTests {
    @Test func aNodeMissingThreeHeartbeatsIsGone() {
        var tracker = LivenessTracker<String, String>(interval: .seconds(2), missedBeats: 3)
        let t0 = ContinuousClock.now
        tracker.heartbeat(node: "emea-1", region: "emea", at: t0, backlog: 4)
        tracker.heartbeat(node: "emea-2", region: "emea", at: t0 + .seconds(1), backlog: 1)
        tracker.heartbeat(node: "amer-1", region: "amer", at: t0)
        let live = tracker.liveRegions(at: t0 + .seconds(6))
        #expect(live["emea"]?.workers == 2)
        // The backlog is region-wide (each node reports the region's): the largest report, not a sum.
        #expect(live["emea"]?.backlog == 4)
        #expect(live["amer"]?.workers == 1)
        #expect(tracker.isLive("amer-1", at: t0 + .seconds(6)))
        #expect(!tracker.isLive("amer-1", at: t0 + .milliseconds(6_001)))
        let later = tracker.liveRegions(at: t0 + .seconds(7))
        #expect(later["amer"] == nil)
        #expect(later["emea"]?.workers == 1)
    }

    @Test func aStaleBeatDoesNotRewindANodeAndGoodbyeRemovesIt() {
        var tracker = LivenessTracker<String, String>(interval: .seconds(1))
        let t0 = ContinuousClock.now
        tracker.heartbeat(node: "n", region: "apac", at: t0 + .seconds(10))
        tracker.heartbeat(node: "n", region: "apac", at: t0)
        #expect(tracker.isLive("n", at: t0 + .seconds(13)))
        tracker.remove(node: "n")
        #expect(tracker.liveRegions(at: t0 + .seconds(10)).isEmpty)
    }
}
