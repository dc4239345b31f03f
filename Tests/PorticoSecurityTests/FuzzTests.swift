import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRouting
import Testing

/// A short seeded run of the manifest fuzzer (portico-fuzz runs the same for millions of inputs):
/// random and mutated manifests never crash the pipeline and always render exactly what the
/// routing table predicts.
@Suite struct FuzzTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    @Test func seededRunKeepsEveryInvariant() {
        let seeds = FuzzCampaign.exampleManifests(in: Self.examples)
        #expect(seeds.count >= 5, "examples/ not found at \(Self.examples.path)")
        let campaign = FuzzCampaign(seed: 20_261_121, seeds: seeds)
        let report = campaign.run(count: 2000, deadline: Date().addingTimeInterval(20))
        #expect(report.executions >= 500, "only \(report.executions) inputs in 20 s")
        // Most inputs must reach the router, not die in the decoder, or the run proves little.
        #expect(report.rejected * 2 < report.executions, "\(report.rejected) of \(report.executions) rejected")
        #expect(report.diagnostics > 0)
        for failure in report.failures {
            Issue.record("\(failure)\n\(failure.input.prefix(2000))")
        }
    }

    /// The run proves something about canaries only if its inputs make canary routes that nginx
    /// decides per request: some must.
    @Test func generatedInputsMakeCanaryRoutes() {
        let campaign = FuzzCampaign(seed: 20_261_121, seeds: [])
        var routes = 0
        for i in 0..<600 {
            guard let objects = try? ManifestDecoder.decode(Data(campaign.input(i).manifest.utf8), source: "fuzz") else { continue }
            let table = Router().route(ClusterState(objects))
            routes += (table.virtualHosts.flatMap(\.locations) + table.catchAll.locations).filter {
                $0.canary.map { $0.rules.fixedOutcome == nil } ?? false
            }.count
        }
        #expect(routes >= 10, "\(routes) canary routes in 600 inputs")
    }

    /// And about client certificates only if some hosts (routed with HTTPS) require them.
    @Test func generatedInputsRequireClientCertificates() {
        let campaign = FuzzCampaign(seed: 20_261_121, seeds: [])
        var hosts = 0
        for i in 0..<600 {
            guard let objects = try? ManifestDecoder.decode(Data(campaign.input(i).manifest.utf8), source: "fuzz") else { continue }
            hosts += Router(options: RoutingOptions(servesHTTPS: true)).route(ClusterState(objects)).virtualHosts.filter { $0.clientCertificate != nil }.count
        }
        #expect(hosts >= 3, "\(hosts) hosts with client certificates in 600 inputs")
    }

    /// The fuzzer's global ConfigMaps reach routing: some set annotation defaults, forwarded
    /// headers or PROXY protocol (the seeded run checks every config they give).
    @Test func generatedInputsSetTheGlobalConfigMap() {
        let campaign = FuzzCampaign(seed: 20_261_202, seeds: [])
        var options = RoutingOptions()
        options.globalConfigMap = ObjectReference(kind: "ConfigMap", namespace: ManifestFuzzer.streamNamespace, name: ManifestFuzzer.globalConfig)
        var defaults = 0, forwarded = 0, proxyProtocol = 0
        for i in 0..<300 {
            guard let objects = try? ManifestDecoder.decode(Data(campaign.input(i).manifest.utf8), source: "fuzz") else { continue }
            let global = Router(options: options).route(ClusterState(objects)).global
            if global?.annotationDefaults.isEmpty == false { defaults += 1 }
            if global?.useForwardedHeaders == true { forwarded += 1 }
            if global?.useProxyProtocol == true { proxyProtocol += 1 }
        }
        #expect(defaults >= 10 && forwarded >= 10 && proxyProtocol >= 3, "\(defaults) \(forwarded) \(proxyProtocol) in 300 inputs")
    }

    /// And about TLS passthrough only if some hosts (routed with the flag) are passed through.
    @Test func generatedInputsPassTLSThrough() {
        let campaign = FuzzCampaign(seed: 20_261_202, seeds: [])
        var options = RoutingOptions(servesHTTPS: true)
        options.sslPassthrough = true
        var hosts = 0
        for i in 0..<3000 {
            guard let objects = try? ManifestDecoder.decode(Data(campaign.input(i).manifest.utf8), source: "fuzz") else { continue }
            hosts += Router(options: options).route(ClusterState(objects)).passthrough.count
        }
        #expect(hosts >= 3, "\(hosts) passed-through hosts in 3000 inputs")
    }

    @Test func inputsAreReproducible() {
        let a = FuzzCampaign(seed: 5, seeds: ["kind: List\n"]), b = FuzzCampaign(seed: 5, seeds: ["kind: List\n"])
        #expect((0..<50).map { a.input($0).manifest } == (0..<50).map { b.input($0).manifest })
        #expect(Set((0..<50).map { a.input($0).manifest }).count > 40)
    }
}
