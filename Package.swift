// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "portico",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "portico", targets: ["portico"])
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // Kubernetes object model and manifest decoding: pure, knows Codable and Yams only.
        .target(name: "PorticoModel", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Objects -> virtual hosts, locations, upstreams, diagnostics: pure.
        .target(
            name: "PorticoRouting",
            dependencies: ["PorticoModel", "PorticoTLS", "PorticoPCRE", .product(name: "Crypto", package: "swift-crypto")]),
        // Routing model + options -> nginx.conf text through the template engine: pure.
        .target(name: "PorticoRender", dependencies: ["PorticoRouting"]),
        // tls.crt and tls.key -> a validated chain and key for nginx, or a specific problem: pure.
        .target(
            name: "PorticoTLS",
            dependencies: [
                "PorticoModel", .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"), .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),

        // libcurl (libcurl4-openssl-dev) and typed shims over its variadic C API.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CCurlShims", dependencies: ["CCurl"]),
        // Kubernetes API client: kubeconfig, in-cluster config, list/watch over libcurl.
        .target(
            name: "PorticoKube",
            dependencies: [
                "PorticoModel", "CCurlShims", .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // nginx supervision: atomic config writes, validation, start, reload, confirm, stop.
        .target(name: "PorticoNginx", dependencies: [.product(name: "Logging", package: "swift-log")]),

        // Level-based reconcile: wake on change, snapshot, route, render, compare, apply.
        .target(
            name: "PorticoController",
            dependencies: [
                "PorticoModel", "PorticoRouting", "PorticoRender", .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // /healthz, /readyz and /metrics over plain HTTP on the health port.
        .target(name: "PorticoHealth"),
        // `portico --version`: the version and the git commit, recorded by the plugin at build time.
        .plugin(name: "PorticoVersionPlugin", capability: .buildTool()),
        .target(name: "PorticoVersion", plugins: ["PorticoVersionPlugin"]),
        .target(name: "CMallocShims"),

        // The commands; the executable only calls into this.
        .target(
            name: "PorticoCLI",
            dependencies: [
                "PorticoModel", "PorticoRouting", "PorticoRender", "PorticoKube", "PorticoNginx", "PorticoController",
                "PorticoHealth", "PorticoVersion", "CMallocShims", "PorticoConfigCheck", "PorticoTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "portico", dependencies: ["PorticoCLI"]),
        // `make bench`: routing, rendering and `portico render` end to end at 10,000 Ingresses.
        .executableTarget(
            name: "portico-bench", dependencies: ["PorticoModel", "PorticoRouting", "PorticoRender", "PorticoNginx", "PorticoCLI"],
            path: "Benchmarks/RenderBench"),
        // Gateway API at scale: HTTPRoutes routed and rendered, and beside Ingresses (release build).
        .executableTarget(
            name: "portico-gateway-bench", dependencies: ["PorticoModel", "PorticoRouting", "PorticoRender"],
            path: "Benchmarks/GatewayBench"),
        // HTTPS routing at scale: certificates validated, routed and rendered (release build).
        .executableTarget(
            name: "portico-tls-route-bench",
            dependencies: ["PorticoModel", "PorticoRouting", "PorticoRender", "PorticoTLS", "CMallocShims"],
            path: "Benchmarks/TLSRouteBench"),
        // TCP services beside Ingresses, routed and rendered (release build).
        .executableTarget(
            name: "portico-stream-bench", dependencies: ["PorticoModel", "PorticoRouting", "PorticoRender"],
            path: "Benchmarks/StreamBench"),

        // PCRE, the regex engine nginx itself uses (libpcre3-dev).
        .systemLibrary(name: "CPCRE", pkgConfig: "libpcre", providers: [.apt(["libpcre3-dev"])]),
        .target(name: "PorticoPCRE", dependencies: ["CPCRE"]),

        // Not shipped: checks a rendered nginx.conf against its routing table, the hostile-input
        // corpus and the manifest fuzzer. Used by tests and `portico-fuzz` only.
        .target(
            name: "PorticoConfigCheck",
            dependencies: [
                "PorticoModel", "PorticoRouting", "PorticoRender", "PorticoPCRE", "PorticoTLS",
                .product(name: "Yams", package: "Yams"),
            ]),
        // `swift run -c release portico-fuzz --seconds 600`: random and mutated manifests through the pipeline.
        .executableTarget(name: "portico-fuzz", dependencies: ["PorticoConfigCheck"], path: "Benchmarks/Fuzz"),

        // Processes, ports, temporary directories, nginx, dnsmasq and backends for tests.
        .target(name: "TestSupport", dependencies: ["PorticoNginx"], path: "Tests/TestSupport"),

        .testTarget(name: "PorticoModelTests", dependencies: ["PorticoModel"]),
        .testTarget(name: "PorticoRoutingTests", dependencies: ["PorticoRouting", "PorticoTLS"]),
        .testTarget(name: "PorticoRenderTests", dependencies: ["PorticoRender", "PorticoPCRE"]),
        .testTarget(
            name: "PorticoTLSTests",
            dependencies: [
                "PorticoTLS", .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        .testTarget(
            name: "PorticoCLITests",
            dependencies: [
                "PorticoCLI", "PorticoPCRE", "TestSupport", "PorticoKube", "PorticoController", "PorticoModel", "CMallocShims",
                .product(name: "Logging", package: "swift-log"),
            ], exclude: ["Golden"]),
        .testTarget(
            name: "PorticoEndToEndTests",
            dependencies: [
                "PorticoCLI", "PorticoPCRE", "PorticoConfigCheck", "PorticoKube", "PorticoNginx", "TestSupport", "PorticoTLS",
                "PorticoRouting", "PorticoRender", "PorticoModel",
            ]
        ),
        .testTarget(name: "PorticoKubeTests", dependencies: ["PorticoKube", "TestSupport", .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "PorticoSecurityTests",
            dependencies: ["PorticoConfigCheck", "PorticoModel", "PorticoRouting", "PorticoRender", "PorticoPCRE", "PorticoTLS"]),
        .testTarget(
            name: "PorticoNginxTests",
            dependencies: [
                "PorticoNginx", "PorticoHealth", "TestSupport",
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PorticoControllerTests",
            dependencies: ["PorticoController", "PorticoTLS", "TestSupport", .product(name: "InMemoryLogging", package: "swift-log")]
        ),

        // `portico run` end to end: start-up, change-to-live latency, reloads under load.
        .executableTarget(name: "portico-run-bench", dependencies: ["TestSupport", "PorticoTLS"], path: "Benchmarks/RunBench"),
        // `swift build -c release --product portico-tls-bench`: tls.crt/tls.key validations per second.
        .executableTarget(
            name: "portico-tls-bench",
            dependencies: [
                "PorticoTLS", .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            ], path: "Benchmarks/TLSBench"),
        // `swift run -c release portico-kube-bench`: list and watch latency against the test API server.
        .executableTarget(
            name: "portico-kube-bench", dependencies: ["PorticoKube", "TestSupport", "CMallocShims"], path: "Benchmarks/KubeBench"),
    ]
)
