// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "meridian",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "meridian", targets: ["meridian"]),
        .library(name: "BusinessTime", targets: ["BusinessTime"]),
        .library(name: "TicketRouting", targets: ["TicketRouting"]),
        .library(name: "NATS", targets: ["NATS"]),
        .library(name: "MeridianServices", targets: ["MeridianServices"]),
        .library(name: "MeridianTesting", targets: ["MeridianTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // Pure: calendars, holidays, iCal import, business-time arithmetic.
        .target(
            name: "BusinessTime",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // Pure: tickets, plans, SLA policy, clock state machine, routing decision, events, config.
        .target(
            name: "TicketRouting",
            dependencies: ["BusinessTime", .product(name: "Yams", package: "Yams")]
        ),
        // System library shim for libnats; only NATS imports it.
        .systemLibrary(
            name: "CNATS",
            pkgConfig: "libnats",
            providers: [.apt(["libnats-dev"])]
        ),
        // Async Swift client over cnats: core, JetStream, KV.
        .target(
            name: "NATS",
            dependencies: ["CNATS", .product(name: "Logging", package: "swift-log")]
        ),
        // Router, worker, clock keeper, tail: services over NATS and the pure core.
        .target(
            name: "MeridianServices",
            dependencies: [
                "TicketRouting", "NATS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Test support shipped as a library: manual clock, nats-server launcher, fixtures.
        .target(
            name: "MeridianTesting",
            dependencies: ["NATS", "TicketRouting", "MeridianServices"]
        ),
        // The one executable.
        .executableTarget(
            name: "meridian",
            dependencies: [
                "BusinessTime", "TicketRouting", "NATS", "MeridianServices", "MeridianTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                // Latency percentiles of `meridian bench e2e`.
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(name: "BusinessTimeTests", dependencies: ["BusinessTime"]),
        .testTarget(name: "TicketRoutingTests", dependencies: ["TicketRouting", "MeridianTesting"]),
        .testTarget(name: "NATSTests", dependencies: ["NATS", "MeridianTesting"]),
        .testTarget(
            name: "MeridianServicesTests",
            dependencies: [
                // The crash tests run the built `meridian` binary as processes.
                "meridian", "MeridianServices", "MeridianTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Runs the built `meridian` binary the way a user would.
        .testTarget(name: "MeridianCLITests", dependencies: ["meridian", "MeridianTesting"]),
    ],
    swiftLanguageModes: [.v6]
)

// Strict settings for every target, in one loop (as swift-log does).
for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
