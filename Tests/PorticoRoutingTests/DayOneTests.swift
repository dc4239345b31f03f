import PorticoModel
import Testing

@testable import PorticoRouting

/// What a new user met on day one: silence where words were needed, access control that failed
/// open, canaries that took all traffic.
@Suite struct DayOneTests {
    let router = Router()

    func route(_ ingresses: [Ingress], classes: [IngressClass] = [], options: RoutingOptions = RoutingOptions()) -> RoutingTable {
        Router(options: options).route(
            ClusterState(ingresses: ingresses, services: [F.service("web"), F.service("main")], ingressClasses: classes))
    }

    func codes(_ table: RoutingTable) -> [String] {
        table.diagnostics.map { "\($0.code.rawValue) \($0.object.name) \($0.field)" }
    }

    static let nginxClass = IngressClass(
        metadata: ObjectMeta(name: "nginx"), spec: IngressClassSpec(controller: "k8s.io/ingress-nginx"))

    // MARK: classes

    @Test func anotherControllersIngressIsNamedAtInfoLevelOnce() {
        let table = route(
            [
                F.ingress("theirs", className: "nginx", rules: [F.rule("a.com", F.path("/"))]),
                F.ingress(
                    "legacy", annotations: ["kubernetes.io/ingress.class": "traefik"], rules: [F.rule("b.com", F.path("/"))]),
                F.ingress("ours", rules: [F.rule("c.com", F.path("/"))]),
            ], classes: [Self.nginxClass])
        #expect(
            codes(table) == [
                "other-class legacy metadata.annotations[\"kubernetes.io/ingress.class\"]",
                "other-class theirs spec.ingressClassName",
            ])
        #expect(table.diagnostics.allSatisfy { $0.severity == .info })
        #expect(table.diagnostics[1].description.hasPrefix("info: ingress default/theirs: spec.ingressClassName: class \"nginx\" belongs"))
        #expect(table.diagnostics[1].message.contains("k8s.io/ingress-nginx"))
        #expect(table.diagnostics[0].message.contains("is not Portico's"))
        #expect(table.otherClasses == ["nginx": 1, "traefik": 1])
        #expect(table.virtualHosts.map(\.host.name) == ["c.com"])
        #expect(
            table.summary(ingresses: 3)
                == "info: 1 Ingress served, 1 of class nginx and 1 of class traefik left to other controllers: "
                + "use --ingress-class nginx to serve that class")
    }

    @Test func summaryCountsServedOtherClassesAndLeftOut() {
        var ingresses = (0..<7).map { F.ingress("n\($0)", className: "nginx", rules: [F.rule("n\($0).com", F.path("/"))]) }
        ingresses += (0..<12).map { F.ingress("p\($0)", rules: [F.rule("p\($0).com", F.path("/"))]) }
        ingresses.append(F.ingress("bad", rules: [F.rule("x.com", F.path("/"))]).with(annotations: ["nginx.ingress.kubernetes.io/auth-tls-secret": "ca"]))
        let table = route(ingresses, classes: [Self.nginxClass])
        #expect(
            table.summary(ingresses: 20)
                == "info: 12 Ingresses served, 7 of class nginx left to another controller: use --ingress-class nginx "
                + "to serve them; 1 left out (see above)")
        let served = route(ingresses, classes: [Self.nginxClass], options: RoutingOptions(ingressClass: "nginx"))
        #expect(served.servedIngresses.count == 7 + 12)  // class-less ones: no default class, served
    }

    @Test func classlessIngressesUnderAnotherDefaultClassAreNamed() {
        var nginx = Self.nginxClass
        nginx.metadata.annotations = ["ingressclass.kubernetes.io/is-default-class": "true"]
        let table = route([F.ingress("plain", rules: [F.rule("a.com", F.path("/"))])], classes: [nginx])
        #expect(codes(table) == ["other-class plain spec.ingressClassName"])
        #expect(table.diagnostics[0].message.contains("default IngressClass nginx is not Portico's"))
        #expect(table.summary(ingresses: 1).hasSuffix("1 without a class left to another controller: see --ignore-ingresses-without-class and the default IngressClass"))
    }

    @Test func hostileClassNamesArePrintedQuoted() {
        let table = route([F.ingress("x", className: "a\nwarning: forged", rules: [F.rule("a.com", F.path("/"))])])
        #expect(!table.diagnostics[0].description.contains("\n"))
        #expect(!table.summary(ingresses: 1).contains("\n"))
        #expect(!table.summary(ingresses: 1).contains("--ingress-class"))
    }

    // MARK: TLS and annotations Portico does not implement

    @Test func tlsIsNamedOncePerIngress() {
        var ingress = F.ingress("secure", rules: [F.rule("a.com", F.path("/"))])
        ingress.spec.tls = [IngressTLS(hosts: ["a.com", "b.com"], secretName: "a-tls"), IngressTLS(hosts: ["c.com"], secretName: "c")]
        let table = route([ingress])
        #expect(codes(table) == ["tls-not-served secure spec.tls"])
        #expect(table.diagnostics[0].message.contains("a.com, b.com, c.com answer over plain HTTP only"))
        #expect(table.vhost("a.com") != nil)
    }

    @Test(arguments: [
        ("proxy-cookie-path", "/ /app", "ignored; Portico's default applies"),
        ("proxy-redirect-from", "off", "ignored; Portico's default applies"),
        ("ssl-redirect", "true", "no redirect to HTTPS"),
        ("backend-protocol", "FCGI", "plain HTTP/1.1"),
        ("affinity", "cookie", "session affinity needs the Service's Pod endpoints"),
        ("mirror-target", "http://m.test/", "ignored; Portico's default applies"),
    ])
    func unimplementedIngressNginxAnnotationsSayWhatHappensInstead(name: String, value: String, instead: String) {
        let key = "nginx.ingress.kubernetes.io/\(name)"
        let table = route([F.ingress("i", annotations: [key: value], rules: [F.rule("a.com", F.path("/"))])])
        #expect(codes(table) == ["unsupported-annotation i metadata.annotations[\"\(key)\"]"])
        #expect(table.diagnostics.first?.message.contains(instead) == true)
        #expect(table.vhost("a.com")?.locations.count == 1)
    }

    @Test(arguments: [
        ("ssl-redirect", "false"), ("use-regex", "false"), ("service-upstream", "true"), ("canary", "false"),
        ("canary-weight", "10"), ("force-ssl-redirect", "false"),
    ])
    func annotationsThatAskForWhatPorticoDoesAnywayAreQuiet(name: String, value: String) {
        let table = route([F.ingress("i", annotations: ["nginx.ingress.kubernetes.io/\(name)": value], rules: [F.rule("a.com", F.path("/"))])])
        #expect(table.diagnostics == [])
    }

    @Test func ingressNginxProxySettingsApplyAndPorticosWin() {
        let table = route([
            F.ingress(
                "i",
                annotations: [
                    "nginx.ingress.kubernetes.io/proxy-read-timeout": "120", "nginx.ingress.kubernetes.io/proxy-body-size": "8m",
                    "portico.io/proxy-body-size": "16m",
                ], rules: [F.rule("a.com", F.path("/"))])
        ])
        #expect(table.diagnostics == [])
        #expect(table.vhost("a.com")?.locations.first?.options == ProxyOptions(readTimeoutSeconds: 120, maxBodySize: "16m"))
    }

    // MARK: access control fails closed

    @Test(arguments: [
        ("nginx.ingress.kubernetes.io/auth-type", "x"), ("nginx.ingress.kubernetes.io/auth-type", "digest"),
        ("nginx.ingress.kubernetes.io/auth-tls-secret", "x"), ("nginx.ingress.kubernetes.io/satisfy", "any"),
        ("portico.io/auth-url", "http://a\"b"), ("nginx.ingress.kubernetes.io/other-source-range", "x"),
        ("nginx.ingress.kubernetes.io/auth-snippet", "x"), ("nginx.ingress.kubernetes.io/auth-proxy-set-headers", "x"),
    ])
    func accessControlPorticoCannotHonourLeavesTheIngressOut(key: String, value: String) {
        let table = route([
            F.ingress("protected", annotations: [key: value], rules: [F.rule("a.com", F.path("/admin"))]),
            F.ingress("public", rules: [F.rule("b.com", F.path("/"))]),
        ])
        #expect(codes(table) == ["access-control-not-honoured protected metadata.annotations[\"\(key)\"]"])
        #expect(table.vhost("a.com") == nil)
        #expect(table.vhost("b.com") != nil)
        #expect(!table.servedIngresses.contains(ObjectReference(kind: "Ingress", namespace: "default", name: "protected")))
    }

    @Test func sourceRangesBecomeAccessRules() {
        let table = route([
            F.ingress(
                "i",
                annotations: [
                    "nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.1/8, 192.168.1.7,2001:DB8::1/32",
                    "nginx.ingress.kubernetes.io/denylist-source-range": "10.9.0.0/16",
                ], rules: [F.rule("a.com", F.path("/"))])
        ])
        #expect(table.diagnostics == [])
        let access = table.vhost("a.com")?.locations.first?.options.access
        #expect(access?.allow?.map(\.text) == ["10.0.0.0/8", "192.168.1.7/32", "2001:db8::/32"])
        #expect(access?.deny.map(\.text) == ["10.9.0.0/16"])
    }

    @Test func allowlistWinsOverWhitelistAndPorticoOverBoth() {
        func allow(_ annotations: [String: String]) -> [String]? {
            route([F.ingress("i", annotations: annotations, rules: [F.rule("a.com", F.path("/"))])])
                .vhost("a.com")?.locations.first?.options.access?.allow?.map(\.text)
        }
        let whitelist = "nginx.ingress.kubernetes.io/whitelist-source-range"
        let allowlist = "nginx.ingress.kubernetes.io/allowlist-source-range"
        #expect(allow([whitelist: "1.1.1.1", allowlist: "2.2.2.2"]) == ["2.2.2.2/32"])
        #expect(allow([allowlist: "2.2.2.2", "portico.io/allowlist-source-range": "3.3.3.3"]) == ["3.3.3.3/32"])
    }

    @Test func certManagersSolverRangeAdmitsEveryone() {
        let table = route([
            F.ingress(
                "cm-acme-http-solver-x", annotations: ["nginx.ingress.kubernetes.io/whitelist-source-range": "0.0.0.0/0,::/0"],
                rules: [F.rule("a.com", F.path("/.well-known/acme-challenge/abc", "ImplementationSpecific"))])
        ])
        #expect(table.diagnostics == [])
        #expect(table.vhost("a.com")?.locations.first?.options.access?.allow?.map(\.text) == ["0.0.0.0/0", "::/0"])
    }

    @Test(arguments: ["", "10.0.0.0/33", "10.0.0.0/8;allow all", "10.0.0.256", "010.0.0.1", "fe80::1%eth0", "10.0.0.0/8,", "a.b.c.d", "::/08"])
    func anUnreadableRangeAdmitsNobody(value: String) {
        let table = route([
            F.ingress("i", annotations: ["nginx.ingress.kubernetes.io/whitelist-source-range": value], rules: [F.rule("a.com", F.path("/"))])
        ])
        #expect(codes(table) == ["invalid-annotation i metadata.annotations[\"nginx.ingress.kubernetes.io/whitelist-source-range\"]"])
        #expect(table.vhost("a.com")?.locations.first?.options.access == SourceAccess(allow: []))
        #expect(!table.diagnostics[0].description.contains("\n"))
    }

    @Test func aRestrictedDefaultBackendIsNotServedOpenly() {
        let table = route([
            F.ingress(
                "i", annotations: ["nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8"],
                defaultBackend: .service("web", port: ServiceBackendPort(number: 80)), rules: [F.rule("a.com", F.path("/x"))])
        ])
        #expect(codes(table) == ["access-control-not-honoured i spec.defaultBackend"])
        #expect(table.catchAll.fallback == nil)
        #expect(table.vhost("a.com")?.fallback == nil)
    }

    // MARK: canaries

    @Test(arguments: [nil, "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"])
    func aCanaryNeverReplacesTheMainRoute(canaryCreated: String?) {
        let main = F.ingress("main", created: "2025-01-01T00:00:00Z", rules: [F.rule("a.com", F.path("/", svc: "main"))])
        let canary = F.ingress(
            "canary", created: canaryCreated,
            annotations: ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "100"],
            rules: [F.rule("a.com", F.path("/", svc: "web"))])
        for order in [[main, canary], [canary, main]] {
            let table = route(order)
            #expect(codes(table) == [])
            // Older or newer, the canary rides on the main route, which keeps its place and Service.
            #expect(table.summary("a.com") == ["^ / -> main.default.svc.cluster.local:80"])
            #expect(table.vhost("a.com")?.locations.first?.canary?.upstream.address == "web.default.svc.cluster.local:80")
        }
    }
}

extension Ingress {
    func with(annotations: [String: String]) -> Ingress {
        var copy = self
        copy.metadata.annotations = annotations
        return copy
    }
}
