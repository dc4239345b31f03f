import Foundation
import TestSupport
import Testing

/// `--expose-services portico.io/expose=true --expose-services-domain apps.test` through real nginx:
/// a labelled Service answers by its default name and another by its `portico.io/host` (on the port
/// `portico.io/port` names), an unlabelled one does not, an Ingress keeps a host a Service asks
/// for, and `portico.io/tcp-port` carries a TCP echo through a stream server.
@Suite("End to end: Services exposed by label", .serialized)
final class ExposeServicesEndToEndTests: @unchecked Sendable {
    let stage: Stage
    let listenPort: Int
    let ssh: StreamBackend

    init() throws {
        // gitea is the fifth Service: its echo backend, and the TCP one beside it, are on 127.0.0.6.
        let (sshPort, listenPort) = (try Ports.free(), try Ports.free())
        self.listenPort = listenPort
        ssh = try StreamBackend(name: "gitea-ssh", address: "127.0.0.6", port: sshPort)
        stage = try Stage(
            manifests: """
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: default, labels: {portico.io/expose: "true"}}
                spec: {ports: [{name: http, port: PORT}]}
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: api
                  namespace: default
                  labels: {portico.io/expose: "true"}
                  annotations: {portico.io/host: API.Example.test, portico.io/port: http}
                spec: {ports: [{name: metrics, port: 9}, {name: http, port: PORT}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: hidden, namespace: default, labels: {portico.io/expose: "false"}}
                spec: {ports: [{name: http, port: PORT}]}
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: site
                  namespace: default
                  labels: {portico.io/expose: "true"}
                  annotations: {portico.io/host: shared.test}
                spec: {ports: [{name: http, port: PORT}]}
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: gitea
                  namespace: git
                  labels: {portico.io/expose: "true"}
                  annotations: {portico.io/tcp-port: "\(listenPort)"}
                spec: {ports: [{name: ssh, port: \(sshPort)}]}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: shared, namespace: default}
                spec:
                  rules:
                  - host: shared.test
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: PORT}}}}
                """,
            services: ["web", "api", "hidden", "site", "git/gitea"],
            extraArguments: ["--expose-services", "portico.io/expose=true", "--expose-services-domain", "apps.test"])
    }

    deinit {
        stage.stop()
        ssh.stop()
    }

    @Test func aLabelledServiceAnswersByItsDefaultNameAndItsAnnotationHost() throws {
        let web = try stage.request("/some/path?q=1", host: "web.default.apps.test")
        #expect(web.status == 200 && web.backend == "web", "\(web.status)\n\(stage.context)")
        let echo = try web.echo()
        #expect(echo.path == "/some/path" && echo.query == "q=1")
        #expect(echo.header("Host") == "web.default.apps.test")

        let api = try stage.request("/v1/items", host: "api.example.test")
        #expect(api.status == 200 && api.backend == "api", "\(api.status)\n\(stage.context)")
        #expect(try api.echo().path == "/v1/items")
        #expect(try api.echo().header("X-Forwarded-Host") == "api.example.test")
        // Its annotation names it instead of the default name.
        #expect(try stage.who("api.default.apps.test", "/") == "404")
    }

    @Test func aServiceTheSelectorDoesNotSelectDoesNotAnswer() throws {
        #expect(try stage.who("hidden.default.apps.test", "/") == "404")
        #expect(!stage.config.contains("hidden"))
    }

    @Test func anIngressForTheSameHostWins() throws {
        #expect(try stage.who("shared.test", "/x") == "web")
        #expect(
            stage.diagnostics.contains {
                $0.contains("service default/site") && $0.contains("portico.io/host") && $0.contains("ingress default/shared")
            }, "\(stage.diagnostics)")
        // site's own name is not served either: its annotation replaced it.
        #expect(try stage.who("site.default.apps.test", "/") == "404")
    }

    @Test func tcpPortCarriesAnEchoThroughAStreamServer() throws {
        let payload = StreamEndToEndTests.payload(200_000)
        for _ in 0..<3 {
            let connection = try TCPExchange(port: listenPort)
            #expect(try connection.readLine() == "gitea-ssh")
            let box = StreamEndToEndTests.EchoBox()
            let reader = Thread { box.result = Result { try connection.readToEnd() } }
            reader.start()
            try connection.send(payload)
            connection.halfClose()
            try eventuallyBlocking(timeout: .seconds(20), "the echo ends") { box.result != nil }
            #expect(try box.result?.get() == payload)
        }
        #expect(stage.config.contains("listen 127.0.0.1:\(listenPort);"))
        // No HTTP host for it: it asked for TCP only.
        #expect(!stage.config.contains("gitea.git.apps.test"))
    }
}
