import FuzzSupport
import TicketRouting

/// Durations and counts: any text parses within the caller's bound or gives a `QuantityError`,
/// never a trap; a parsed duration formats back to text that parses to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDurations(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let maximum = DurationText.tenYears
    if let seconds = try? DurationText.parse(text, maximum: maximum) {
        precondition((1...maximum).contains(seconds))
        precondition((try? DurationText.parse(DurationText.format(seconds), maximum: maximum)) == seconds)
    }
    if let seconds = try? DurationText.parse(text, allowZero: true, maximum: 3600, days: .refused) {
        precondition((0...3600).contains(seconds))
    }
    if let count = try? BoundedNumber.count(text, in: 1...5) { precondition((1...5).contains(count)) }
    if let value = try? BoundedNumber.decimal(text, in: 0.001...3600) {
        precondition(value.isFinite && (0.001...3600).contains(value))
    }
    return 0
}

@_cdecl("FuzzDurations_main")
public func fuzzDurationsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.run(argc, argv, fuzzDurations)
}
