import Foundation
import TestSupport
import Testing

/// Where `swift build` puts the executable, if it is there.
enum PorticoBinary {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var path: String? {
        let path = packageRoot.appendingPathComponent(".build/debug/portico").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}

/// The `portico` executable itself, as a user runs it (built by `swift build`).
@Suite("End to end: the portico executable", .enabled(if: PorticoBinary.path != nil, "portico is not built"))
struct CLIEndToEndTests {
    static let packageRoot = PorticoBinary.packageRoot

    static func portico(_ arguments: [String], input: Data? = nil) throws -> CommandResult {
        guard let binary = PorticoBinary.path else { throw TestSupportError("portico is not built") }
        return try runCommand(binary, arguments, input: input, timeout: 30)
    }

    @Test func rendersTheExamplesAndNginxServesThem() throws {
        // examples/echomap/ is the seed's echomap: port 18111 for every Service.
        let backends = try EchoBackend.start(["django-x", "django-y", "django-default"], port: 18111)
        let dns = try DNSServer(
            Dictionary(uniqueKeysWithValues: backends.map { ("\($0.name).default.svc.cluster.local", $0.address) }))
        let httpPort = try Ports.free()
        let result = try Self.portico([
            "render", "-f", Self.packageRoot.appendingPathComponent("examples/echomap").path + "/",
            "--http-port", "\(httpPort)", "--resolver", dns.resolverAddress, "--bind-address", "127.0.0.1", "--no-https",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "info: 1 Ingress served\n", "\(result.stderr)")
        let nginx = try Nginx.start(config: result.stdout, waitingFor: [httpPort])
        defer {
            nginx.stop()
            dns.stop()
            backends.forEach { $0.stop() }
        }
        #expect(try HTTPProbe.get("/foo", host: "foo.bar.com", port: httpPort).backend == "django-x")
        #expect(try HTTPProbe.get("/bar", host: "bar.baz.com", port: httpPort).backend == "django-y")
        #expect(try HTTPProbe.get("/foo", host: "bar.baz.com", port: httpPort).backend == "django-x")
        #expect(try HTTPProbe.get("/bar", host: "foo.bar.com", port: httpPort).status == 404)
    }

    @Test func theWholeExamplesDirectoryPassesNginxTest() throws {
        let arguments = [
            "render", "-f", Self.packageRoot.appendingPathComponent("examples").path,
            "--http-port", "8080", "--resolver", "127.0.0.1:53",
        ]
        let result = try Self.portico(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        // examples/features/missing-service.yaml is there to produce a diagnostic.
        #expect(result.stderr.contains("warning: ingress demo/reports:"), "\(result.stderr)")
        let strict = try Self.portico(arguments + ["--strict"])
        #expect(strict.status == 1)
        #expect(strict.stdout == result.stdout)

        // HTTPS is on by default: the config names certificate files, which --output-dir writes.
        #expect(result.stdout.contains("listen 443 ssl"), "\(result.stdout.prefix(2000))")
        let output = try TemporaryDirectory("portico-cli")
        let written = try Self.portico(arguments + ["--output-dir", output.url.path])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(try String(contentsOf: output.file("nginx.conf"), encoding: .utf8) == result.stdout)
        try Nginx(renderedIn: output.url).test()
        try Nginx(config: try Self.portico(arguments + ["--no-https"]).stdout).test()
    }

    static let missingService = """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web, namespace: default}
        spec:
          rules:
          - host: web.test
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}

        """

    @Test func exitCodes() throws {
        let directory = try TemporaryDirectory("portico-cli")
        let manifest = try directory.write("web.yaml", Self.missingService)
        let common = ["--http-port", "8080", "--resolver", "127.0.0.1:53", "--no-https"]

        // A diagnostic: still a config, exit 0; 1 with --strict.
        let lenient = try Self.portico(["render", "-f", manifest.path] + common)
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.stderr.contains("warning: ingress default/web: spec.rules[0].http.paths[0]"), "\(lenient.stderr)")
        #expect(lenient.stderr.contains("\"api\""), "\(lenient.stderr)")
        #expect(lenient.stdout.contains("location /web.test/ {"))
        let strict = try Self.portico(["render", "--strict", "-f", manifest.path] + common)
        #expect(strict.status == 1, "\(strict.stderr)")
        #expect(strict.stderr == lenient.stderr)
        #expect(strict.stdout == lenient.stdout)

        // The rendered config passes nginx -t.
        try Nginx(config: lenient.stdout).test()

        // Standard input.
        let piped = try Self.portico(["render", "-f", "-"] + common, input: Data(Self.missingService.utf8))
        #expect(piped.status == 0)
        #expect(piped.stdout == lenient.stdout)

        // An unreadable path, or no input at all: 2, with a message and no config.
        let missing = try Self.portico(["render", "-f", directory.file("nope.yaml").path] + common)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.yaml"), "\(missing.stderr)")
        #expect(missing.stdout.isEmpty)
        let noInput = try Self.portico(["render"] + common)
        #expect(noInput.status == 2)
        #expect(!noInput.stderr.isEmpty)
    }

    /// Both listens of an IPv6-capable render serve: here bound to loopback (127.0.0.1 and ::1) by
    /// rewriting the two listen addresses, so that the test opens nothing beyond this machine.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/net/if_inet6")))
    func theIPv6ListenServes() throws {
        let backends = try EchoBackend.start(["django-x", "django-y", "django-default"], port: 18111)
        let dns = try DNSServer(
            Dictionary(uniqueKeysWithValues: backends.map { ("\($0.name).default.svc.cluster.local", $0.address) }))
        let httpPort = try Ports.free()
        let result = try Self.portico([
            "render", "-f", Self.packageRoot.appendingPathComponent("examples/echomap").path,
            "--http-port", "\(httpPort)", "--resolver", dns.resolverAddress, "--no-https",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("listen [::]:\(httpPort) default_server;"), "\(result.stdout.prefix(2000))")
        let loopback = result.stdout.replacingOccurrences(of: "listen \(httpPort)", with: "listen 127.0.0.1:\(httpPort)")
            .replacingOccurrences(of: "listen [::]:\(httpPort)", with: "listen [::1]:\(httpPort)")
        let nginx = try Nginx.start(config: loopback, waitingFor: [httpPort])
        defer {
            nginx.stop()
            dns.stop()
            backends.forEach { $0.stop() }
        }
        let curl = try runCommand(
            "/usr/bin/curl", ["-sS", "-g", "-D", "-", "-o", "/dev/null", "-H", "Host: foo.bar.com", "http://[::1]:\(httpPort)/foo"],
            timeout: 20)
        #expect(curl.stdout.lowercased().contains("x-echo-backend: django-x"), "\(curl.stdout) \(curl.stderr)")
        #expect(try HTTPProbe.get("/foo", host: "foo.bar.com", port: httpPort).backend == "django-x")
    }

    /// The version and the commit the binary was built from, which is this checkout's HEAD.
    @Test func versionNamesTheCommit() throws {
        let head = try runCommand("/usr/bin/git", ["-C", Self.packageRoot.path, "rev-parse", "HEAD"], timeout: 10)
        let commit = head.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(commit.count == 40, "\(head.stderr)")
        for arguments in [["--version"], ["render", "--version"]] {
            let result = try Self.portico(arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let line = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(line == "portico 0.1.0 (commit \(commit))" || line == "portico 0.1.0 (commit \(commit)-modified)", "\(line)")
        }
    }

    @Test func anUnknownOptionIsNamedBeforeMissingInput() throws {
        let result = try Self.portico(["render", "--bogus"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("Error: Unknown option '--bogus'"), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack"))
    }
}
