import Foundation
import PorticoPCRE
import Testing
import TestSupport

@testable import PorticoCLI

/// `portico render` as users run it: files and directories in, nginx.conf and diagnostics out.
@Suite struct RenderCommandTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func example(_ path: String) -> String { repo.appendingPathComponent("examples/\(path)").path }

    /// The same on every machine: IPv6 is left out here (it depends on the machine) and tested apart.
    static let fixed = ["--resolver", "10.96.0.10", "--http-port", "80", "--disable-ipv6"]

    /// Compares with Golden/NAME; `PORTICO_RECORD_GOLDEN=1 swift test` writes it instead.
    func assertGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = Self.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["PORTICO_RECORD_GOLDEN"] != nil {
            try Data(text.utf8).write(to: file)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected, "differs from Golden/\(name); re-record with PORTICO_RECORD_GOLDEN=1", sourceLocation: sourceLocation)
    }

    @Test func echomapMatchesGolden() throws {
        let out = renderCommand(arguments: ["-f", Self.example("echomap")] + Self.fixed)
        #expect(out.exitCode == 0)
        #expect(out.diagnostics == [
            "info: certificate files were not written (the config names them); --output-dir DIR writes them",
            "info: 1 Ingress served",
        ])
        try assertGolden(out.config, "echomap.conf")
        #expect(ConfigStructure.unexpectedLines(out.config) == [])
        let routes = try ConfigStructure.routes(out.config)
        #expect(routes["foo.bar.com"] == [#"~ ^/foo\.bar\.com/foo(?:/|$)"#])
        #expect(routes["bar.baz.com"] == [#"~ ^(?<portico_route>/bar\.baz\.com(?:/bar|/foo))(?:/|$)"#])
        #expect(routes["_"] == [])
    }

    /// ingress-nginx's proxying annotations become directives of the routes' named locations, and
    /// nothing else.
    @Test func theIngressNginxExampleWritesItsProxySettings() throws {
        let out = renderCommand(arguments: ["-f", Self.example("ingress-nginx"), "--controller-class", "k8s.io/ingress-nginx"] + Self.fixed)
        #expect(out.exitCode == 0)
        #expect(ConfigStructure.unexpectedLines(out.config) == [])
        for line in [
            "proxy_buffer_size 16k;", "proxy_buffers 4 16k;", "proxy_next_upstream error timeout http_503;", "access_log off;",
            "proxy_buffering off;", "proxy_set_header Host $portico_upstream_vhost;", #"proxy_set_header X-Forwarded-Prefix "/api";"#,
        ] {
            #expect(out.config.contains("\n            " + line + "\n"), "\(line)")
        }
        // upstream-vhost: the route sets the Host its named location sends.
        #expect(out.config.contains("\n                set $portico_upstream_vhost \"api.shop.internal\";\n"))
    }

    @Test func echomapV1RendersTheSameBytesAsV1beta1() {
        let legacy = renderCommand(arguments: ["-f", Self.example("echomap")] + Self.fixed)
        let v1 = renderCommand(
            arguments: ["-f", Self.example("echomap/service.yaml"), "-f", Self.example("echomap-v1")] + Self.fixed)
        #expect(v1.exitCode == 0)
        #expect(v1.config == legacy.config)
    }

    @Test func featuresMatchGoldenWithTheirDiagnostics() throws {
        let out = renderCommand(arguments: ["-f", Self.example("features")] + Self.fixed)
        #expect(out.exitCode == 0)
        try assertGolden(out.config, "features.conf")
        try assertGolden(out.diagnostics.joined(separator: "\n") + "\n", "features.stderr")
        #expect(ConfigStructure.unexpectedLines(out.config) == [])
        let routes = try ConfigStructure.routes(out.config)
        #expect(routes["*.apps.example.com"] == [])  // Prefix / is the host's own location
        #expect(routes["elsewhere.example.com"] == nil)  // another controller's class
    }

    @Test func outputDoesNotDependOnInputOrder() throws {
        let dir = try TemporaryDirectory()
        var documents: [String] = []
        for file in try ManifestFiles.files(under: Self.example("features")) + ManifestFiles.files(under: Self.example("echomap")) {
            documents += try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\n---\n")
        }
        try dir.write("forward.yaml", documents.joined(separator: "\n---\n"))
        try dir.write("reversed.yaml", documents.reversed().joined(separator: "\n---\n"))
        let forward = renderCommand(arguments: ["-f", dir.file("forward.yaml").path] + Self.fixed)
        let reversed = renderCommand(arguments: ["-f", dir.file("reversed.yaml").path] + Self.fixed)
        #expect(forward.exitCode == 0)
        #expect(forward.config == reversed.config)
        #expect(Set(forward.diagnostics) == Set(reversed.diagnostics))
    }

    @Test func readsStandardInputAndJSONLists() {
        let json = #"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"spec":{"ports":[{"port":80}]}},{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"w","namespace":"default"},"spec":{"rules":[{"host":"json.example.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}]}"#
        let out = renderCommand(arguments: ["-f", "-"] + Self.fixed, standardInput: Data(json.utf8))
        #expect(out.exitCode == 0)
        #expect(out.config.contains("location /json.example.com/ {"))
        #expect(out.config.contains("set $portico_upstream web.default.svc.cluster.local:80;"))
    }

    @Test(arguments: [
        (["-f", "/nonexistent/x.yaml"], 2, "error: /nonexistent/x.yaml: no such file or directory"),
        ([String](), 2, "no input: give -f PATH"),
        (["-f", "-", "--http-port", "0"], 2, "--http-port: 0 is not a port number"),
        (["-f", "-", "--http-port", "eighty"], 2, "The value 'eighty' is invalid for '--http-port <http-port>'"),
        (["-f", "-", "--https-port", "80"], 2, "--https-port: 80 is the HTTP port too (give another, or --no-https for HTTP only)"),
        (["-f", "-", "--https-port", "70000"], 2, "--https-port: 70000 is not a port number (1-65535)"),
        (["-f", "-", "--controller-class", "nginx; include x"], 2, "--controller-class: \"nginx; include x\" is not an IngressClass controller"),
        (["-f", "-", "--controller-class", "ingress-nginx"], 2, "--controller-class: \"ingress-nginx\" is not an IngressClass controller"),
        (["-f", "-", "--default-ssl-certificate", "wildcard-tls"], 2, "--default-ssl-certificate: \"wildcard-tls\" is not NAMESPACE/NAME of a Secret"),
        (["-f", "-", "--default-ssl-certificate", "a/../b"], 2, "--default-ssl-certificate: \"a/../b\" is not NAMESPACE/NAME"),
        (["-f", "-", "--default-ssl-certificate", "a/b", "--no-https"], 2, "--default-ssl-certificate: HTTPS is off (--no-https)"),
        (["-f", "-", "--resolver", "10.0.0.1; include /etc/passwd"], 2, "--resolver: \"10.0.0.1; include /etc/passwd\" is not an address"),
        (["-f", "-", "--cluster-domain", "x;y"], 2, "--cluster-domain"),
        (["-f", "-", "--ingress-class", "a;b"], 2, "--ingress-class: \"a;b\" is not an IngressClass name"),
        (["-f", "-", "--template", "/nonexistent.tmpl"], 2, "--template: cannot read /nonexistent.tmpl"),
        (["-f", "-", "--bogus"], 2, "Unknown option '--bogus'"),
        (["--bogus"], 2, "Unknown option '--bogus'"),  // named before "no input"
    ] as [([String], Int32, String)])
    func badInputOrFlagsExit2WithAClearMessage(arguments: [String], status: Int32, message: String) {
        let out = renderCommand(arguments: arguments, standardInput: Data())
        #expect(out.exitCode == status)
        #expect(out.config == "")
        #expect(out.diagnostics.joined(separator: "\n").contains(message), "\(out.diagnostics)")
    }

    @Test func malformedManifestNamesFileAndDocument() throws {
        let dir = try TemporaryDirectory()
        try dir.write("m/bad.yaml", "kind: Service\nmetadata: {name: a}\n---\nkind: Ingress\nmetadata: {name: b}\nspec: {rules: 3}\n")
        let out = renderCommand(arguments: ["-f", dir.file("m").path] + Self.fixed)
        #expect(out.exitCode == 2)
        #expect(out.diagnostics == ["error: \(dir.file("m").path)/bad.yaml: document 2: spec.rules: expected a list, found an integer"])
    }

    @Test func readsAPipeAsAFile() throws {
        // `-f <(kubectl get ing,svc -A -o yaml)` hands Portico a pipe, not a regular file.
        let dir = try TemporaryDirectory()
        let fifo = dir.file("manifests").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let text = try String(contentsOfFile: Self.example("echomap") + "/ingress.yaml", encoding: .utf8)
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(text.utf8))
                try? handle.close()
            }
        }
        writer.start()
        let out = renderCommand(arguments: ["-f", fifo] + Self.fixed)
        #expect(out.exitCode == 0, "\(out.diagnostics)")
        #expect(out.config.contains("location /foo.bar.com/ {"))
    }

    @Test func refusesInputBeyondTheSizeLimit() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let written = [UInt8](repeating: UInt8(ascii: "#"), count: 100).withUnsafeBytes { write(ends[1], $0.baseAddress, 100) }
        #expect(written == 100)
        close(ends[1])
        #expect {
            _ = try ManifestFiles.readAll(ends[0], name: "<stdin>", limit: 10)
        } throws: { error in
            "\(error)" == "<stdin>: more than 10 bytes; not a manifest file"
        }
        let small = try TemporaryDirectory()
        try small.write("a.yaml", "kind: Service\n")
        #expect(try ManifestFiles.contents(of: small.file("a.yaml").path) == Data("kind: Service\n".utf8))
        #expect {
            _ = try ManifestFiles.contents(of: small.file("missing.yaml").path)
        } throws: { error in
            "\(error)" == "\(small.file("missing.yaml").path): cannot open: No such file or directory"
        }
    }

    @Test func strictTurnsDiagnosticsIntoExit1() {
        let strict = renderCommand(arguments: ["-f", Self.example("features"), "--strict"] + Self.fixed)
        #expect(strict.exitCode == 1)
        #expect(!strict.config.isEmpty)
        let clean = renderCommand(arguments: ["-f", Self.example("echomap"), "--strict"] + Self.fixed)
        #expect(clean.exitCode == 0)
    }

    /// nginx listens on IPv6 too where the machine has it, unless told not to or bound to one address.
    @Test func listensOnIPv6WhereTheMachineHasIt() {
        func listens(_ extra: [String]) -> [String] {
            renderCommand(arguments: ["-f", Self.example("echomap"), "--resolver", "10.96.0.10"] + extra).config
                .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("listen ") }
        }
        let both = [
            "listen 80 default_server;", "listen [::]:80 default_server;", "listen 443 ssl http2 default_server;",
            "listen [::]:443 ssl http2 default_server;",
        ]
        let v4 = ["listen 80 default_server;", "listen 443 ssl http2 default_server;"]
        #expect(listens([]) == (IPv6Support.available() ? both : v4))
        #expect(listens(["--disable-ipv6"]) == v4)
        #expect(listens(["--bind-address", "10.1.2.3"]) == ["listen 10.1.2.3:80 default_server;", "listen 10.1.2.3:443 ssl http2 default_server;"])
        #expect(listens(["--disable-ipv6", "--https-port", "8443"]) == ["listen 80 default_server;", "listen 8443 ssl http2 default_server;"])
        #expect(listens(["--disable-ipv6", "--no-https"]) == ["listen 80 default_server;"])
    }

    /// One idea, one name on both commands: each takes --namespace and --watch-namespace.
    @Test func bothCommandsTakeBothNamespaceSpellings() throws {
        for flag in ["--namespace", "--watch-namespace"] {
            #expect(try RenderCommand.parse(["--from-cluster", flag, "team-a"]).namespace == "team-a")
            #expect(try RunCommand.parse([flag, "team-a"]).watchNamespace == "team-a")
        }
    }

    @Test func infoAloneDoesNotFailStrict() throws {
        let yaml = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: theirs, namespace: default}
            spec:
              ingressClassName: nginx
              rules: [{host: a.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
            """
        let out = renderCommand(arguments: ["-f", "-", "--strict"] + Self.fixed, standardInput: Data(yaml.utf8))
        #expect(out.exitCode == 0)
        #expect(out.diagnostics.first?.hasPrefix("info: ingress default/theirs: spec.ingressClassName: class \"nginx\"") == true)
        #expect(out.diagnostics.last == "info: 0 Ingresses served, 1 of class nginx left to another controller: use --ingress-class nginx to serve them")
        let served = renderCommand(arguments: ["-f", "-", "--ingress-class", "nginx"] + Self.fixed, standardInput: Data(yaml.utf8))
        #expect(served.diagnostics.last == "info: 1 Ingress served")
        #expect(served.config.contains("location /a.com/ {"))
    }

    /// `pathtype` (lowercase t) and `servicename` in v1 were dropped in silence; kubectl apply warns.
    @Test func fieldsKubernetesDoesNotKnowAreNamed() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: default}
            spec: {ports: [{port: 80}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: typo, namespace: default}
            spec:
              rules:
              - host: a.com
                http:
                  paths:
                  - path: /
                    pathtype: Prefix
                    backend: {service: {name: web, port: {number: 80}}, servicename: web}
            """
        let out = renderCommand(arguments: ["-f", "-"] + Self.fixed, standardInput: Data(yaml.utf8))
        #expect(out.exitCode == 0)
        #expect(
            out.diagnostics.prefix(2) == [
                "warning: <stdin>: document 2: ingress default/typo: unknown field \"spec.rules[0].http.paths[0].backend.servicename\"",
                "warning: <stdin>: document 2: ingress default/typo: unknown field \"spec.rules[0].http.paths[0].pathtype\"",
            ], "\(out.diagnostics)")
        #expect(renderCommand(arguments: ["-f", "-", "--strict"] + Self.fixed, standardInput: Data(yaml.utf8)).exitCode == 1)
    }

    /// cert-manager's HTTP-01 solver Ingress, as `kubectl get ing -o yaml` prints it: unquoted ranges.
    @Test func kubectlsOwnYAMLWithUnquotedRangesRenders() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: cm-acme-http-solver-xyz, namespace: default}
            spec: {ports: [{port: 8089}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              annotations:
                nginx.ingress.kubernetes.io/whitelist-source-range: 0.0.0.0/0,::/0
                example.com/addr: 127.0.0.1:9090
              name: cm-acme-http-solver-abcde
              namespace: default
            spec:
              rules:
              - host: a.com
                http:
                  paths:
                  - backend: {service: {name: cm-acme-http-solver-xyz, port: {number: 8089}}}
                    path: /.well-known/acme-challenge/token
                    pathType: ImplementationSpecific
            """
        let out = renderCommand(arguments: ["-f", "-"] + Self.fixed, standardInput: Data(yaml.utf8))
        #expect(out.exitCode == 0, "\(out.diagnostics)")
        #expect(out.config.contains("allow 0.0.0.0/0;") && out.config.contains("allow ::/0;") && out.config.contains("deny all;"))
    }

    @Test func inputWithNoObjectsIsAWarningAndFailsStrict() throws {
        let dir = try TemporaryDirectory()
        try dir.write("empty/README.md", "not a manifest")
        try dir.write("configmaps/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
        try dir.write("blank.yaml", "---\n")
        for (path, what) in [
            ("empty", "no *.yaml, *.yml or *.json file in it"), ("configmaps", "no Ingress, Service, IngressClass or Secret in it"),
            ("blank.yaml", "no Ingress, Service, IngressClass or Secret in it"),
        ] {
            let file = dir.file(path).path
            let out = renderCommand(arguments: ["-f", file, "--no-https"] + Self.fixed)
            #expect(out.exitCode == 0)
            #expect(out.diagnostics == ["warning: \(file): \(what); nothing to render from it", "info: 0 Ingresses served"])
            #expect(renderCommand(arguments: ["-f", file, "--strict"] + Self.fixed).exitCode == 1)
        }
        // One empty input among good ones is still named.
        let mixed = renderCommand(arguments: ["-f", Self.example("echomap"), "-f", dir.file("empty").path, "--strict"] + Self.fixed)
        #expect(mixed.exitCode == 1)
        #expect(mixed.diagnostics.first?.contains("empty: no *.yaml") == true)
    }

    @Test func operatorTemplateReplacesTheDefault() throws {
        let dir = try TemporaryDirectory()
        try dir.write("t.conf", "{{#hosts}}\n{{key}}{{#routes}} [{{location}}]{{/routes}}\n{{/hosts}}\n")
        let out = renderCommand(
            arguments: ["-f", Self.example("echomap"), "--template", dir.file("t.conf").path] + Self.fixed)
        #expect(out.exitCode == 0)
        #expect(out.config == "_\n" + #"bar.baz.com [~ ^(?<portico_route>/bar\.baz\.com(?:/bar|/foo))(?:/|$)]"# + "\n" + #"foo.bar.com [~ ^/foo\.bar\.com/foo(?:/|$)]"# + "\n")

        try dir.write("typo.conf", "events {}\n{{#hosts}}\n  {{kye}}\n{{/hosts}}\n")
        let typo = renderCommand(
            arguments: ["-f", Self.example("echomap"), "--template", dir.file("typo.conf").path] + Self.fixed)
        #expect(typo.exitCode == 2)
        #expect(typo.diagnostics == ["error: template \(dir.file("typo.conf").path): line 3: unknown name \"kye\""])
    }

    @Test func hostileObjectsAreLeftOutAndInjectNothing() throws {
        let hostile = [
            "/x;} location /etc { alias /etc/; } #", "/a\\\"b", "/$host", "/a\\nreturn 200 pwned", "/a\\rb",
        ]
        var yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {ports: [{port: 80}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: evil
              annotations:
                nginx.ingress.kubernetes.io/server-snippet: "location /x { alias /etc/; }"
                portico.io/proxy-read-timeout: "5; include /etc/passwd"
            spec:
              rules:
              - host: "a.com;\\n  return 200 pwned"
                http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
              - host: good.example.com
                http:
                  paths:
                  - {path: /good, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}

            """
        for p in hostile {
            yaml += "      - {path: \"\(p)\", pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n"
        }
        let out = renderCommand(arguments: ["-f", "-"] + Self.fixed, standardInput: Data(yaml.utf8))
        #expect(out.exitCode == 0)
        #expect(ConfigStructure.unexpectedLines(out.config) == [])
        #expect(try ConfigStructure.routes(out.config) == ["_": [], "good.example.com": [#"~ ^/good\.example\.com/good(?:/|$)"#]])
        // HTTPS is on (the default), so the config also names certificate files it did not write.
        let lines = out.diagnostics.filter { !$0.hasPrefix("info: certificate files were not written") }
        #expect(lines.count == hostile.count + 4)
        #expect(lines.dropLast().allSatisfy { $0.hasPrefix("warning: ingress default/evil: ") })
        #expect(lines.last == "info: 1 Ingress served")
        #expect(!out.config.contains("pwned") && !out.config.contains("/etc") && !out.config.contains("include /"))
    }
}
