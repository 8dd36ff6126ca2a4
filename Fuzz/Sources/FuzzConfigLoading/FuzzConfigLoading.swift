import BusinessTime
import FuzzSupport
import TicketRouting

/// Config: any YAML text loads or gives a `ConfigError` with a key path, never a trap; a loaded
/// config's durations are within ten years and its ids are subject tokens.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigLoading(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // No .ics imports from fuzz input: a relative path resolves under a directory that does not exist.
    guard let config = try? MeridianConfig.parse(yaml: text, file: "fuzz.yaml", baseDirectory: "/nonexistent-fuzz")
    else { return 0 }
    for region in config.regions { precondition(SubjectToken.isValid(region.rawValue)) }
    for (id, plan) in config.plans {
        precondition(SubjectToken.isValid(id.rawValue))
        for severity in Severity.allCases {
            precondition((1...DurationText.tenYears).contains(plan.firstResponse[severity]))
            precondition((1...DurationText.tenYears).contains(plan.resolution[severity]))
        }
        precondition(plan.warningPermille.allSatisfy { (1...999).contains($0) })
    }
    precondition((0...DurationText.tenYears).contains(config.routing.margin))
    precondition((1...DurationText.tenYears).contains(config.intake.maxAge))
    return 0
}

@_cdecl("FuzzConfigLoading_main")
public func fuzzConfigLoadingMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.run(argc, argv, fuzzConfigLoading)
}
