import Foundation
import TestSupport
import Testing

/// `custom-http-errors` and `default-backend` through real nginx, as ingress-nginx serves them: an
/// answer of the Service with a listed code is replaced by the default backend's answer to `GET /`
/// with `X-Code` and the route's names; a route whose Service is not there, or does not answer
/// (`down` has no DNS name, so nginx gets no connection: its own 502), is the default backend's
/// with `X-Code: 503` and the request as it was; without a default backend the codes answer 404.
@Suite("End to end: custom-http-errors and default-backend", .serialized)
final class CustomErrorsEndToEndTests {
    let stage: Stage

    init() throws {
        let n = "nginx.ingress.kubernetes.io/"
        let shop = Manifest.ingress(
            "shop", host: "errors.test", annotations: [n + "custom-http-errors": "404, 503", n + "default-backend": "errors"],
            paths: [("/", "Prefix")])
        // The same Ingress's paths to a Service that does not answer and to one that does not exist.
        let broken = Manifest.ingress("broken", host: "errors.test", service: "down", annotations: [n + "default-backend": "errors"], paths: [("/down", "Prefix")])
            + "---\n"
            + Manifest.ingress("gone", host: "errors.test", service: "gone", annotations: [n + "default-backend": "errors"], paths: [("/gone", "Prefix")])
        let plain = Manifest.ingress("plain", host: "plain.test", annotations: [n + "custom-http-errors": "404"])
        let hostile = Manifest.ingress(
            "hostile", host: "hostile.test",
            annotations: [
                n + "custom-http-errors": "404 = @x; } location / { return 200 pwned; } error_page 500",
                "portico.io/default-backend": "errors\"; set $portico_error_backend 169.254.169.254:80; #",
            ])
        stage = try Stage(
            manifests: ["app", "errors", "down"].map(Manifest.service).joined(separator: "---\n") + "---\n"
                + [shop, broken, plain, hostile].joined(separator: "---\n"),
            services: ["app", "errors"])
    }

    deinit { stage.stop() }

    @Test func aListedAnswerIsTheDefaultBackendsWithXCode() throws {
        let response = try stage.request("/a/b?echo-status=404", host: "errors.test", headers: [("Accept", "text/html"), ("X-Request-ID", "req-1")])
        #expect(response.backend == "errors", "\(response.status) \(response.text)\n\(stage.context)")
        // The default backend was asked for / (the query kept, as ingress-nginx's rewrite keeps it) and answered 404.
        #expect(response.status == 404)
        let echo = try response.echo()
        #expect(echo.path == "/" && echo.query == "echo-status=404")
        #expect(echo.header("X-Code") == "404")
        #expect(echo.header("X-Format") == "text/html")
        #expect(echo.header("X-Original-URI") == "/a/b?echo-status=404")
        #expect(echo.header("X-Namespace") == "default")
        #expect(echo.header("X-Ingress-Name") == "shop")
        #expect(echo.header("X-Service-Name") == "app")
        #expect(echo.header("X-Service-Port") == "\(stage.backendPort)")
        #expect(echo.header("X-Request-ID") == "req-1")
        #expect(echo.header("Host") == "errors.test")

        let unavailable = try stage.request("/x?echo-status=503", host: "errors.test")
        #expect(unavailable.backend == "errors" && unavailable.status == 503)
        #expect(try unavailable.echo().header("X-Code") == "503")
        // nginx's own id when the client sends none.
        #expect(try unavailable.echo().header("X-Request-ID")?.count == 32)
    }

    @Test func otherAnswersAreTheServices() throws {
        for (target, status) in [("/a", 200), ("/a?echo-status=500", 500), ("/a?echo-status=401", 401)] {
            let response = try stage.request(target, host: "errors.test")
            #expect(response.backend == "app" && response.status == status, "\(target): \(response.status) \(response.backend ?? "nginx")")
            #expect(try response.echo().header("X-Code") == nil)
        }
        // What differs from ingress-nginx (README, portico check): nginx cannot tell the Service's own
        // 502 from its own once it intercepts answers, so with custom-http-errors that is the default
        // backend's too, as a Service that does not answer.
        let badGateway = try stage.request("/a?echo-status=502", host: "errors.test")
        #expect(badGateway.backend == "errors" && badGateway.status == 502)
        #expect(try badGateway.echo().header("X-Code") == "503")
        #expect(try badGateway.echo().path == "/a")
    }

    @Test func aServiceThatIsNotThereOrDoesNotAnswerIsTheDefaultBackends() throws {
        for (target, service) in [("/down/x?q=1", "down"), ("/gone/y", "gone")] {
            let response = try stage.request(target, host: "errors.test")
            #expect(response.backend == "errors" && response.status == 200, "\(target): \(response.status) \(response.text)\n\(stage.context)")
            let echo = try response.echo()
            // The request as the client sent it, with X-Code 503 and the route's names.
            #expect(echo.path + (echo.query.isEmpty ? "" : "?" + echo.query) == target)
            #expect(echo.header("X-Code") == "503")
            #expect(echo.header("X-Service-Name") == service)
            #expect(echo.header("X-Ingress-Name") == (service == "down" ? "broken" : "gone"))
            #expect(echo.header("Host") == "errors.test")
        }
        #expect(stage.diagnostics.contains { $0.contains("ingress default/gone") && $0.contains("service \"gone\" not found") })
    }

    @Test func withoutADefaultBackendTheCodesAnswer404() throws {
        let response = try stage.request("/a?echo-status=404", host: "plain.test")
        #expect(response.status == 404 && response.backend == nil, "\(response.status) \(response.backend ?? "nginx")")
        let other = try stage.request("/a?echo-status=503", host: "plain.test")
        #expect(other.status == 503 && other.backend == "app")
    }

    @Test func hostileValuesAreRefusedAndTheRestServes() throws {
        for target in ["/", "/a?echo-status=404", "/a?echo-status=500"] {
            let response = try stage.request(target, host: "hostile.test")
            #expect(response.backend == "app", "\(target): \(response.status)")
            #expect(!response.text.contains("pwned"))
        }
        let hostile = stage.diagnostics.filter { $0.contains("ingress default/hostile") }
        #expect(hostile.count == 2, "\(stage.diagnostics)")
        #expect(!stage.config.contains("169.254.169.254") && !stage.config.contains("pwned"))
    }
}
