import Foundation
import PorticoCLI
import TestSupport
import Testing

/// One end-to-end setup: manifests rendered by `renderCommand`, one echo backend per Service (named
/// after the Service, on its own 127.0.0.x, all on one free port), dnsmasq mapping each
/// `<svc>.<ns>.svc.cluster.local` (and any extra name) to its backend, and nginx serving the config.
/// Manifests write `PORT` where the Service port goes; it is replaced by the backends' port.
final class Stage: @unchecked Sendable {
    let backendPort: Int
    let httpPort: Int
    /// With `https: true`: nginx's HTTPS port, its files written by `render --output-dir`.
    let httpsPort: Int?
    let manifests: TemporaryDirectory
    private(set) var outcome: RenderOutcome
    let backends: [EchoBackend]
    let dns: DNSServer
    let nginx: Nginx

    var config: String { outcome.config }
    /// The warnings: what was left out or degraded (info lines, such as the summary, aside).
    var diagnostics: [String] { outcome.diagnostics.filter { !$0.hasPrefix("info: ") } }

    /// - services: "name" or "namespace/name" for each backend to start.
    /// - extraNames: DNS names (e.g. an ExternalName's target) → the backend that answers them.
    /// - json: the manifest text is JSON (for hostile strings) rather than YAML.
    /// - https: also serve HTTPS (Secrets in the manifests, the default certificate) on `httpsPort`.
    /// - files: without HTTPS, render with `--output-dir` all the same, for the files the config
    ///   names (basic authentication's htpasswd files).
    init(
        manifests text: String, services: [String], extraNames: [String: String] = [:], json: Bool = false,
        extraArguments: [String] = [], https: Bool = false, files: Bool = false
    ) throws {
        backendPort = try Ports.free()
        httpPort = try Ports.free()
        httpsPort = https ? try Ports.free() : nil
        manifests = try TemporaryDirectory("portico-manifests")
        let file = try manifests.write(
            json ? "manifests.json" : "manifests.yaml", text.replacingOccurrences(of: "PORT", with: "\(backendPort)"))

        var started: [EchoBackend] = []
        var records: [String: String] = [:]
        var byName: [String: String] = [:]
        for (index, service) in services.enumerated() {
            let parts = service.split(separator: "/").map(String.init)
            let (namespace, name) = parts.count == 2 ? (parts[0], parts[1]) : ("default", parts[0])
            let backend = try EchoBackend(name: name, address: "127.0.0.\(2 + index)", port: backendPort)
            started.append(backend)
            records["\(name).\(namespace).svc.cluster.local"] = backend.address
            byName[name] = backend.address
        }
        for (dnsName, backendName) in extraNames {
            records[dnsName] = byName[backendName]
        }
        backends = started
        dns = try DNSServer(records)
        self.extraArguments = extraArguments
        self.files = files
        outcome = try Self.render(
            file, httpPort: httpPort, httpsPort: httpsPort, output: manifests.file("out"), resolver: dns.resolverAddress,
            extraArguments: extraArguments, files: files)
        if httpsPort != nil || files {
            let nginx = try Nginx(renderedIn: manifests.file("out"))
            try nginx.install(config: Self.lighter(outcome.config))
            try nginx.test()
            try nginx.start(waitingFor: [httpPort] + (httpsPort.map { [$0] } ?? []))
            self.nginx = nginx
        } else {
            nginx = try Nginx.start(config: Self.lighter(outcome.config), waitingFor: [httpPort])
        }
    }

    private let extraArguments: [String]
    private let files: Bool

    /// `portico render`; with an HTTPS port, into `output` (config and certificate files), whose
    /// config is then the outcome's.
    private static func render(
        _ file: URL, httpPort: Int, httpsPort: Int?, output: URL, resolver: String, extraArguments: [String], files: Bool = false
    ) throws -> RenderOutcome {
        let https = httpsPort.map { ["--https-port", "\($0)", "--output-dir", output.path] }
            ?? (extraArguments.contains("--https-port") ? [] : ["--no-https"] + (files ? ["--output-dir", output.path] : []))
        var outcome = renderCommand(
            arguments: [
                "-f", file.path, "--http-port", "\(httpPort)", "--resolver", resolver, "--bind-address", "127.0.0.1",
            ] + https + extraArguments)
        guard outcome.exitCode == 0 else {
            throw TestSupportError("portico render exited \(outcome.exitCode): \(outcome.diagnostics)")
        }
        if httpsPort != nil || files {
            outcome.config = try String(contentsOf: output.appendingPathComponent("nginx.conf"), encoding: .utf8)
        }
        return outcome
    }

    /// Keeps the test machine's load down: the template says `worker_processes auto`.
    private static func lighter(_ config: String) -> String {
        config.replacingOccurrences(of: "worker_processes auto;", with: "worker_processes 2;")
    }

    /// Renders new manifests (same `PORT` convention, YAML) and reloads nginx with the result, as
    /// the controller will when objects change.
    func rerender(_ text: String) throws {
        let file = try manifests.write("manifests.yaml", text.replacingOccurrences(of: "PORT", with: "\(backendPort)"))
        let output = manifests.file("out-\(UUID().uuidString.prefix(8))")
        outcome = try Self.render(
            file, httpPort: httpPort, httpsPort: httpsPort, output: output, resolver: dns.resolverAddress,
            extraArguments: extraArguments, files: files)
        if httpsPort != nil || files { try nginx.addFiles(renderedIn: output) }
        try nginx.reload(with: Self.lighter(outcome.config))
    }

    deinit { stop() }

    func stop() {
        nginx.stop()
        dns.stop()
        backends.forEach { $0.stop() }
    }

    func request(
        _ target: String, host: String?, method: String = "GET", headers: [(String, String)] = [],
        body: Data? = nil
    ) throws -> HTTPResponse {
        do {
            return try HTTPProbe.request(
                port: httpPort, host: host, method: method, target: target, headers: headers, body: body)
        } catch {
            // A request that gets no answer says what nginx, dnsmasq and the backends saw.
            let backendLogs = backends.map { "\($0.name): \($0.log.suffix(1000))" }.joined(separator: "\n")
            throw TestSupportError(
                "\(method) \(target) (Host \(host ?? "none")): \(error)\nerror.log:\n\(nginx.errorLog.suffix(2000))\n"
                    + "dnsmasq:\n\(dns.log.suffix(1000))\nbackends:\n\(backendLogs)")
        }
    }

    /// Who answered `GET target` for `host`: the echo backend's name, or the status nginx answered
    /// itself ("404", "503", ...).
    func who(_ host: String, _ target: String) throws -> String {
        let response = try request(target, host: host)
        if let backend = response.backend {
            // The backend also says what path it got: it must be what the client asked for.
            let echo = try response.echo()
            #expect(echo.path + (echo.query.isEmpty ? "" : "?" + echo.query) == target)
            return backend
        }
        return "\(response.status)"
    }

    /// For a failing expectation: the config, the diagnostics and nginx's log.
    var context: String {
        "diagnostics:\n\(outcome.diagnostics.joined(separator: "\n"))\nconfig:\n\(config)\nerror.log:\n\(nginx.errorLog.suffix(2000))"
    }
}
