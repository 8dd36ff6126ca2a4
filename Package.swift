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
        .library(name: "NATSServerLauncher", targets: ["NATSServerLauncher"]),
        .library(name: "MeridianTesting", targets: ["MeridianTesting"]),
        .library(name: "NKeys", targets: ["NKeys"]),
        .library(name: "MeridianAuth", targets: ["MeridianAuth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        // Operations (Docs/OPERATIONS.md): metrics, and the HTTP endpoint that serves them.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
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
            dependencies: ["CNATS", "NKeys", .product(name: "Logging", package: "swift-log")]
        ),
        // `meridian bench nats|e2e`: the Swift client against raw cnats loops, and the whole system
        // under load. Reaches the client's raw handles through `package` access.
        .target(
            name: "MeridianBenchmarks",
            dependencies: [
                "CNATS", "NATS", "BusinessTime", "TicketRouting", "MeridianServices",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Router, worker, clock keeper, tail: services over NATS and the pure core.
        .target(
            name: "MeridianServices",
            dependencies: [
                "TicketRouting", "NATS",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // `meridian demo`: a simulated business week of the whole system (tickets, agents, summary).
        .target(
            name: "MeridianDemo",
            dependencies: [
                "BusinessTime", "TicketRouting", "NATS", "MeridianServices",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Real nats-server processes on loopback (binary lookup, ports, arguments, start/stop by pid,
        // monitoring probes, clusters) for the demo, the benchmarks and the tests. Foundation only.
        .target(name: "NATSServerLauncher"),
        // Test doubles and fixtures: manual clock, loopback HTTP server, the CLI runner, a real
        // Alertmanager and promtool for the operations tests.
        .target(
            name: "MeridianTesting",
            dependencies: ["BusinessTime", "MeridianServices", "NATSServerLauncher"]
        ),
        // Pure: NKeys (Ed25519 seeds and public keys in the NATS text encoding) and NATS JWTs.
        .target(name: "NKeys", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Identities, their least-privilege grants and the nats-server authorization they generate.
        .target(name: "MeridianAuth", dependencies: ["NKeys", "TicketRouting", "MeridianServices"]),
        // The one executable.
        .executableTarget(
            name: "meridian",
            dependencies: [
                "BusinessTime", "TicketRouting", "MeridianServices", "MeridianDemo", "MeridianBenchmarks",
                "NATSServerLauncher", "MeridianAuth", "NKeys",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "BusinessTimeTests", dependencies: ["BusinessTime"]),
        .testTarget(name: "TicketRoutingTests", dependencies: ["TicketRouting"]),
        .testTarget(name: "NATSTests", dependencies: ["NATS", "NATSServerLauncher"]),
        .testTarget(name: "NKeysTests", dependencies: ["NKeys"]),
        .testTarget(
            name: "MeridianAuthTests",
            dependencies: ["MeridianAuth", "NKeys", "NATS", "CNATS", "MeridianTesting", "NATSServerLauncher", "meridian"]
        ),
        .testTarget(
            name: "MeridianServicesTests",
            dependencies: [
                // The crash tests run the built `meridian` binary as processes.
                "meridian", "BusinessTime", "TicketRouting", "NATS", "MeridianServices", "MeridianDemo",
                "MeridianTesting", "NATSServerLauncher",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Runs the built `meridian` binary the way a user would.
        .testTarget(
            name: "MeridianCLITests",
            dependencies: [
                "meridian", "BusinessTime", "TicketRouting", "NATS", "MeridianServices", "MeridianTesting",
                "NATSServerLauncher",
            ]
        ),
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
