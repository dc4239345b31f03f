import Foundation
import TestSupport
import Testing

/// `from-to-www-redirect` through real nginx, as ingress-nginx's e2e suite has it: the other name
/// answers 308 to the host with the port in the Location (`http://HOST:PORT/foo`), one trailing
/// slash dropped; a name that is a host of its own keeps serving as itself.
@Suite("End to end: from-to-www-redirect", .serialized)
final class FromToWWWRedirectEndToEndTests {
    let stage: Stage

    init() throws {
        let on = ["nginx.ingress.kubernetes.io/from-to-www-redirect": "true"]
        stage = try Stage(
            manifests: ["app", "other"].map(Manifest.service).joined(separator: "---\n") + "---\n"
                + [
                    Manifest.ingress("shop", host: "shop.test", annotations: on),
                    Manifest.ingress("own", host: "www.own.test", annotations: on),
                    Manifest.ingress("taken", host: "taken.test", annotations: on),
                    Manifest.ingress("taken-www", host: "www.taken.test", service: "other"),
                    Manifest.ingress("hostile", host: "hostile.test", annotations: ["portico.io/from-to-www-redirect": "true\"; return 200 pwned; #"]),
                ].joined(separator: "---\n"),
            services: ["app", "other"])
    }

    deinit { stage.stop() }

    @Test func theWWWNameRedirectsWithThePort() throws {
        let port = stage.httpPort
        for (target, location) in [
            ("/foo", "http://shop.test:\(port)/foo"), ("/foo/", "http://shop.test:\(port)/foo"), ("/", "http://shop.test:\(port)"),
            ("/a/b?x=1", "http://shop.test:\(port)/a/b?x=1"),
        ] {
            let response = try stage.request(target, host: "www.shop.test")
            #expect(response.status == 308, "\(target): \(response.status)\n\(stage.context)")
            #expect(response.header("Location") == location, "\(target)")
            #expect(response.backend == nil)
        }
        #expect(try stage.who("shop.test", "/foo") == "app")
    }

    @Test func aWWWHostRedirectsItsBareName() throws {
        let response = try stage.request("/a", host: "own.test")
        #expect(response.status == 308 && response.header("Location") == "http://www.own.test:\(stage.httpPort)/a")
        #expect(try stage.who("www.own.test", "/a") == "app")
    }

    @Test func aNameThatIsAHostStaysItsOwn() throws {
        #expect(try stage.who("www.taken.test", "/x") == "other")
        #expect(try stage.who("taken.test", "/x") == "app")
    }

    @Test func aHostileValueIsNoRedirect() throws {
        #expect(try stage.who("hostile.test", "/x") == "app")
        #expect(try stage.request("/x", host: "www.hostile.test").status == 404)
        #expect(stage.diagnostics.contains { $0.contains("ingress default/hostile") && $0.contains("is not true or false") }, "\(stage.diagnostics)")
        #expect(!stage.config.contains("pwned"))
    }
}
