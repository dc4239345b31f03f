import Foundation
import Logging
import Testing
import TestSupport

@testable import PorticoKube

/// The Gateway API CRDs of Tests/Support/gateway-api on a real kube-apiserver 1.20: they install
/// and become Established, the server applies their defaults to what kubectl creates, and the
/// status subresource separates status writes from spec writes, as a controller relies on.
@Suite(
    "Real kube-apiserver: Gateway API CRDs", .serialized,
    .enabled(if: RealAPIServer.isAvailable, Comment(rawValue: RealAPIServer.unavailableReason ?? "")),
    .timeLimit(.minutes(5)))
struct RealAPIServerGatewayAPITests {
    static let manifests = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: portico}
        spec: {controllerName: portico.io/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec:
          gatewayClassName: portico
          listeners:
          - {name: http, port: 80, protocol: HTTP}
          - name: https
            port: 443
            protocol: HTTPS
            hostname: "*.example.com"
            tls: {certificateRefs: [{name: example-cert}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: site, namespace: default}
        spec:
          parentRefs: [{name: edge, sectionName: https}]
          hostnames: [www.example.com]
          rules:
          - backendRefs: [{name: web, port: 80}]
          - matches: [{path: {value: /old}, headers: [{name: X-Canary, value: "yes"}]}]
            filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
        ---
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata: {name: from-default, namespace: default}
        spec:
          from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: team-a}]
          to: [{group: "", kind: Service}]
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

    @Test func crdsInstallAndTheServerAppliesTheirDefaults() throws {
        let server = try RealAPIServer()
        defer { server.stop() }
        try server.installGatewayAPI()
        for crd in RealAPIServer.gatewayAPICRDs {
            let established = try server.kubectl(["get", "crd", crd, "-o", #"jsonpath={.status.conditions[?(@.type=="Established")].status}"#])
            #expect(established == "True", "\(crd)")
        }
        try server.kubectl(["apply", "-f", "-"], input: Self.manifests)

        let gateway = try server.getJSON(["gateway", "edge"])
        let https = Self.value(gateway, "spec.listeners.1")
        #expect(Self.value(https, "tls.mode") as? String == "Terminate")
        // `group: ""`, the core group, as a default: what kube-openapi needed the fix for.
        #expect(Self.value(https, "tls.certificateRefs.0.group") as? String == "")
        #expect(Self.value(https, "tls.certificateRefs.0.kind") as? String == "Secret")
        #expect(Self.value(https, "allowedRoutes.namespaces.from") as? String == "Same")
        #expect(Self.value(gateway, "spec.listeners.0.allowedRoutes.namespaces.from") as? String == "Same")
        // Until a controller writes status, the defaults say it is waiting for one.
        let conditions = Self.value(gateway, "status.conditions") as? [[String: Any]] ?? []
        #expect(conditions.map { "\($0["type"] ?? "")=\($0["status"] ?? "")/\($0["reason"] ?? "")" }
            == ["Accepted=Unknown/Pending", "Programmed=Unknown/Pending"])

        let route = try server.getJSON(["httproute", "site"])
        #expect(Self.value(route, "spec.parentRefs.0.group") as? String == "gateway.networking.k8s.io")
        #expect(Self.value(route, "spec.parentRefs.0.kind") as? String == "Gateway")
        #expect(Self.value(route, "spec.rules.0.matches.0.path.type") as? String == "PathPrefix")
        #expect(Self.value(route, "spec.rules.0.matches.0.path.value") as? String == "/")
        #expect(Self.value(route, "spec.rules.0.backendRefs.0.group") as? String == "")
        #expect(Self.value(route, "spec.rules.0.backendRefs.0.kind") as? String == "Service")
        #expect(Self.value(route, "spec.rules.0.backendRefs.0.weight") as? Int == 1)
        #expect(Self.value(route, "spec.rules.1.matches.0.path.type") as? String == "PathPrefix")
        #expect(Self.value(route, "spec.rules.1.matches.0.headers.0.type") as? String == "Exact")
        #expect(Self.value(route, "spec.rules.1.filters.0.requestRedirect.statusCode") as? Int == 302)

        let gatewayClass = try server.getJSON(["gatewayclass", "portico"])
        #expect(Self.value(gatewayClass, "status.conditions.0.reason") as? String == "Pending")
        // The printer columns kubectl shows.
        let table = try server.kubectl(["get", "gateway", "edge"])
        #expect(table.contains("CLASS") && table.contains("PROGRAMMED") && table.contains("portico"), "\(table)")

        // What the schemas refuse: an unknown path type, a weight out of range, a listener without a port.
        let refused = try server.kubectlResult(["apply", "-f", "-"], input: """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: bad, namespace: default}
            spec:
              rules: [{matches: [{path: {type: Glob, value: /x}}], backendRefs: [{name: web, port: 80, weight: 1000001}]}]
            """)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("Glob") && refused.stderr.contains("weight"), "\(refused.stderr)")
        let portless = try server.kubectlResult(["apply", "-f", "-"], input: """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: bad, namespace: default}
            spec: {gatewayClassName: portico, listeners: [{name: http, protocol: HTTP}]}
            """)
        #expect(portless.status != 0 && portless.stderr.contains("port"), "\(portless.stderr)")
    }

    /// A controller writes status through the subresource; spec writes leave it alone, and a
    /// status write leaves the spec (and the generation) alone.
    @Test func statusSubresourceSeparatesStatusFromSpec() throws {
        let server = try RealAPIServer()
        defer { server.stop() }
        try server.installGatewayAPI()
        try server.kubectl(["apply", "-f", "-"], input: Self.manifests)
        let path = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/site"
        let status: [String: Any] = [
            "status": [
                "parents": [[
                    "parentRef": ["name": "edge", "sectionName": "https"],
                    "controllerName": "portico.io/gateway-controller",
                    "conditions": [[
                        "type": "Accepted", "status": "True", "reason": "Accepted", "message": "attached",
                        "observedGeneration": 1, "lastTransitionTime": "2026-01-01T00:00:00Z",
                    ]],
                ]]
            ]
        ]
        let written = try server.request("PATCH", path + "/status", json: status, contentType: "application/merge-patch+json")
        #expect(written.status == 200, "\(written.text)")
        var route = try server.getJSON(["httproute", "site"])
        #expect(Self.value(route, "status.parents.0.conditions.0.reason") as? String == "Accepted")
        // The parentRef in status gets the same defaults as in spec.
        #expect(Self.value(route, "status.parents.0.parentRef.kind") as? String == "Gateway")
        #expect(Self.value(route, "metadata.generation") as? Int == 1)

        // A spec write that also carries status: the spec changes, the status does not.
        var spec = status
        spec["spec"] = ["hostnames": ["new.example.com"]]
        spec["status"] = ["parents": [[
            "parentRef": ["name": "elsewhere"], "controllerName": "someone/else",
            "conditions": [[
                "type": "Accepted", "status": "False", "reason": "NotAllowedByListeners", "message": "no",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            ]],
        ]]]
        let merged = try server.request("PATCH", path, json: spec, contentType: "application/merge-patch+json")
        #expect(merged.status == 200, "\(merged.text)")
        route = try server.getJSON(["httproute", "site"])
        #expect(Self.value(route, "spec.hostnames.0") as? String == "new.example.com")
        #expect(Self.value(route, "metadata.generation") as? Int == 2)
        #expect(Self.value(route, "status.parents.0.parentRef.name") as? String == "edge")
        #expect(Self.value(route, "status.parents.0.conditions.0.status") as? String == "True")

        // A status write that is not valid against the schema is refused: status is validated too.
        let invalid = try server.request(
            "PATCH", path + "/status",
            json: ["status": ["parents": [["parentRef": ["name": "edge"], "controllerName": "portico.io/gateway-controller",
                "conditions": [["type": "Accepted", "status": "Maybe", "reason": "Accepted", "message": "",
                    "lastTransitionTime": "2026-01-01T00:00:00Z"]]]]]],
            contentType: "application/merge-patch+json")
        #expect(invalid.status == 422, "\(invalid.text)")
        #expect(invalid.text.contains("Maybe"), "\(invalid.text)")
    }

    /// Without the CRDs the Gateway API kinds answer 404: a watcher asked for them still syncs
    /// (they are empty), logs that once, finds them once the CRDs are installed, and finds them
    /// absent again once the CRDs are deleted.
    @Test func withoutTheCRDsTheWatcherSyncsAndFindsThemLater() async throws {
        let server = try RealAPIServer()
        defer { server.stop() }
        try server.kubectl(["apply", "-f", "-"], input: RealAPIServerTests.ingress("site", host: "a.test", service: "web"))
        var settings = WatchSettings()
        settings.absentGroupRecheck = .milliseconds(500)
        let logs = RecordingLogHandler()
        let watcher = ClusterWatcher(
            client: try RealAPIServerTests.client(server), scope: .init(gatewayAPI: true), settings: settings,
            logger: Logger(label: "test") { _ in logs })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await watcher.waitUntilSynced()
            #expect(watcher.snapshot().ingresses.map(\.cacheKey) == ["default/site"])
            #expect(watcher.snapshot().gateways.isEmpty)
            // Several rechecks later (each a 404), still one line.
            // Four kinds, each listed again every half second: a few rounds of rechecks.
            try await eventually(timeout: .seconds(20), poll: .milliseconds(100), "rechecks: \(watcher.statistics)") {
                watcher.statistics.absentKindLists >= 12
            }
            #expect(watcher.statistics.absentKindLists < 60, "rechecks too often: \(watcher.statistics)")
            let missing = logs.entries.filter { $0.message == "API group not served; its kinds are not watched until it is" }
            #expect(missing.count == 1, "\(logs.entries)")
            #expect(!logs.entries.contains { $0.level >= .warning }, "\(logs.entries)")

            try server.installGatewayAPI()
            try server.kubectl(["apply", "-f", "-"], input: Self.manifests)
            try await eventually(timeout: .seconds(30), poll: .milliseconds(100), "the Gateway never arrives") {
                watcher.snapshot().gateways.map(\.cacheKey) == ["default/edge"]
                    && watcher.snapshot().httpRoutes.map(\.cacheKey) == ["default/site"]
            }
            // Logged once the last of the four kinds lists again, which may be after these two did.
            try await eventually(timeout: .seconds(10), poll: .milliseconds(100), "never logged as served: \(logs.entries)") {
                logs.entries.contains { $0.message == "API group served now; watching its kinds" }
            }

            // The CRDs go again, and their objects with them: the watches end, and what follows
            // finds the kinds absent (a relist answered 404) rather than retrying the watch.
            let absent = watcher.statistics.absentKindLists
            try server.kubectl(["delete", "-f", RealAPIServer.gatewayAPIDirectory.path], timeout: 120)
            try await eventually(timeout: .seconds(60), poll: .milliseconds(100), "never absent again: \(watcher.statistics)") {
                watcher.snapshot().gateways.isEmpty && watcher.statistics.absentKindLists >= absent + 4
            }
            #expect(watcher.snapshot().ingresses.map(\.cacheKey) == ["default/site"])
            group.cancelAll()
        }
    }
}

/// Keeps every log line's level and message.
final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    struct Entry: Sendable { var level: Logger.Level; var message: String }
    private let lock = NSLock()
    private var _entries: [Entry] = []
    var entries: [Entry] { lock.withLock { _entries } }
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { _entries.append(Entry(level: event.level, message: event.message.description)) }
    }
}
