import Foundation
import Testing
import TestSupport

/// `portico run` writing Gateway API status to a real kube-apiserver with the CRDs of
/// Tests/Support/gateway-api, through rc.yaml's RBAC, read back with kubectl: the GatewayClass
/// accepted, the Gateway accepted and programmed with its listener's attachedRoutes and address,
/// each HTTPRoute's parent entry with the specification's reasons and the route's generation; an
/// edit moves observedGeneration and the changed condition only; another controller's parent entry
/// stays; nothing is written again while nothing changes; and a second replica, not the leader,
/// writes nothing.
@Suite(
    "End to end: Gateway API status on a real kube-apiserver", .serialized,
    .enabled(if: PorticoBinary.path != nil, "portico is not built"),
    .enabled(if: RealAPIServer.isAvailable, Comment(rawValue: RealAPIServer.unavailableReason ?? "")),
    .timeLimit(.minutes(5)))
struct RealAPIServerGatewayStatusEndToEndTests {
    static let controller = "portico.io/gateway-controller"

    static let manifests = """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: default}
        spec: {ports: [{name: http, port: PORT}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: portico}
        spec: {controllerName: \(controller)}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: other}
        spec: {controllerName: example.com/other}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec:
          gatewayClassName: portico
          listeners:
          - {name: http, port: 80, protocol: HTTP}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: attached, namespace: default}
        spec:
          parentRefs: [{name: edge}]
          rules:
          - backendRefs: [{name: web, port: PORT}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: nosection, namespace: default}
        spec:
          parentRefs: [{name: edge, sectionName: nope}]
          rules:
          - backendRefs: [{name: web, port: 80}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: nobackend, namespace: default}
        spec:
          parentRefs: [{name: edge}]
          rules:
          - backendRefs: [{name: missing, port: 80}]
        """

    static func value(_ object: Any?, _ path: String) -> Any? {
        var current = object
        for part in path.split(separator: ".") {
            if let index = Int(part) {
                guard let array = current as? [Any], index < array.count else { return nil }
                current = array[index]
            } else {
                current = (current as? [String: Any])?[String(part)]
            }
        }
        return current
    }

    /// `Type=Status/Reason@observedGeneration` of each condition at `path`.
    static func conditions(_ object: Any?, _ path: String) -> [String] {
        (value(object, path) as? [[String: Any]] ?? []).map { c in
            "\(c["type"] ?? "")=\(c["status"] ?? "")/\(c["reason"] ?? "")@\(c["observedGeneration"].map { "\($0)" } ?? "-")"
        }
    }

    static func condition(_ object: Any?, _ path: String, _ type: String) -> [String: Any]? {
        (value(object, path) as? [[String: Any]] ?? []).first { $0["type"] as? String == type }
    }

    @Test func statusIsWrittenReadBackAndNotRewritten() async throws {
        let server = try RealAPIServer()
        defer { server.stop() }
        try server.installGatewayAPI()
        try server.kubectl(["apply", "-f", RealAPIServerRunEndToEndTests.rcYAML.path])
        let runtime = try TemporaryDirectory("portico-real-gateway")
        let token = try server.serviceAccountToken(namespace: "ingress", name: "portico")
        let kubeconfig = try server.writeKubeconfig(
            to: runtime.file("kubeconfig"), token: token, namespace: "ingress")
        // The route's Service answers on its own address, as nginx resolves its cluster name.
        let backendPort = try Ports.free()
        let web = try EchoBackend(name: "web", address: "127.0.0.61", port: backendPort)
        defer { web.stop() }
        try server.kubectl(["apply", "-f", "-"], input: Self.manifests.replacingOccurrences(of: "PORT", with: "\(backendPort)"))

        let dns = try DNSServer(["web.default.svc.cluster.local": web.address])
        defer { dns.stop() }
        guard let binary = PorticoBinary.path else { throw TestSupportError("portico is not built") }
        /// A replica on ports of its own; returns it and its health port.
        func replica(_ identity: String) throws -> (ChildProcess, healthPort: Int, httpPort: Int) {
            let httpPort = try Ports.free(), healthPort = try Ports.free(), statusPort = try Ports.free()
            let process = try ChildProcess(
                binary,
                [
                    "run", "--kubeconfig", kubeconfig.path, "--http-port", "\(httpPort)", "--no-https",
                    "--bind-address", "127.0.0.1", "--resolver", dns.resolverAddress,
                    "--health-port", "\(healthPort)", "--health-address", "127.0.0.1", "--status-port",
                    "\(statusPort)",
                    "--runtime-dir", runtime.file("nginx-\(identity)").path, "--sync-window-ms", "20",
                    "--shutdown-grace", "10",
                    "--publish-status-address", "127.0.0.9", "--election-identity", identity,
                ], name: identity, logDirectory: runtime.url)
            return (process, healthPort, httpPort)
        }
        let (portico, healthPort, httpPort) = try replica("replica-a")
        defer { portico.stop(grace: 15) }
        let log = { portico.stderr + portico.stdout }
        func metric(_ line: String, port: Int) throws -> String {
            let metrics = try HTTPProbe.get("/metrics", host: "localhost", port: port, timeout: 3).text
            return metrics.split(separator: "\n").first { $0.hasPrefix(line + " ") }.map(String.init)
                ?? "none"
        }
        func route(_ name: String) throws -> [String: Any] { try server.getJSON(["httproute", name]) }
        func ours(_ route: [String: Any]) -> [String: Any]? {
            (Self.value(route, "status.parents") as? [[String: Any]] ?? []).first {
                $0["controllerName"] as? String == Self.controller
            }
        }

        // Everything reported, each condition with the generation it was made from.
        try await eventually(
            timeout: .seconds(40), poll: .milliseconds(200), "status never complete: \(log())"
        ) {
            let routes = try ["attached", "nosection", "nobackend"].map(route)
            let gateway = try server.getJSON(["gateway", "edge"])
            return routes.allSatisfy { ours($0) != nil }
                && Self.conditions(gateway, "status.conditions").first == "Accepted=True/Accepted@1"
        }
        // The HTTPRoute is served: its Service answers a request for any host (the route names none).
        try await eventually(timeout: .seconds(30), poll: .milliseconds(200), "the route never served: \(log())") {
            (try? HTTPProbe.request(port: httpPort, host: "any.test", method: "GET", target: "/x", headers: [], body: nil).backend) == "web"
        }
        // A second replica, started once the first leads: it serves, plans, and writes nothing.
        let (follower, followerHealth, _) = try replica("replica-b")
        defer { follower.stop(grace: 15) }
        try await eventually(timeout: .seconds(30), "replica-b never ready: \(follower.stderr)") {
            (try? HTTPProbe.get("/readyz", host: "localhost", port: followerHealth, timeout: 2).status) == 200
        }

        let gatewayClass = try server.getJSON(["gatewayclass", "portico"])
        #expect(Self.conditions(gatewayClass, "status.conditions") == ["Accepted=True/Accepted@1"])
        let other = try server.getJSON(["gatewayclass", "other"])
        #expect(
            Self.value(other, "status.conditions.0.reason") as? String != "Accepted",
            "another controller's class was touched")

        let gateway = try server.getJSON(["gateway", "edge"])
        #expect(
            Self.conditions(gateway, "status.conditions") == [
                "Accepted=True/Accepted@1", "Programmed=True/Programmed@1",
            ])
        #expect(Self.value(gateway, "status.addresses.0.type") as? String == "IPAddress")
        #expect(Self.value(gateway, "status.addresses.0.value") as? String == "127.0.0.9")
        #expect(Self.value(gateway, "status.listeners.0.name") as? String == "http")
        // attached and nobackend attach (a missing backend is ResolvedRefs, not Accepted); nosection does not.
        #expect(Self.value(gateway, "status.listeners.0.attachedRoutes") as? Int == 2)
        #expect(Self.value(gateway, "status.listeners.0.supportedKinds.0.kind") as? String == "HTTPRoute")
        #expect(
            Self.conditions(gateway, "status.listeners.0.conditions")
                == [
                    "Accepted=True/Accepted@1", "ResolvedRefs=True/ResolvedRefs@1",
                    "Programmed=True/Programmed@1",
                ])

        let attached = try route("attached")
        #expect(
            Self.conditions(ours(attached), "conditions") == [
                "Accepted=True/Accepted@1", "ResolvedRefs=True/ResolvedRefs@1",
            ])
        #expect(Self.value(ours(attached), "parentRef.name") as? String == "edge")
        #expect(Self.value(ours(attached), "parentRef.kind") as? String == "Gateway")
        #expect(
            Self.conditions(ours(try route("nosection")), "conditions")
                == ["Accepted=False/NoMatchingParent@1", "ResolvedRefs=True/ResolvedRefs@1"])
        #expect(Self.value(ours(try route("nosection")), "parentRef.sectionName") as? String == "nope")
        #expect(
            Self.conditions(ours(try route("nobackend")), "conditions")
                == ["Accepted=True/Accepted@1", "ResolvedRefs=False/BackendNotFound@1"])
        // kubectl's view of the same.
        #expect(
            try server.kubectl([
                "get", "httproute", "nobackend", "-o",
                #"jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].reason}"#,
            ]) == "BackendNotFound")

        // Another controller's entry, written beside ours as that controller would.
        let theirs: [String: Any] = [
            "parentRef": ["group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "elsewhere"],
            "controllerName": "example.com/other",
            "conditions": [
                [
                    "type": "Accepted", "status": "True", "reason": "Accepted", "message": "theirs",
                    "lastTransitionTime": "2020-01-01T00:00:00Z", "observedGeneration": 1,
                ]
            ],
        ]
        let parents = (Self.value(attached, "status.parents") as? [[String: Any]] ?? []) + [theirs]
        let patched = try server.request(
            "PATCH", "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/attached/status",
            json: ["status": ["parents": parents]], contentType: "application/merge-patch+json")
        #expect(patched.status == 200, "\(patched.text)")

        // An edit: the backend goes. observedGeneration moves to 2 on both conditions, ResolvedRefs
        // turns False; Accepted keeps its transition time; the other controller's entry stays.
        let acceptedAt =
            Self.condition(ours(attached), "conditions", "Accepted")?["lastTransitionTime"] as? String
        try server.kubectl([
            "patch", "httproute", "attached", "--type", "merge", "-p",
            #"{"spec":{"rules":[{"backendRefs":[{"name":"missing","port":80}]}]}}"#,
        ])
        try await eventually(
            timeout: .seconds(30), poll: .milliseconds(200), "the edit never reported: \(log())"
        ) {
            Self.conditions(ours(try route("attached")), "conditions") == [
                "Accepted=True/Accepted@2", "ResolvedRefs=False/BackendNotFound@2",
            ]
        }
        // ...and nginx answers 500 for it now: no route has a backend left.
        try await eventually(timeout: .seconds(30), poll: .milliseconds(200), "the edit never served: \(log())") {
            (try? HTTPProbe.request(port: httpPort, host: "any.test", method: "GET", target: "/x", headers: [], body: nil).status) == 500
        }
        let edited = try route("attached")
        #expect(Self.value(edited, "metadata.generation") as? Int == 2)
        #expect(
            Self.condition(ours(edited), "conditions", "Accepted")?["lastTransitionTime"] as? String
                == acceptedAt)
        let kept = (Self.value(edited, "status.parents") as? [[String: Any]] ?? []).filter {
            $0["controllerName"] as? String == "example.com/other"
        }
        #expect(kept.count == 1)
        #expect(Self.value(kept.first, "conditions.0.message") as? String == "theirs")
        #expect(
            Self.value(try server.getJSON(["gateway", "edge"]), "status.listeners.0.attachedRoutes") as? Int
                == 2)

        // Nothing changes: nothing is written. An Ingress created now makes the controller reconcile
        // and the reporter pass again; a pass writes Gateway API status before Ingress status, so
        // once the Ingress has its status that pass is done with the Gateway API objects, which keep
        // their resourceVersions, and the write counter stays.
        func versions() throws -> [String] {
            try [
                "gatewayclass portico", "gateway edge", "httproute attached", "httproute nosection",
                "httproute nobackend",
            ].map {
                try server.kubectl(
                    ["get"] + $0.split(separator: " ").map(String.init) + [
                        "-o", "jsonpath={.metadata.resourceVersion}",
                    ])
            }
        }
        let successes = #"portico_gateway_status_writes_total{result="success"}"#
        func writes() throws -> String { try metric(successes, port: healthPort) }
        let before = try versions(), writesBefore = try writes()
        try server.kubectl(
            ["apply", "-f", "-"],
            input: """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: site, namespace: default}
                spec:
                  ingressClassName: portico
                  rules:
                  - host: a.test
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
                """)
        try await eventually(
            timeout: .seconds(20), poll: .milliseconds(200), "no Ingress status written: \(log())"
        ) {
            try server.kubectl([
                "get", "ingress", "site", "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}",
            ]) == "127.0.0.9"
        }
        #expect(try versions() == before, "status rewritten with nothing changed: \(log())")
        #expect(try writes() == writesBefore)
        #expect(!log().lowercased().contains("forbidden"), "portico was refused something: \(log())")
        #expect(!log().contains("status write failed"), "\(log())")
        #expect(
            try metric(#"portico_objects{kind="httproute"}"#, port: healthPort)
                == #"portico_objects{kind="httproute"} 3"#)
        #expect(
            try metric(#"portico_objects{kind="gatewayclass"}"#, port: healthPort)
                == #"portico_objects{kind="gatewayclass"} 2"#)
        // Only the leader wrote: the follower, which saw the same edit, wrote nothing.
        #expect(try metric("portico_leader", port: healthPort) == "portico_leader 1")
        #expect(try metric("portico_leader", port: followerHealth) == "portico_leader 0")
        #expect(try metric(successes, port: followerHealth) == successes + " 0")
        #expect(try writes() != successes + " 0")
    }
}
