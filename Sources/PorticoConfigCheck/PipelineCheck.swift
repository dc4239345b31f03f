import Foundation
import PorticoModel
import PorticoRender
import PorticoRouting

/// Runs one manifest through the pipeline `portico render` uses (decode, route, render) and
/// checks the invariants: the config is exactly what the routing table predicts, the same
/// objects in reverse order give the same bytes, and every diagnostic is one line.
package struct PipelineCheck: Sendable {
    package enum Outcome: Sendable, Equatable {
        /// The manifest did not decode: a clean error, which is fine.
        case rejected
        case checked(diagnostics: Int)
        case failed([String])
    }

    let checker = ConfigChecker()
    let renderer = ConfigRenderer()

    package init() {}

    package func run(_ manifest: String, options: RenderOptions = RenderOptions()) -> Outcome {
        let objects: [KubeObject]
        do {
            objects = try ManifestDecoder.decode(Data(manifest.utf8), source: "fuzz")
        } catch {
            return .rejected
        }
        return run(objects, options: options)
    }

    /// With `options.httpsPort` the objects are routed for an HTTPS listener too: `spec.tls`,
    /// certificates and redirects; for a third of the generations, with the fuzzer's wildcard
    /// Secret (when there is one) as the operator's default certificate.
    package func run(_ objects: [KubeObject], options: RenderOptions) -> Outcome {
        let https = options.httpsPort != nil
        var routing = RoutingOptions(
            servesHTTPS: https,
            defaultCertificate: https && options.generation % 3 == 0
                ? ObjectReference(kind: "Secret", namespace: "default", name: "w-tls") : nil)
        routing.streams = Self.streams(options)
        routing.expose = Self.exposure(options)
        // Half the generations with the global ConfigMap (--configmap), half without.
        if options.generation % 2 == 0 {
            routing.globalConfigMap = ObjectReference(kind: "ConfigMap", namespace: ManifestFuzzer.streamNamespace, name: ManifestFuzzer.globalConfig)
        }
        routing.sslPassthrough = options.sslPassthrough != nil
        let router = Router(options: routing)
        let table = router.route(ClusterState(objects))
        let config: String
        do {
            config = try renderer.render(table, options: options)
        } catch {
            return .failed(["the default template failed to render: \(error)"])
        }
        var failures = checker.check(config, table: table, options: options).map(\.description)
        let reversed = router.route(ClusterState(objects.reversed()))
        let other = (try? renderer.render(reversed, options: options)) ?? ""
        if other != config {
            let a = config.split(separator: "\n", omittingEmptySubsequences: false)
            let b = other.split(separator: "\n", omittingEmptySubsequences: false)
            let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            failures.append(
                "the same objects in reverse order render a different config: line \(i + 1) "
                    + "\(String(a.count > i ? a[i] : "").debugDescription) vs \(String(b.count > i ? b[i] : "").debugDescription)")
        }
        for d in table.diagnostics where d.description.contains(where: { $0.isNewline }) {
            failures.append("diagnostic spans lines: \(d.description.debugDescription)")
        }
        return failures.isEmpty ? .checked(diagnostics: table.diagnostics.count) : .failed(failures)
    }

    /// The fuzzer's TCP and UDP services' ConfigMaps, the options' ports reserved.
    static func streams(_ options: RenderOptions) -> StreamOptions {
        func configMap(_ name: String) -> ObjectReference {
            ObjectReference(kind: "ConfigMap", namespace: ManifestFuzzer.streamNamespace, name: name)
        }
        var reserved = [options.httpPort: "HTTP"]
        if let https = options.httpsPort { reserved[https] = "HTTPS" }
        if let status = options.statusPort { reserved[status] = "status" }
        if let ports = options.sslPassthrough {
            reserved[ports.termination] = "SSL passthrough proxy"
            reserved[ports.relay] = "SSL passthrough relay"
        }
        return StreamOptions(
            tcpServices: configMap(ManifestFuzzer.tcpServices), udpServices: configMap(ManifestFuzzer.udpServices), reservedPorts: reserved)
    }

    /// The fuzzer's Services labelled `portico.io/expose=true` are exposed, under a domain on two
    /// generations of three.
    static func exposure(_ options: RenderOptions) -> ServiceExposure? {
        guard let selector = try? LabelSelector(parsing: ManifestFuzzer.exposeLabel + "=true") else { return nil }
        return ServiceExposure(selector: selector, domain: options.generation % 3 == 1 ? nil : "svc.test")
    }

    /// Random but valid operator settings: ports, bind address, status server, and half the time
    /// an HTTPS listener (443 or another port, with or without HSTS and a session ticket key).
    package static func options(_ g: inout SeededGenerator) -> RenderOptions {
        let http = Int.random(in: 1...65535, using: &g)
        let status = Bool.random(using: &g) ? nil : (http % 65535) + 1
        var options = RenderOptions(
            httpPort: http, bindAddress: [nil, "127.0.0.1", "::1", "10.0.0.7"].randomElement(using: &g) ?? nil,
            resolvers: ["10.96.0.10"], workerUser: Bool.random(using: &g) ? "www-data" : nil,
            statusPort: status, generation: Int.random(in: 0...1_000_000, using: &g))
        if Bool.random(using: &g) {
            // Neither the HTTP nor the status port.
            let https = [443, (http + 1) % 65535 + 1].randomElement(using: &g) ?? 443
            options.httpsPort = https == http || https == status ? (http + 2) % 65535 + 1 : https
            options.sessionTicketKey = Bool.random(using: &g) ? "tls/ticket.key" : nil
            options.strictTransportSecurity = Bool.random(using: &g) ? "max-age=31536000; includeSubDomains" : nil
            options.listenIPv6 = options.bindAddress == nil && Bool.random(using: &g)
            // TLS passthrough half the time, its loopback ports none of the others.
            if Bool.random(using: &g) {
                let taken = Set([http, status ?? 0, options.httpsPort ?? 0])
                let free = (440...450).filter { !taken.contains($0) }
                options.sslPassthrough = SSLPassthroughPorts(termination: free[0], relay: free[1])
            }
        }
        return options
    }
}

/// A seeded run of the fuzzer over inputs `start..<start+count` (or until a deadline).
package struct FuzzCampaign: Sendable {
    package struct Failure: Sendable, CustomStringConvertible {
        package var index: Int
        package var input: String
        package var problems: [String]
        package var description: String {
            "input \(index): \(problems.prefix(5).joined(separator: "; "))"
        }
    }

    package struct Report: Sendable {
        package var executions = 0
        package var rejected = 0
        package var diagnostics = 0
        package var failures: [Failure] = []
        package init() {}
    }

    package let fuzzer: ManifestFuzzer
    let check = PipelineCheck()

    package init(seed: UInt64, seeds: [String]) {
        fuzzer = ManifestFuzzer(seed: seed, seeds: seeds)
    }

    package func input(_ index: Int) -> (manifest: String, options: RenderOptions) {
        var g = SeededGenerator(seed: fuzzer.seed ^ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
        return (fuzzer.input(index), PipelineCheck.options(&g))
    }

    /// - Parameter deadline: stop when it passes, whatever `count` says.
    package func run(start: Int = 0, count: Int, deadline: Date = .distantFuture, maxFailures: Int = 20) -> Report {
        var report = Report()
        var index = start
        while index < start + count && report.failures.count < maxFailures {
            if index % 64 == 0 && Date() >= deadline { break }
            let (manifest, options) = input(index)
            switch check.run(manifest, options: options) {
            case .rejected: report.rejected += 1
            case .checked(let n): report.diagnostics += n
            case .failed(let problems): report.failures.append(Failure(index: index, input: manifest, problems: problems))
            }
            report.executions += 1
            index += 1
        }
        return report
    }

    /// The examples/ manifests, the mutation seeds.
    package static func exampleManifests(in directory: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        var texts: [String] = []
        for case let url as URL in walker where url.pathExtension == "yaml" {
            if let text = try? String(contentsOf: url, encoding: .utf8) { texts.append(text) }
        }
        return texts.sorted()
    }
}
