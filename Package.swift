// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault")
]

let package = Package(
    name: "gmemd",
    platforms: [.macOS(.v15)],
    products: [.executable(name: "gmemd", targets: ["Server"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Tests only: a client generated from openapi.yaml, as a user of the contract would make one.
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .target(name: "CSocket"),
        .target(name: "CKernel"),
        .target(name: "CKVM"),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The one lock type (PthreadMutex): a leaf HTTP, GuestMem, Server and the tests share, as
        // neither HTTP nor GuestMem may import the other.
        .target(name: "Locking", swiftSettings: strict),
        .target(
            name: "Posix",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict
        ),
        .target(
            name: "HTTP",
            dependencies: [
                "Posix", "Locking", "CSocket", "COpenSSL", "CZlib",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "GuestMem",
            dependencies: [
                "Posix", "Locking", "CKernel", "CKVM",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "Server",
            dependencies: [
                "HTTP", "GuestMem", "Posix", "Locking", "COpenSSL",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // What more than one test target needs: the gmemd process harness, raw clients, bounded
        // waits, seeded randomness, host facts.
        .target(
            name: "TestSupport", dependencies: ["GuestMem", "Locking"], path: "Tests/TestSupport",
            swiftSettings: strict),
        .testTarget(
            name: "HTTPTests", dependencies: ["HTTP", "Posix", "Locking", "CSocket", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "GuestMemTests", dependencies: ["GuestMem", "Posix", "Locking", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "ServerTests", dependencies: ["Server", "GuestMem", "HTTP", "Locking", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests", dependencies: ["Posix", "Locking", "GuestMem", "TestSupport"],
            swiftSettings: strict),
        // Drives the real gmemd through the client swift-openapi-generator makes from openapi.yaml
        // (a link to the root's, so there is one contract) with its default configuration.
        .testTarget(
            name: "GeneratedClientTests",
            dependencies: [
                "TestSupport",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
    ]
)
