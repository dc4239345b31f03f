import PorticoRouting

extension HostileCorpus {
    /// `proxy-ssl-*`: the Secret's reference becomes file names, the other values directives of a
    /// named location, the Secret's content files. A reference with characters ingress-nginx
    /// refuses leaves the Ingress out; one that is no namespace/name, or a Secret that holds no
    /// certificate, key or authorities Portico can read, answers 503; every other value is
    /// ignored (its default applies). Nothing is ever proxied without what was asked for.
    static var proxySSLCase: HostileCase {
        func tls(_ name: String, _ annotations: [String: String]) -> [String: Any] {
            let all = annotations.merging(["backend-protocol": "HTTPS"]) { a, _ in a }
            return ingress(name, annotations: all.reduce(into: [:]) { $0["nginx.ingress.kubernetes.io/" + $1.key] = $1.value }, rules: [("\(name).test", [path("/")])])
        }
        let leftOut = [
            ("proxy-ssl-quote", "default/x\"; proxy_ssl_verify off; #"), ("proxy-ssl-newline", "default/x\n  proxy_ssl_verify off;"),
            ("proxy-ssl-variable", "default/$http_x_secret"), ("proxy-ssl-brace", "default/x;}}}load_module /tmp/evil.so;"),
        ]
        let unavailable = [("proxy-ssl-traversal", "../../etc/shadow"), ("proxy-ssl-braces", "default/braces"), ("proxy-ssl-bare", "braces")]
        let values = [
            "proxy-ssl-verify": "on; proxy_ssl_verify off", "proxy-ssl-verify-depth": "1;\n  proxy_ssl_verify off;",
            "proxy-ssl-name": "a.test\"; proxy_pass http://169.254.169.254; #", "proxy-ssl-server-name": "on}",
            "proxy-ssl-ciphers": "HIGH;\nload_module /tmp/evil.so", "proxy-ssl-protocols": "TLSv1.2; ${pwned}",
        ]
        let braces: [String: Any] = [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "braces", "namespace": "default"],
            "stringData": [
                "tls.crt": "}\nload_module /tmp/evil.so;\n", "tls.key": "-----BEGIN PRIVATE KEY-----\n}\n-----END PRIVATE KEY-----\n",
                "ca.crt": pem("CERTIFICATE", "}; proxy_ssl_verify off;"),
            ],
        ]
        func field(_ name: String) -> String { "metadata.annotations[\"nginx.ingress.kubernetes.io/\(name)\"]" }
        return HostileCase(
            cve: "CVE-2025-1097", name: "proxy-ssl-payload",
            manifest: json(
                [braces] + leftOut.map { tls($0.0, ["proxy-ssl-secret": $0.1]) } + unavailable.map { tls($0.0, ["proxy-ssl-secret": $0.1]) }
                    + [tls("proxy-ssl-values", values.merging(["proxy-ssl-secret": "default/braces"]) { a, _ in a })]),
            diagnostics: leftOut.map { ExpectedDiagnostic(.accessControlNotHonoured, "ingress default/\($0.0)", field("proxy-ssl-secret")) }
                + unavailable.map { ExpectedDiagnostic(.authUnavailable, "ingress default/\($0.0)", field("proxy-ssl-secret")) }
                + values.keys.sorted().map { ExpectedDiagnostic(.invalidAnnotation, "ingress default/proxy-ssl-values", field($0)) },
            // The 503s: served, answering 503.
            served: (unavailable.map(\.0) + ["proxy-ssl-values"]).map { "\($0).test prefix /" },
            probes: leftOut.map { ("\($0.0).test", "/") } + (unavailable.map(\.0) + ["proxy-ssl-values"]).map { ("\($0).test", "/etc/passwd") },
            answers: Dictionary(uniqueKeysWithValues: (unavailable.map(\.0) + ["proxy-ssl-values"]).map { ("\($0).test", "503") }))
    }
}
