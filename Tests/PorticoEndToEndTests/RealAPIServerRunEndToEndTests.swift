import Foundation
import Testing
import TestSupport

/// `portico run` against a real kube-apiserver, as rc.yaml deploys it: Portico's ServiceAccount
/// and RBAC, a token from the TokenRequest API, real nginx, dnsmasq for `*.svc.cluster.local` and
/// an echo backend on loopback. An Ingress created with kubectl is served, its status written
/// back by the leader, and a deletion unserves it. The server has no Gateway API CRDs, which
/// `portico run` watches by default: it says so once and serves the Ingress all the same.
@Suite(
    "End to end: portico run on a real kube-apiserver", .serialized,
    .enabled(if: PorticoBinary.path != nil, "portico is not built"),
    .enabled(if: RealAPIServer.isAvailable, Comment(rawValue: RealAPIServer.unavailableReason ?? "")),
    .timeLimit(.minutes(5)))
struct RealAPIServerRunEndToEndTests {
    static let rcYAML = PorticoBinary.packageRoot.appendingPathComponent("rc.yaml")

    @Test func anIngressCreatedWithKubectlIsServed() async throws {
        let server = try RealAPIServer()
        defer { server.stop() }
        try server.kubectl(["apply", "-f", Self.rcYAML.path])
        let runtime = try TemporaryDirectory("portico-real-run")
        let token = try server.serviceAccountToken(namespace: "ingress", name: "portico")
        let kubeconfig = try server.writeKubeconfig(to: runtime.file("kubeconfig"), token: token, namespace: "ingress")

        let backendPort = try Ports.free()
        let backends = try EchoBackend.start(["web"], port: backendPort, firstHost: 40)
        defer { backends.forEach { $0.stop() } }
        let dns = try DNSServer(["web.default.svc.cluster.local": backends[0].address])
        defer { dns.stop() }
        let httpPort = try Ports.free(), healthPort = try Ports.free(), statusPort = try Ports.free()
        let httpsPort = try Ports.free()
        guard let binary = PorticoBinary.path else { throw TestSupportError("portico is not built") }
        let portico = try ChildProcess(
            binary,
            [
                "run", "--kubeconfig", kubeconfig.path, "--http-port", "\(httpPort)", "--https-port", "\(httpsPort)",
                "--bind-address", "127.0.0.1", "--resolver", dns.resolverAddress,
                "--health-port", "\(healthPort)", "--health-address", "127.0.0.1", "--status-port", "\(statusPort)",
                "--runtime-dir", runtime.file("nginx").path, "--sync-window-ms", "20", "--shutdown-grace", "10",
                "--publish-status-address", "127.0.0.9", "--election-identity", "replica-a",
            ], name: "portico", logDirectory: runtime.url)
        defer { portico.stop(grace: 15) }
        let log = { portico.stderr + portico.stdout }
        func who(_ host: String) -> String {
            guard let response = try? HTTPProbe.get("/", host: host, port: httpPort, timeout: 3) else { return "no answer" }
            if response.status == 200, let echo = try? response.echo() { return echo.backend }
            return "\(response.status)"
        }
        try await eventually(timeout: .seconds(30), "never ready: \(log())") {
            (try? HTTPProbe.get("/readyz", host: "localhost", port: healthPort, timeout: 2).status) == 200
        }

        try server.kubectl(["apply", "-f", "-"], input: """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: default}
            spec: {ports: [{name: http, port: \(backendPort)}]}
            ---
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
        try await eventually(timeout: .seconds(20), "the Ingress is never served: \(log())") { who("a.test") == "web" }
        // The leader (the only replica) writes the published address to the Ingress's status,
        // through the RBAC rc.yaml grants.
        try await eventually(timeout: .seconds(20), poll: .milliseconds(200), "no status written: \(log())") {
            try server.kubectl(["get", "ingress", "site", "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}"]) == "127.0.0.9"
        }
        let holder = try server.kubectl(["get", "lease", "portico-leader", "-n", "ingress", "-o", "jsonpath={.spec.holderIdentity}"])
        #expect(holder == "replica-a")

        try server.kubectl(["delete", "ingress", "site"])
        try await eventually(timeout: .seconds(20), "the deleted Ingress is still served: \(log())") { who("a.test") == "404" }
        #expect(!log().lowercased().contains("forbidden"), "portico was refused something: \(log())")
        // This server has no Gateway API CRDs: said once, and the Ingress was served all the same.
        #expect(log().components(separatedBy: "API group not served").count == 2, "\(log())")
    }
}
