import Foundation
import PorticoTLS
import Yams

/// SplitMix64: small, fast and the same on every platform, so a seed reproduces an input.
package struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Makes manifests for the fuzzer: random object graphs (valid and hostile values mixed, legacy
/// shapes, duplicates) written as JSON or YAML, and byte-level mutations of seed manifests'
/// text. Input `i` of seed `s` is always the same, so a failure reproduces from (s, i).
package struct ManifestFuzzer: Sendable {
    package let seed: UInt64
    /// Manifest texts to mutate (the examples/ files).
    package let seeds: [String]

    package init(seed: UInt64, seeds: [String]) {
        self.seed = seed
        self.seeds = seeds
    }

    package func input(_ index: Int) -> String {
        var g = SeededGenerator(seed: seed &* 0x1000_0000_01B3 ^ UInt64(index) &* 0x9E37_79B9)
        _ = g.next()
        var maker = ManifestFuzzerMaker(g: g)
        switch Int.random(in: 0..<10, using: &maker.g) {
        case 0..<6: return maker.objectsText()
        case 6..<9 where !seeds.isEmpty: return maker.mutate(seeds[Int.random(in: 0..<seeds.count, using: &maker.g)])
        default: return maker.mutate(maker.objectsText())
        }
    }
}

struct ManifestFuzzerMaker {
    var g: SeededGenerator

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &g) < p }
    mutating func int(_ r: Range<Int>) -> Int { Int.random(in: r, using: &g) }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }

    static let bytes: [[String]] = [
        ["a", "b", "z", "0", "9", "-", "."], ["A", "Z", "_", "~", "!", "*", "+", ",", ":", "@", "=", "&", "/"],
        ["\n", "\r", ";", "{", "}", "\"", "'", "\\", "$", "#", " ", "\t", "%", "?", "\u{0}", "\u{7f}"],
        ["é", "ü", "\u{2028}", "\u{202e}", "\u{fe0f}", "😀", "\u{10ffff}", "ｓ", "İ"],
    ]
    static let payloads = [
        ";} location /etc { alias /etc/; } #", "\n  root /etc;", "\r alias /", "\"; return 200 pwned; \"",
        "\\\";#", "${host}", "$portico_upstream", "' '", "#", "}", "{", ";",
    ]

    mutating func text(maxLength: Int = 12) -> String {
        if chance(0.02) { return String(repeating: pick(["a", "/", "é", ";"]), count: int(200..<3000)) }
        var s = ""
        for _ in 0..<int(0..<maxLength) { s += pick(pick(Self.bytes)) }
        if chance(0.15) { s += pick(Self.payloads) }
        return s
    }

    mutating func dnsName() -> String {
        let labels = (0..<int(1..<4)).map { _ in pick(["foo", "bar", "a", "x-1", "svc", "example", "test"]) }
        return labels.joined(separator: ".")
    }

    mutating func host() -> String? {
        switch int(0..<12) {
        case 0: return nil
        case 1: return ""
        case 2: return "*." + dnsName()
        case 3: return text()
        case 4: return dnsName() + text(maxLength: 3)
        case 5: return dnsName().uppercased()
        default: return pick(["a.test", "b.test", "c.test", "*.w.test", "foo.bar.com"])
        }
    }

    mutating func path() -> String? {
        switch int(0..<10) {
        case 0: return nil
        case 1: return ""
        case 2: return text()
        case 3: return "/" + text()
        case 4: return pick(["/", "/a/", "/a//b", "/./a", "/a/..", "/a/b/", "/a(/|$)(.*)", "/v[0-9]+/", "/a(", "/x{2}|/y", "/(?<p>x)"])
        default: return "/" + (0..<int(0..<4)).map { _ in pick(["a", "b", "api", "v1", "x.y", "~u", "a-b", "A"]) }
            .joined(separator: "/")
        }
    }

    mutating func name(_ pool: [String]) -> String {
        chance(0.85) ? pick(pool) : pick([text(), pick(pool) + text(maxLength: 3), pick(pool).uppercased()])
    }

    mutating func port() -> Any {
        switch int(0..<60) {
        case 0..<6: return ["name": name(["http", "web", "grpc"])]
        case 6..<9: return ["number": pick([0, -1, 65536, 1 << 40])]
        case 9: return ["name": "http", "number": 80]
        case 10: return [String: Any]()
        case 11: return ["number": text()]  // a type error: the whole manifest is refused
        default: return ["number": pick([80, 8080, 443, 18080])]
        }
    }

    static let services = ["app", "web", "api", "db"]
    static let namespaces = ["default", "team-a", "team-b"]

    mutating func backend(legacy: Bool) -> [String: Any] {
        let service = name(Self.services)
        if legacy {
            let p = port()
            let servicePort: Any = (p as? [String: Any])?["number"] ?? (p as? [String: Any])?["name"] ?? 80
            return ["serviceName": service, "servicePort": servicePort]
        }
        if chance(0.03) { return ["resource": ["kind": "StorageBucket", "name": text()]] }
        if chance(0.02) { return [:] }
        return ["service": ["name": service, "port": port()]]
    }

    mutating func annotations() -> [String: String]? {
        guard chance(0.3) else { return nil }
        var a: [String: String] = [:]
        // A canary (it changes the main Ingresses' routes of its hosts), with some of its settings.
        if chance(0.15) {
            a["nginx.ingress.kubernetes.io/canary"] = pick(["true", "True", "1", "yes"])
            let settings: [(String, [String])] = [
                ("canary-by-header", ["X-Canary", "x_canary", "X.Canary", "X-Canary" + pick(Self.payloads), text()]),
                ("canary-by-header-value", ["always", "v1.2 beta", "DoCanary", "v" + pick(Self.payloads), text()]),
                ("canary-by-header-pattern", ["^Do[A-Z][a-z]+y$", "[][**da?$&*", "x$portico_upstream${host}", "(?<x>a)", "^" + pick(Self.payloads), text()]),
                ("canary-by-cookie", ["beta", "Canary_By", "my-cookie", "c" + pick(Self.payloads), text()]),
                ("canary-weight", ["0", "30", "100", "1", "-5", "1000", "33", text()]),
                ("canary-weight-total", ["100", "200", "1000", "10", "300", text()]),
            ]
            for (name, values) in settings where chance(0.5) {
                a[(chance(0.2) ? "portico.io/" : "nginx.ingress.kubernetes.io/") + name] = pick(values)
            }
            if chance(0.3) { a[pick(["nginx.ingress.kubernetes.io/proxy-read-timeout", "nginx.ingress.kubernetes.io/affinity", "portico.io/auth-url"])] = "5" }
            return a
        }
        let keys = [
            "portico.io/proxy-connect-timeout", "portico.io/proxy-read-timeout", "portico.io/proxy-send-timeout",
            "portico.io/proxy-body-size", "portico.io/server-snippet", "portico.io/auth-url",
            "nginx.ingress.kubernetes.io/configuration-snippet", "kubernetes.io/ingress.class", "example.com/x",
            "nginx.ingress.kubernetes.io/whitelist-source-range", "nginx.ingress.kubernetes.io/denylist-source-range",
            "portico.io/allowlist-source-range", "nginx.ingress.kubernetes.io/canary", "nginx.ingress.kubernetes.io/proxy-read-timeout",
            "nginx.ingress.kubernetes.io/rewrite-target", "nginx.ingress.kubernetes.io/ssl-redirect",
            "portico.io/force-ssl-redirect", "nginx.ingress.kubernetes.io/permanent-redirect",
            "nginx.ingress.kubernetes.io/permanent-redirect-code", "portico.io/temporal-redirect",
            "nginx.ingress.kubernetes.io/temporal-redirect-code", "nginx.ingress.kubernetes.io/app-root",
            "nginx.ingress.kubernetes.io/proxy-buffering", "portico.io/proxy-request-buffering", "nginx.ingress.kubernetes.io/proxy-buffer-size",
            "nginx.ingress.kubernetes.io/proxy-buffers-number", "nginx.ingress.kubernetes.io/proxy-http-version",
            "nginx.ingress.kubernetes.io/proxy-next-upstream", "portico.io/proxy-next-upstream-tries",
            "nginx.ingress.kubernetes.io/proxy-next-upstream-timeout", "nginx.ingress.kubernetes.io/upstream-vhost",
            "nginx.ingress.kubernetes.io/x-forwarded-prefix", "nginx.ingress.kubernetes.io/enable-access-log",
            "nginx.ingress.kubernetes.io/backend-protocol", "portico.io/backend-protocol",
            "nginx.ingress.kubernetes.io/use-regex", "portico.io/use-regex", "portico.io/rewrite-target",
            "nginx.ingress.kubernetes.io/enable-cors", "nginx.ingress.kubernetes.io/cors-allow-origin", "portico.io/cors-allow-methods",
            "nginx.ingress.kubernetes.io/cors-allow-headers", "nginx.ingress.kubernetes.io/cors-expose-headers",
            "nginx.ingress.kubernetes.io/cors-max-age", "nginx.ingress.kubernetes.io/cors-allow-credentials",
            "nginx.ingress.kubernetes.io/limit-rps", "nginx.ingress.kubernetes.io/limit-rpm", "portico.io/limit-connections",
            "nginx.ingress.kubernetes.io/limit-burst-multiplier", "nginx.ingress.kubernetes.io/limit-whitelist",
            "portico.io/limit-allowlist", "nginx.ingress.kubernetes.io/limit-rate", "nginx.ingress.kubernetes.io/limit-rate-after",
            "nginx.ingress.kubernetes.io/server-alias", "portico.io/server-alias",
            "nginx.ingress.kubernetes.io/auth-type", "nginx.ingress.kubernetes.io/auth-secret", "portico.io/auth-secret-type",
            "nginx.ingress.kubernetes.io/auth-realm", "nginx.ingress.kubernetes.io/auth-url", "nginx.ingress.kubernetes.io/auth-method",
            "nginx.ingress.kubernetes.io/auth-signin", "nginx.ingress.kubernetes.io/auth-response-headers",
            "nginx.ingress.kubernetes.io/auth-request-redirect", "nginx.ingress.kubernetes.io/auth-always-set-cookie",
            "nginx.ingress.kubernetes.io/auth-signin-redirect-param", "nginx.ingress.kubernetes.io/auth-snippet",
            "nginx.ingress.kubernetes.io/auth-cache-key", "nginx.ingress.kubernetes.io/satisfy",
            "nginx.ingress.kubernetes.io/custom-http-errors", "portico.io/custom-http-errors", "nginx.ingress.kubernetes.io/default-backend",
            "portico.io/default-backend", "nginx.ingress.kubernetes.io/from-to-www-redirect", "portico.io/from-to-www-redirect",
            "nginx.ingress.kubernetes.io/auth-tls-secret", "portico.io/auth-tls-secret", "nginx.ingress.kubernetes.io/auth-tls-verify-client",
            "nginx.ingress.kubernetes.io/auth-tls-verify-depth", "nginx.ingress.kubernetes.io/auth-tls-error-page",
            "nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream",
            "nginx.ingress.kubernetes.io/proxy-ssl-secret", "nginx.ingress.kubernetes.io/proxy-ssl-verify", "portico.io/proxy-ssl-verify",
            "nginx.ingress.kubernetes.io/proxy-ssl-verify-depth", "nginx.ingress.kubernetes.io/proxy-ssl-name",
            "nginx.ingress.kubernetes.io/proxy-ssl-server-name", "nginx.ingress.kubernetes.io/proxy-ssl-ciphers",
            "nginx.ingress.kubernetes.io/proxy-ssl-protocols",
            "nginx.ingress.kubernetes.io/ssl-passthrough", "portico.io/ssl-passthrough",
        ]
        // TLS to the backend with the client certificate of `tls` or the authorities of `ca`.
        if chance(0.15) {
            a["nginx.ingress.kubernetes.io/backend-protocol"] = pick(["HTTPS", "GRPCS", "HTTP"])
            a[(chance(0.2) ? "portico.io/" : "nginx.ingress.kubernetes.io/") + "proxy-ssl-secret"] = pick([
                "default/tls", "default/ca", "team-a/ca", "tls", "default/tls" + pick(Self.payloads),
            ])
        }
        // TLS passthrough's annotation, true and not (valid or hostile values).
        if chance(0.4) { a[(chance(0.3) ? "portico.io/" : "nginx.ingress.kubernetes.io/") + "ssl-passthrough"] = pick(["true", "true", "1", "false", text()]) }
        // Client certificates from the Secret `ca`, with some of their settings.
        if chance(0.3) { a[(chance(0.2) ? "portico.io/" : "nginx.ingress.kubernetes.io/") + "auth-tls-secret"] = pick(["ca", "default/ca"]) }
        for _ in 0..<int(1..<4) {
            a[chance(0.9) ? pick(keys) : text()] = pick([
                "5", "30", "3600", "3601", "0", "1m", "8M", "10g", "1t", text(), "5" + pick(Self.payloads), "portico",
                "10.0.0.0/8", "0.0.0.0/0,::/0", "127.0.0.1, 2001:db8::1/64", "10.0.0.0/8" + pick(Self.payloads), "true", "false",
                "https://example.com/a?b=1", "http://[2001:db8::1]:8080/x", "https://a.test" + pick(Self.payloads), "308", "307",
                "/app", "/", "/app" + pick(Self.payloads), "on", "off", "1.0", "1.1", "16k", "error timeout http_502",
                "non_idempotent off", "api.internal", "api.internal:8080", "api.internal" + pick(Self.payloads),
                "error" + pick(Self.payloads), "HTTPS", "GRPC", "grpcs", "FCGI", "GRPC" + pick(Self.payloads), "/$1", "/$2/x", "$1", "/$host", "/$1" + pick(Self.payloads),
                "*", "https://a.example, https://*.b.example:8443", "null", "https://a.example" + pick(Self.payloads), "GET, POST",
                "X-Token,Content-Type", "X-A" + pick(Self.payloads),
                "basic", "digest", "users", "default/users", "team-a/users", "auth-map", "auth-file", "Realm - 1", "off",
                "http://auth.default.svc.cluster.local/verify?x=1", "https://$host/oauth2/auth", "http://$http_x/verify",
                "https://$host/oauth2/start?rd=$escaped_request_uri", "https://login.example/start", "X-Auth-User, X-Auth-Groups",
                "GET", "any", "all", "/next", "https://$host/x" + pick(Self.payloads),
                "404", "404,503", "401, 500,502 ,599", "399", "600", "404" + pick(Self.payloads), pick(Self.services), "web", "db",
                "missing", "db" + pick(Self.payloads),
                "ca", "default/ca", "ca" + pick(Self.payloads), "optional", "optional_no_ca", "on" + pick(Self.payloads), "2", "17",
                "default/tls", "HIGH:!aNULL:!MD5", "ECDHE-RSA-AES128-GCM-SHA256" + pick(Self.payloads), "TLSv1.2 TLSv1.3", "TLSv1.1",
                "TLSv1.3" + pick(Self.payloads), "backend.internal", "$proxy_host",
            ])
        }
        return a
    }

    mutating func ingress(index: Int) -> [String: Any] {
        let legacy = chance(0.2)
        var metadata: [String: Any] = ["name": name(["web", "api", "i\(index)", "shop"])]
        if chance(0.9) { metadata["namespace"] = name(Self.namespaces) }
        if let a = annotations() { metadata["annotations"] = a }
        if chance(0.5) {
            metadata["creationTimestamp"] = pick(["2026-01-01T00:00:00Z", "2025-06-01T12:00:00Z", text()])
        }
        if chance(0.2) { metadata["resourceVersion"] = pick(["1", "2", "10", text()]) }
        var spec: [String: Any] = [:]
        if chance(0.2) { spec["ingressClassName"] = pick(["portico", "other", text()]) }
        if chance(0.2) { spec[legacy ? "backend" : "defaultBackend"] = backend(legacy: legacy) }
        var rules: [[String: Any]] = []
        for _ in 0..<int(0..<4) {
            var rule: [String: Any] = [:]
            if let h = host() { rule["host"] = h }
            if chance(0.93) {
                rule["http"] = [
                    "paths": (0..<int(0..<5)).map { _ -> [String: Any] in
                        var p: [String: Any] = ["backend": backend(legacy: legacy)]
                        if let path = path() { p["path"] = path }
                        if !legacy || chance(0.3) {
                            p["pathType"] = pick(["Exact", "Prefix", "ImplementationSpecific", "Prefix", "exact", text()])
                        }
                        return p
                    }
                ]
            }
            rules.append(rule)
        }
        // Now and then a plain TLS passthrough rule (hostile hosts included): one host, its path / to a Service.
        if !legacy, chance(0.3) {
            metadata["annotations"] = ["nginx.ingress.kubernetes.io/ssl-passthrough": "true"]
            let backend: [String: Any] = chance(0.5) ? ["service": ["name": name(Self.services), "port": ["number": 80]]] : backend(legacy: false)
            rules = [["host": (chance(0.5) ? pick(["p.test", "b.test"]) : host()) ?? "p.test", "http": ["paths": [["path": "/", "pathType": "Prefix", "backend": backend]]]]]
        }
        spec["rules"] = rules
        if chance(0.3) {
            // Without hosts, an entry covers the Ingress's own.
            var entry: [String: Any] = ["secretName": pick(["tls", "w-tls", "tls", "w-tls", "../x", text()])]
            if chance(0.5) { entry["hosts"] = [host() ?? "a.test"] }
            spec["tls"] = [entry]
        }
        return [
            "apiVersion": legacy ? pick(["extensions/v1beta1", "networking.k8s.io/v1beta1"]) : "networking.k8s.io/v1",
            "kind": "Ingress", "metadata": metadata, "spec": spec,
        ]
    }

    mutating func service() -> [String: Any] {
        var spec: [String: Any] = [:]
        switch int(0..<8) {
        case 0:
            spec["type"] = "ExternalName"
            spec["externalName"] = chance(0.7) ? dnsName() : text()
        case 1: spec["clusterIP"] = "None"
        default: break
        }
        spec["ports"] = (0..<int(0..<3)).map { i -> [String: Any] in
            var p: [String: Any] = ["port": pick([80, 8080, 443, 18080, 0, 70000])]
            if chance(0.6) { p["name"] = pick(["http", "web", "grpc", text()]) }
            if chance(0.4) { p["targetPort"] = chance(0.5) ? pick([8080, 0, 9090]) as Any : pick(["http", text()]) as Any }
            return p
        }
        var metadata: [String: Any] = ["name": name(Self.services), "namespace": name(Self.namespaces)]
        if chance(0.4) { exposure(&metadata) }
        return ["apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec]
    }

    /// Valid certificates and keys (base64, as a Secret's data holds them) for `a.test` and
    /// `*.w.test`, made once per process: the Secrets `tls` and `w-tls` that `spec.tls` names.
    static let certificates: [(secret: String, crt: String, key: String)] = [("tls", "a.test"), ("w-tls", "*.w.test")].compactMap {
        secret, name in
        guard let bundle = try? SelfSignedCertificate.generate(commonName: name, now: Date()) else { return nil }
        return (secret, Data(bundle.chainPEM.utf8).base64EncodedString(), Data(bundle.keyPEM.utf8).base64EncodedString())
    }

    mutating func secret() -> [String: Any] {
        let certificate = pick(Self.certificates)
        var data = ["tls.crt": certificate.crt, "tls.key": certificate.key]
        if chance(0.1) { data["tls.key"] = pick(Self.certificates).key }  // a key of another certificate
        if chance(0.05) { data["tls.crt"] = text() }
        return [
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": ["name": certificate.secret, "namespace": chance(0.5) ? "default" : name(Self.namespaces)], "data": data,
        ]
    }

    /// `users`, which basic authentication names: an htpasswd file or an auth-map, valid or not.
    mutating func authSecret() -> [String: Any] {
        let hash = "$apr1$portico2$EMiGvozVb/G62rIKUB8D61"
        let data: [String: String] = pick([
            ["auth": "alice:\(hash)\n"], ["alice": hash, "bob": "{SHA}t6h1/B6iKLkGEEG3zsS9PFKrPOM="], ["auth": "alice:plain\n"],
            ["auth": "alice:\(hash)\n" + pick(Self.payloads)], [pick(Self.payloads): hash],
        ])
        return [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "users", "namespace": chance(0.6) ? "default" : name(Self.namespaces)],
            "stringData": data,
        ]
    }

    /// `ca`, which client certificates name: a certificate as its authority, or text around one,
    /// one that is not PEM, a key, or with a revocation list.
    mutating func authoritiesSecret(namespace: String) -> [String: Any] {
        let certificate = pick(Self.certificates)
        let pem = String(decoding: Data(base64Encoded: certificate.crt) ?? Data(), as: UTF8.self)
        let data: [String: String] = pick([
            ["ca.crt": pem], ["ca.crt": pick(Self.payloads) + "\n" + pem + pick(Self.payloads)], ["ca.crt": text()],
            ["ca.crt": String(decoding: Data(base64Encoded: certificate.key) ?? Data(), as: UTF8.self)], ["ca.crt": pem, "ca.crl": text()],
            // proxy-ssl-secret's: a client certificate beside the authorities.
            ["ca.crt": pem, "tls.crt": pem, "tls.key": String(decoding: Data(base64Encoded: certificate.key) ?? Data(), as: UTF8.self)],
        ])
        return [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "ca", "namespace": namespace],
            "stringData": data,
        ]
    }

    mutating func canaryPair() -> (main: [String: Any], canary: [String: Any]) {
        func to(_ service: String, _ rules: [[String: Any]]) -> [[String: Any]] {
            rules.map { rule in
                var rule = rule
                if var http = rule["http"] as? [String: Any], let paths = http["paths"] as? [[String: Any]] {
                    http["paths"] = paths.map { p -> [String: Any] in
                        var p = p
                        p["backend"] = ["service": ["name": service, "port": ["number": 80]]]
                        return p
                    }
                    rule["http"] = http
                }
                return rule
            }
        }
        var main = ingress(index: 99)
        var metadata = main["metadata"] as? [String: Any] ?? [:]
        metadata["name"] = "twin"
        metadata["namespace"] = "default"
        metadata.removeValue(forKey: "annotations")
        main["metadata"] = metadata
        var spec = main["spec"] as? [String: Any] ?? [:]
        spec.removeValue(forKey: "ingressClassName")
        let rules = spec["rules"] as? [[String: Any]] ?? []
        spec["rules"] = to("twin-main", rules)
        main["spec"] = spec
        var annotations = ["nginx.ingress.kubernetes.io/canary": "true"]
        if chance(0.7) { annotations["nginx.ingress.kubernetes.io/canary-by-header"] = pick(["X-Canary", "x_canary", "X-Canary" + pick(Self.payloads)]) }
        if chance(0.4) {
            annotations[pick(["nginx.ingress.kubernetes.io/canary-by-header-value", "nginx.ingress.kubernetes.io/canary-by-header-pattern"])] =
                pick(["v1.2 beta", "^Do[A-Z][a-z]+y$", "[][**da?$&*", "x$portico_upstream${host}", "v" + pick(Self.payloads)])
        }
        if chance(0.5) { annotations["nginx.ingress.kubernetes.io/canary-by-cookie"] = pick(["beta", "my-cookie", "c" + pick(Self.payloads)]) }
        if chance(0.6) { annotations["nginx.ingress.kubernetes.io/canary-weight"] = pick(["0", "30", "100", "1", text()]) }
        if chance(0.2) { annotations["nginx.ingress.kubernetes.io/canary-weight-total"] = pick(["200", "10", "300"]) }
        var canary = main
        canary["metadata"] = ["name": "twin-canary", "namespace": "default", "annotations": annotations]
        spec["rules"] = to(chance(0.9) ? "twin-canary" : "twin-main", rules)
        canary["spec"] = spec
        return (main, canary)
    }

    mutating func objects() -> [[String: Any]] {
        var objects = (0..<int(0..<5)).map { _ in service() }
        if !Self.certificates.isEmpty { objects += (0..<int(0..<4)).map { _ in secret() } }
        if chance(0.3) { objects.append(authSecret()) }
        if chance(0.3) { objects.append(streamConfigMap(ManifestFuzzer.tcpServices)) }
        if chance(0.15) { objects.append(streamConfigMap(ManifestFuzzer.udpServices)) }
        if chance(0.4) { objects.append(globalConfigMap()) }
        if chance(0.7), !Self.certificates.isEmpty { objects += Self.namespaces.map { authoritiesSecret(namespace: $0) } }
        let ingresses = (0..<int(1..<5)).map { ingress(index: $0) }
        objects += ingresses
        if chance(0.15), let dup = ingresses.first { objects.append(dup) }
        // A main Ingress and its canary: the same rules (so that the canary's paths find their
        // main routes), each to a Service that exists, and hostile or odd canary settings.
        if chance(0.3) {
            let (main, canary) = canaryPair()
            objects += [main, canary] + ["twin-main", "twin-canary"].map { name in
                ["apiVersion": "v1", "kind": "Service", "metadata": ["name": name, "namespace": "default"], "spec": ["ports": [["port": 80]]]]
            }
        }
        if chance(0.1) {
            objects.append([
                "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": ["name": pick(["portico", "other"])],
                "spec": ["controller": pick(["portico.io/ingress-controller", "example.com/other"])],
            ])
        }
        objects.shuffle(using: &g)
        return objects
    }

    mutating func objectsText() -> String {
        let objects = objects()
        if chance(0.5) {
            let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
        return objects.map { (try? Yams.dump(object: $0)) ?? "" }.joined(separator: "---\n")
    }

    /// Byte-level edits of manifest text: hostile fragments inserted, lines duplicated or dropped,
    /// characters replaced.
    mutating func mutate(_ text: String) -> String {
        var chars = Array(text.unicodeScalars)
        for _ in 0..<int(1..<6) {
            let at = chars.isEmpty ? 0 : int(0..<chars.count)
            switch int(0..<6) {
            case 0: chars.insert(contentsOf: pick(Self.payloads).unicodeScalars, at: at)
            case 1: chars.insert(contentsOf: self.text(maxLength: 4).unicodeScalars, at: at)
            case 2 where !chars.isEmpty: chars.remove(at: at)
            case 3 where !chars.isEmpty: chars[at] = pick(pick(Self.bytes)).unicodeScalars.first ?? "x"
            default:
                var lines = String(String.UnicodeScalarView(chars)).split(separator: "\n", omittingEmptySubsequences: false)
                guard !lines.isEmpty else { continue }
                let i = int(0..<lines.count)
                if chance(0.5) { lines.insert(lines[i], at: i) } else { lines.remove(at: i) }
                chars = Array(lines.joined(separator: "\n").unicodeScalars)
            }
        }
        return String(String.UnicodeScalarView(chars))
    }
}
