import MeridianServices
import FuzzSupport
import TicketRouting

/// Work items and heartbeats from the bus: any bytes decode to a checked message or a
/// `WireError`, never a trap; decoded ids are subject tokens, counts in range.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWorkItemDecoding(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let work = try? WireDecoding.decode(WorkItem.self, from: bytes) {
        precondition(SubjectToken.isValid(work.region.rawValue) && SubjectToken.isValid(work.ticket.region.rawValue))
        let again = try? WireDecoding.decode(WorkItem.self, from: JSONCoding.encode(work))
        precondition(again == work, "a decoded work item must re-encode to itself")
    }
    if let beat = try? WireDecoding.decode(Heartbeat.self, from: bytes) {
        precondition((0...WireLimits.maxCount).contains(beat.backlog) && (0...WireLimits.maxCount).contains(beat.clocks))
        var tracker = LivenessTracker<RegionID, NodeID>(interval: .seconds(1))
        let now = ContinuousClock.now
        tracker.heartbeat(node: beat.node, region: beat.region, at: now, backlog: beat.backlog)
        tracker.heartbeat(node: "other", region: beat.region, at: now, backlog: Int.max)
        precondition(tracker.liveRegions(at: now)[beat.region]?.backlog == Int.max)
    }
    return 0
}

@_cdecl("FuzzWorkItemDecoding_main")
public func fuzzWorkItemDecodingMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.run(argc, argv, fuzzWorkItemDecoding)
}
