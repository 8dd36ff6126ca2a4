// swift-tools-version:6.2
// libFuzzer targets for Meridian's trust boundaries. Built only on request, with the fuzzer and
// address sanitizers (see `Fuzz/run` and Docs/RELIABILITY.md); the main package never builds them.
import PackageDescription

/// Each target is one file `Sources/<name>/<name>.swift` exporting `LLVMFuzzerTestOneInput` and
/// `<name>_main` (see `FuzzSupport`).
let targets: [(name: String, products: [String])] = [
    ("FuzzTicketValidation", ["TicketRouting"]),
    ("FuzzEventDecoding", ["TicketRouting"]),
    ("FuzzWorkItemDecoding", ["TicketRouting", "MeridianServices"]),
    ("FuzzConfigLoading", ["TicketRouting"]),
    ("FuzzDurations", ["TicketRouting"]),
]

let package = Package(
    name: "MeridianFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "meridian", path: "..")],
    targets: [.target(name: "FuzzSupport")] + targets.map { target in
        .executableTarget(
            name: target.name,
            dependencies: ["FuzzSupport"] + target.products.map { .product(name: $0, package: "meridian") },
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    },
    swiftLanguageModes: [.v6]
)

// The main package's strict settings, for the fuzz targets too.
for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
