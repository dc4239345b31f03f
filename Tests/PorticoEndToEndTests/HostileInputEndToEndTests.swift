import Foundation
import TestSupport
import Testing

/// Objects whose strings try to break out of nginx.conf. The config must still pass `nginx -t`,
/// every hostile object must be reported, nothing injected may take effect, and the benign routes
/// in the same render must keep answering.
@Suite("End to end: hostile input")
struct HostileInputEndToEndTests {
    static func ingress(
        _ name: String, namespace: String = "default", host: String?, path: String = "/",
        service: String = "app", annotations: [String: String] = [:]
    ) -> [String: Any] {
        var rule: [String: Any] = [
            "http": [
                "paths": [
                    [
                        "path": path, "pathType": "Prefix",
                        "backend": ["service": ["name": service, "port": ["number": "PORT"]]],
                    ]
                ]
            ]
        ]
        if let host { rule["host"] = host }
        var metadata: [String: Any] = ["name": name, "namespace": namespace]
        if !annotations.isEmpty { metadata["annotations"] = annotations }
        return [
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata,
            "spec": ["rules": [rule]],
        ]
    }

    static let longString = String(repeating: "a", count: 10_000)

    /// The hostile objects, with the field each diagnostic must name.
    static func hostile() -> [(object: [String: Any], reference: String, field: String)] { [
        (ingress("evil-path", host: "evil-path.test", path: "/x;} location /etc { alias /etc/; } #"),
         "ingress default/evil-path", "spec.rules[0].http.paths[0].path"),
        (ingress("evil-host", host: "a.com;\n  return 200 pwned"),
         "ingress default/evil-host", "spec.rules[0].host"),
        (ingress("evil-service", host: "evil-service.test", service: "app\"; return 200 pwned; #"),
         "ingress default/evil-service", "spec.rules[0].http.paths[0].backend"),
        (ingress("evil{name}", host: "evil-name.test"),
         "ingress default/\"evil{name}\"", "metadata.name"),
        (ingress("evil-namespace", namespace: "ns'; return 200 pwned; #", host: "evil-namespace.test"),
         "ingress \"ns'; return 200 pwned; #\"/evil-namespace", "metadata.namespace"),
        (ingress("evil-chars", host: "evil-chars.test", path: "/a$b\\c\"d'e\rf"),
         "ingress default/evil-chars", "spec.rules[0].http.paths[0].path"),
        (ingress("evil-newline", host: "evil-newline.test", path: "/a\n  return 200 pwned;"),
         "ingress default/evil-newline", "spec.rules[0].http.paths[0].path"),
        (ingress("evil-long-path", host: "long.test", path: "/" + longString),
         "ingress default/evil-long-path", "spec.rules[0].http.paths[0].path"),
        (ingress("evil-long-host", host: String(repeating: "h", count: 300) + ".test"),
         "ingress default/evil-long-host", "spec.rules[0].host"),
        (ingress(
            "evil-annotations", host: "annotated.test",
            annotations: [
                "nginx.ingress.kubernetes.io/configuration-snippet": "return 200 pwned;",
                "portico.io/proxy-body-size": "1m; return 200 pwned",
                "portico.io/proxy-read-timeout": "5;}\n server { listen 80; return 200 pwned; }",
            ]),
         "ingress default/evil-annotations", "metadata.annotations"),
    ] }

    static func manifests() throws -> String {
        let service: [String: Any] = [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": "app", "namespace": "default"],
            "spec": ["ports": [["port": "PORT"]]],
        ]
        let items = [service, ingress("benign", host: "benign.test")] + hostile().map(\.object)
        let list: [String: Any] = ["apiVersion": "v1", "kind": "List", "items": items]
        let data = try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])
        // Ports are numbers: "PORT" becomes the backend port without quotes.
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"PORT\"", with: "PORT")
    }

    @Test func hostileObjectsAreReportedAndCannotInjectConfiguration() throws {
        let stage = try Stage(manifests: try Self.manifests(), services: ["app"], json: true)
        defer { stage.stop() }

        // Stage already ran `nginx -t` and started nginx: the config is valid. Now the reports.
        for entry in Self.hostile() {
            #expect(
                stage.diagnostics.contains { $0.contains(entry.reference) && $0.contains(entry.field) },
                "no diagnostic naming \(entry.reference) and \(entry.field):\n\(stage.diagnostics.joined(separator: "\n"))")
        }
        for line in stage.diagnostics {
            #expect(!line.contains("\n") && !line.contains("\r"), "diagnostic spans lines: \(line)")
            #expect(line.utf8.count < 1000, "diagnostic not cut: \(line.prefix(200))…")
        }
        // Nothing from the objects' strings appears as configuration.
        #expect(!stage.config.contains("pwned"), "\(stage.config)")
        #expect(!stage.config.contains("alias"), "\(stage.config)")

        // The benign route answers.
        #expect(try stage.who("benign.test", "/anything") == "app", "\(stage.context)")

        // The injections do not work.
        let attempts: [(host: String, target: String)] = [
            ("evil-path.test", "/etc/passwd"),
            ("benign.test", "/etc/passwd"),
            ("unknown.test", "/etc/passwd"),
            ("evil-path.test", "/x"),
            ("a.com", "/"),
            ("evil-service.test", "/"),
            ("evil-name.test", "/"),
            ("evil-namespace.test", "/"),
            ("evil-newline.test", "/a"),
            ("annotated.test", "/"),
        ]
        for attempt in attempts {
            let response = try stage.request(attempt.target, host: attempt.host)
            #expect(!response.text.contains("root:"), "\(attempt): \(response.text.prefix(300))")
            #expect(!response.text.contains("pwned"), "\(attempt): \(response.text.prefix(300))")
            // Either a backend answered or nginx refused; never a 200 made up by nginx.
            #expect(
                response.status != 200 || response.backend != nil,
                "\(attempt): \(response.status) \(response.text.prefix(300))")
        }
        // Hostile annotations are ignored, the Ingress itself is still served.
        #expect(try stage.who("annotated.test", "/") == "app", "\(stage.context)")
    }
}
