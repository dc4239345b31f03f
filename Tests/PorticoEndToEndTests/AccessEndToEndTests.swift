import Foundation
import TestSupport
import Testing

/// ingress-nginx's source-range annotations on real nginx: the client here is 127.0.0.1.
@Suite("End to end: source ranges")
struct AccessEndToEndTests {
    static func ingress(_ name: String, host: String, _ annotations: [String: String]) -> String {
        let lines = annotations.sorted { $0.key < $1.key }.map { "    \($0.key): \"\($0.value)\"" }.joined(separator: "\n")
        return """
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: \(name)
              annotations:
            \(lines)
            spec:
              rules:
              - host: \(host)
                http:
                  paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: PORT}}}}
                  - {path: /exact, pathType: Exact, backend: {service: {name: web, port: {number: PORT}}}}

            """
    }

    @Test func sourceRangesAdmitAndRefuseByClientAddress() throws {
        let allow = "nginx.ingress.kubernetes.io/whitelist-source-range"
        let deny = "nginx.ingress.kubernetes.io/denylist-source-range"
        let manifests = """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {ports: [{port: PORT}]}

            """
            + Self.ingress("loopback", host: "loopback.test", [allow: "127.0.0.1/32"])
            + Self.ingress("private", host: "private.test", [allow: "10.0.0.0/8,192.168.0.0/16"])
            // cert-manager's HTTP-01 solver, written unquoted as kubectl prints it.
            + Self.ingress("solver", host: "solver.test", [allow: "0.0.0.0/0,::/0"]).replacingOccurrences(
                of: "\"0.0.0.0/0,::/0\"", with: "0.0.0.0/0,::/0")
            + Self.ingress("denied", host: "denied.test", [deny: "127.0.0.0/8"])
            + Self.ingress("both", host: "both.test", [allow: "127.0.0.0/8", deny: "127.0.0.1"])
            + Self.ingress("unreadable", host: "unreadable.test", [allow: "127.0.0.1;allow all"])
        let stage = try Stage(manifests: manifests, services: ["web"])
        defer { stage.stop() }
        let expected: [(String, String)] = [
            ("loopback.test", "web"), ("private.test", "403"), ("solver.test", "web"), ("denied.test", "403"),
            ("both.test", "403"), ("unreadable.test", "403"),
        ]
        for (host, who) in expected {
            for target in ["/", "/exact", "/some/deeper/path"] {
                #expect(try stage.who(host, target) == who, "\(host)\(target)\n\(stage.context)")
            }
        }
        #expect(stage.diagnostics.contains { $0.contains("ingress default/unreadable") && $0.contains("refused (403)") })
        #expect(stage.diagnostics.filter { $0.hasPrefix("warning: ") }.count == 1, "\(stage.diagnostics)")
    }
}
