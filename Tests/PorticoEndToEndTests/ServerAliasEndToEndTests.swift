import Foundation
import TestSupport
import Testing

/// `server-alias` through real nginx: the alias answers every path of its host, whichever Ingress
/// defines it; a name that is another host's stays that host's.
@Suite("End to end: server-alias", .serialized)
final class ServerAliasEndToEndTests {
    let stage: Stage

    init() throws {
        let n = "nginx.ingress.kubernetes.io/"
        stage = try Stage(
            manifests: ["app", "other"].map(Manifest.service).joined(separator: "---\n") + "---\n"
                + [
                    Manifest.ingress("shop", host: "shop.test", annotations: [n + "server-alias": "www.shop.test, Old-Shop.test, other.test, *.shop.test"], paths: [("/a", "Prefix")]),
                    Manifest.ingress("more", host: "shop.test", service: "other", paths: [("/b", "Prefix")]),
                    Manifest.ingress("other", host: "other.test", service: "other"),
                ].joined(separator: "---\n"),
            services: ["app", "other"])
    }

    deinit { stage.stop() }

    @Test func anAliasAnswersEveryPathOfItsHost() throws {
        for host in ["shop.test", "www.shop.test", "old-shop.test", "OLD-SHOP.test:80"] {
            #expect(try stage.who(host, "/a/x") == "app", "\(host)\n\(stage.context)")
            #expect(try stage.who(host, "/b") == "other", "\(host)")
            #expect(try stage.who(host, "/c") == "404", "\(host)")
        }
    }

    @Test func anotherHostsNameStaysItsOwn() throws {
        #expect(try stage.who("other.test", "/a/x") == "other")
        // The wildcard is no alias, and said so.
        #expect(try stage.who("x.shop.test", "/a/x") == "404")
        #expect(stage.diagnostics.contains { $0.contains("ingress default/shop") && $0.contains("\"*.shop.test\" is not an exact host name") }, "\(stage.diagnostics)")
    }
}
