import BusinessTime
import FuzzSupport
import TicketRouting

/// Intake: any bytes give a ticket or an error report, never a trap; an accepted ticket obeys
/// the contract (valid id, created_at inside the window) and survives a round trip through the
/// checked decoding of stored tickets.
let validator = TicketValidator(
    plans: ["enterprise", "premium"], regions: ["emea", "amer"],
    window: IntakeWindow(maxAge: 365 * 86_400, maxFuture: 300))
let now = Instant(unixSeconds: 1_796_040_000)  // 2026-11-30T12:00:00Z

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTicketValidation(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    switch validator.validate(json: bytes, now: now) {
    case .success(let ticket):
        precondition(TicketID.isValid(ticket.id.rawValue))
        precondition(validator.window.range(now: now).contains(ticket.createdAt))
        let decoded = try? WireDecoding.decode(Ticket.self, from: Array(ticket.jsonString.utf8))
        precondition(decoded == ticket, "an accepted ticket must read back unchanged")
    case .failure(let report):
        precondition(!report.errors.isEmpty && report.error == report.errors[0])
        _ = report.jsonString
    }
    return 0
}

@_cdecl("FuzzTicketValidation_main")
public func fuzzTicketValidationMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.run(argc, argv, fuzzTicketValidation)
}
