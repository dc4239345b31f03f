import Foundation
import TestSupport
import Testing

/// What the client sent reaches the backend unchanged, with the forwarding headers set.
@Suite("End to end: requests pass through", .serialized)
final class PassThroughEndToEndTests {
    let stage: Stage

    init() throws {
        stage = try Stage(
            manifests: """
                apiVersion: v1
                kind: Service
                metadata: {name: app, namespace: default}
                spec: {ports: [{port: PORT}]}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: app, namespace: default}
                spec:
                  rules:
                  - host: app.test
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: app, port: {number: PORT}}}}

                """,
            services: ["app"])
    }

    deinit { stage.stop() }

    @Test(arguments: ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    func methodsPathsAndQueriesArriveUnchanged(method: String) throws {
        let target = "/a%20b/%C3%A9t%C3%A9/c%2Fd?q=1&r=a%26b&s=%E2%9C%93&empty="
        let body = method == "GET" || method == "DELETE" || method == "OPTIONS" ? nil : Data("{\"k\":1}".utf8)
        let response = try stage.request(target, host: "app.test", method: method, body: body)
        #expect(response.status == 200, "\(response.text)\n\(stage.context)")
        let echo = try response.echo()
        #expect(echo.backend == "app")
        #expect(echo.method == method)
        #expect(echo.path == "/a%20b/%C3%A9t%C3%A9/c%2Fd")
        #expect(echo.query == "q=1&r=a%26b&s=%E2%9C%93&empty=")
        #expect(echo.body == (body.map { String(decoding: $0, as: UTF8.self) } ?? ""))
        #expect(echo.httpVersion == "HTTP/1.1")
    }

    @Test func largeBodiesArriveWhole() throws {
        // 300 KB: more than nginx buffers in memory by default, so it goes through client_body_temp.
        var bytes = [UInt8](repeating: 0, count: 300 * 1024)
        for i in bytes.indices { bytes[i] = UInt8(ascii: "a") + UInt8(i % 26) }
        let body = Data(bytes)
        let response = try stage.request(
            "/upload", host: "app.test", method: "POST", headers: [("Content-Type", "application/octet-stream")],
            body: body)
        #expect(response.status == 200, "\(response.text.prefix(500))\n\(stage.context)")
        let echo = try response.echo()
        #expect(echo.bodyLength == body.count)
        #expect(echo.body == String(decoding: body, as: UTF8.self))
    }

    @Test func hostAndForwardingHeaders() throws {
        let response = try stage.request(
            "/h", host: "app.test:\(stage.httpPort)", headers: [("X-Custom", "kept"), ("User-Agent", "probe/1")])
        let echo = try response.echo()
        #expect(echo.header("host") == "app.test:\(stage.httpPort)")
        #expect(echo.header("x-forwarded-host") == "app.test:\(stage.httpPort)")
        #expect(echo.header("x-forwarded-for") == "127.0.0.1")
        #expect(echo.header("x-forwarded-proto") == "http")
        #expect(echo.header("x-real-ip") == "127.0.0.1")
        #expect(echo.header("x-custom") == "kept")
        #expect(echo.header("user-agent") == "probe/1")

        // A client's own X-Forwarded-For is extended, not replaced.
        let chained = try stage.request("/h", host: "app.test", headers: [("X-Forwarded-For", "203.0.113.7")]).echo()
        #expect(chained.header("x-forwarded-for") == "203.0.113.7, 127.0.0.1")
        #expect(chained.header("host") == "app.test")
    }

    @Test func webSocketUpgradesPassThrough() throws {
        let (response, reply) = try HTTPProbe.webSocketEcho(
            port: stage.httpPort, host: "app.test", target: "/socket", message: "hello")
        #expect(response.status == 101, "\(response.text)\n\(stage.context)")
        #expect(response.header("Upgrade")?.lowercased() == "websocket")
        #expect(reply == "app:hello")
    }
}
