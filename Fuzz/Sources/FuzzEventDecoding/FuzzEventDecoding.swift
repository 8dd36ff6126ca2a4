import BusinessTime
import FuzzSupport
import TicketRouting

/// Events: any bytes decode to a checked event or a `WireError`, never a trap; a decoded event
/// has its numbers in range, re-encodes to an equal event, and a clock fed it does not trap.
let config = try! MeridianConfig.parse(yaml: """
    regions:
      emea: { timezone: Europe/Paris, hours: { mon-fri: "08:00-18:00" } }
    tiers: { l1: 8h, l2: 24h, l3: 72h }
    plans:
      enterprise: { first_response: 2h, resolution: 24h }
    """, file: "fuzz.yaml")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventDecoding(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let event = try? TicketEvent.decode(json: bytes) else { return 0 }
    precondition(WireLimits.instants.contains(event.at))
    if let cycle = event.cycle { precondition((0...65_535).contains(cycle)) }
    if event.threshold != nil { precondition(event.warningPermille != nil) }
    _ = event.messageID
    _ = event.subject
    let again = try? TicketEvent.decode(json: Array(event.jsonString.utf8))
    precondition(again == event, "a decoded event must re-encode to itself")
    var book = SLAClockBook()
    var created = event
    created.kind = .created
    _ = book.apply(created, config: config)
    _ = book.apply(event, config: config)
    _ = book.advance(to: event.at + 86_400 * 30, config: config)
    return 0
}

@_cdecl("FuzzEventDecoding_main")
public func fuzzEventDecodingMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.run(argc, argv, fuzzEventDecoding)
}
