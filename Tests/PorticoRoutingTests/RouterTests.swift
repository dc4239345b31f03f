import PorticoModel
import Testing

@testable import PorticoRouting

@Suite struct RouterTests {
    let router = Router()

    @Test func echomapBecomesTwoVirtualHosts() {
        let state = ClusterState(
            ingresses: [
                F.ingress(
                    "echomap",
                    rules: [
                        F.rule("foo.bar.com", F.path("/foo", nil, svc: "django-x", port: 18111)),
                        F.rule(
                            "bar.baz.com", F.path("/bar", nil, svc: "django-y", port: 18111),
                            F.path("/foo", nil, svc: "django-x", port: 18111)),
                    ])
            ],
            services: ["django-x", "django-y", "django-default"].map {
                F.service($0, ports: [ServicePort(name: "http", port: 18111, targetPort: .int(8111))])
            })
        let table = router.route(state)
        #expect(table.diagnostics == [])
        #expect(table.virtualHosts.map(\.host.name) == ["bar.baz.com", "foo.bar.com"])
        #expect(table.summary("foo.bar.com") == ["^ /foo -> django-x.default.svc.cluster.local:18111"])
        #expect(
            table.summary("bar.baz.com") == [
                "^ /bar -> django-y.default.svc.cluster.local:18111",
                "^ /foo -> django-x.default.svc.cluster.local:18111",
            ])
        #expect(table.upstreams.map(\.address) == [
            "django-x.default.svc.cluster.local:18111", "django-y.default.svc.cluster.local:18111",
        ])
        #expect(table.catchAll == CatchAll())
    }

    /// Path normalisation and path types, after the Ingress v1 specification.
    @Test(arguments: [
        (F.path("/foo/", "Prefix"), "^ /foo"),
        (F.path("/foo///", "Prefix"), nil),  // "//" is an empty segment: refused
        (F.path("/", "Prefix"), "^ /"),
        (F.path("/foo/", "Exact"), "= /foo/"),
        (F.path("/Foo", "Exact"), "= /Foo"),
        (F.path("/foo", "ImplementationSpecific"), "^ /foo"),
        (F.path(nil, nil), "^ /"),
        (F.path("", "ImplementationSpecific"), "^ /"),
        (F.path("", "Exact"), nil),
        (F.path("/foo", "Regex"), nil),
        (F.path("foo", "Prefix"), nil),
        (F.path("/a/../etc", "Prefix"), nil),
        (F.path("/a%2fb", "Prefix"), nil),
        (F.path("/v1/users:search", "Exact"), "= /v1/users:search"),
    ] as [(HTTPIngressPath, String?)])
    func pathTypesAndNormalisation(path: HTTPIngressPath, expected: String?) {
        let table = router.route(
            ClusterState(ingresses: [F.ingress("i", rules: [F.rule("a.com", path)])], services: [F.service("web")]))
        let got = table.summary("a.com").first.map { String($0.split(separator: " ").prefix(2).joined(separator: " ")) }
        #expect(got == expected)
        #expect(table.diagnostics.isEmpty == (expected != nil))
    }

    @Test func exactAndPrefixForTheSamePathBothStand() {
        let table = router.route(
            ClusterState(
                ingresses: [
                    F.ingress("a", rules: [F.rule("a.com", F.path("/foo", "Prefix", svc: "one"))]),
                    F.ingress("b", rules: [F.rule("a.com", F.path("/foo", "Exact", svc: "two"))]),
                ], services: [F.service("one"), F.service("two")]))
        #expect(table.diagnostics == [])
        #expect(
            table.summary("a.com") == [
                "= /foo -> two.default.svc.cluster.local:80", "^ /foo -> one.default.svc.cluster.local:80",
            ])
    }

    @Test func conflictGoesToTheOldestWhateverTheInputOrder() {
        let young = F.ingress(
            "young", ns: "a", created: "2024-05-02T00:00:00Z", rules: [F.rule("x.com", F.path("/p", svc: "one"))])
        let old = F.ingress(
            "old", ns: "z", created: "2024-05-01T23:59:59Z", rules: [F.rule("X.com", F.path("/p/", svc: "two"))])
        let services = [F.service("one", ns: "a"), F.service("two", ns: "z")]
        for ingresses in [[young, old], [old, young]] {
            let table = router.route(ClusterState(ingresses: ingresses, services: services))
            #expect(table.summary("x.com") == ["^ /p -> two.z.svc.cluster.local:80"])
            #expect(table.diagnostics.count == 1)
            let d = table.diagnostics[0]
            #expect(d.code == .conflict)
            #expect(d.object == ObjectReference(kind: "Ingress", namespace: "a", name: "young"))
            #expect(d.description.contains("already served by ingress z/old spec.rules[0].http.paths[0]"))
        }
    }

    @Test func conflictWithoutTimestampsFallsBackToNamespaceAndName() {
        let a = F.ingress("a", ns: "b", rules: [F.rule("x.com", F.path("/", svc: "one"))])
        let b = F.ingress("a", ns: "a", rules: [F.rule("x.com", F.path("/", svc: "one"))])
        let table = router.route(ClusterState(ingresses: [a, b], services: [F.service("one", ns: "a"), F.service("one", ns: "b")]))
        #expect(table.summary("x.com") == ["^ / -> one.a.svc.cluster.local:80"])
        #expect(table.diagnostics.map(\.object.namespace) == ["b"])
    }

    @Test func anIngressGivenTwiceCountsOnceWhateverTheOrder() {
        let a = F.ingress("dup", rules: [F.rule("x.com", F.path("/a", svc: "one"))])
        let b = F.ingress("dup", rules: [F.rule("x.com", F.path("/b", svc: "one"))])
        var results: [[String]] = []
        for ingresses in [[a, b], [b, a]] {
            let table = router.route(ClusterState(ingresses: ingresses, services: [F.service("one")]))
            #expect(table.diagnostics.map(\.code) == [.duplicateObject])
            #expect(table.diagnostics.first?.description.hasPrefix("warning: ingress default/dup: given 2 times") == true)
            results.append(table.summary("x.com"))
        }
        #expect(results[0] == results[1])
        #expect(results[0].count == 1)
    }

    @Test func aRuleWithNeitherHostNorHTTPIsReported() {
        let table = router.route(
            ClusterState(
                ingresses: [F.ingress("i", rules: [IngressRule(host: nil, http: nil), F.rule("x.com", F.path("/"))])],
                services: [F.service("web")]))
        #expect(table.diagnostics.map(\.description) == [
            "warning: ingress default/i: spec.rules[0]: has neither host nor http (mis-indented?); rule ignored"
        ])
        #expect(table.virtualHosts.map(\.host.name) == ["x.com"])
    }

    @Test func rulesForOneHostFromSeveralIngressesMerge() {
        let table = router.route(
            ClusterState(
                ingresses: [
                    F.ingress("a", rules: [F.rule("x.com", F.path("/a", svc: "one"))]),
                    F.ingress("b", ns: "other", rules: [F.rule("x.com", F.path("/b", svc: "two"))]),
                ], services: [F.service("one"), F.service("two", ns: "other")]))
        #expect(
            table.summary("x.com") == [
                "^ /a -> one.default.svc.cluster.local:80", "^ /b -> two.other.svc.cluster.local:80",
            ])
    }

    @Test func missingServiceOrPortAnswers503WithADiagnostic() {
        let table = router.route(
            ClusterState(
                ingresses: [
                    F.ingress(
                        "web",
                        rules: [
                            F.rule(
                                "x.com", F.path("/ok", svc: "web"), F.path("/api", svc: "api"),
                                F.path("/port", svc: "web", port: 8080), F.path("/named", svc: "web", portName: "grpc"))
                        ])
                ], services: [F.service("web")]))
        #expect(
            table.summary("x.com") == [
                "^ /api -> 503", "^ /named -> 503", "^ /ok -> web.default.svc.cluster.local:80", "^ /port -> 503",
            ])
        #expect(
            table.diagnostics.map(\.description) == [
                "warning: ingress default/web: spec.rules[0].http.paths[1]: service \"api\" not found; answers 503",
                "warning: ingress default/web: spec.rules[0].http.paths[2]: service \"web\" has no port 8080; answers 503",
                "warning: ingress default/web: spec.rules[0].http.paths[3]: service \"web\" has no port \"grpc\"; answers 503",
            ])
        #expect(table.diagnostics.map(\.code) == [.serviceNotFound, .portNotFound, .portNotFound])
    }

    @Test func namedPortsExternalNameAndHeadlessServices() {
        let table = router.route(
            ClusterState(
                ingresses: [
                    F.ingress(
                        "web",
                        rules: [
                            F.rule(
                                "x.com", F.path("/named", svc: "web", portName: "admin"),
                                F.path("/ext", svc: "ext", port: 443), F.path("/headless", svc: "pods", port: 80))
                        ])
                ],
                services: [
                    F.service("web", ports: [ServicePort(name: "http", port: 80), ServicePort(name: "admin", port: 9000)]),
                    F.service("ext", ports: [], type: "ExternalName", externalName: "API.Example.org"),
                    F.service(
                        "pods", ports: [ServicePort(name: "http", port: 80, targetPort: .int(8080))], clusterIP: "None"),
                ]))
        #expect(table.diagnostics == [])
        #expect(
            table.summary("x.com") == [
                "^ /ext -> api.example.org:443", "^ /headless -> pods.default.svc.cluster.local:8080",
                "^ /named -> web.default.svc.cluster.local:9000",
            ])
    }

    @Test func ruleWithoutHostAndDefaultBackendServeTheRest() {
        let table = router.route(
            ClusterState(
                ingresses: [
                    F.ingress(
                        "a", defaultBackend: .service("fallback", port: .init(number: 80)),
                        rules: [F.rule(nil, F.path("/any", svc: "web")), F.rule("x.com", F.path("/x", svc: "web"))])
                ], services: [F.service("web"), F.service("fallback")]))
        #expect(table.summary(nil) == ["^ /any -> web.default.svc.cluster.local:80"])
        #expect(table.catchAll.fallback == F.upstream("fallback"))
        #expect(table.vhost("x.com")?.fallback == F.upstream("fallback"))
    }

    @Test func olderDefaultBackendWinsForUnmatchedHosts() {
        let table = router.route(
            ClusterState(
                ingresses: [
                    F.ingress("new", created: "2025-01-01T00:00:00Z", defaultBackend: .service("two", port: .init(number: 80)), rules: []),
                    F.ingress("old", created: "2024-01-01T00:00:00Z", defaultBackend: .service("one", port: .init(number: 80)), rules: []),
                ], services: [F.service("one"), F.service("two")]))
        #expect(table.catchAll.fallback == F.upstream("one"))
        #expect(table.diagnostics.map(\.code) == [.conflict])
    }

    @Test(arguments: [
        // (ingressClassName, legacy annotation, classes present, serve classless, served?)
        ("portico", nil, false, true, true),
        ("nginx", nil, false, true, false),
        (nil, "portico", false, true, true),
        (nil, "nginx", false, true, false),
        (nil, nil, false, true, true),
        (nil, nil, false, false, false),
        ("edge", nil, true, true, true),  // an IngressClass "edge" names Portico's controller
        (nil, nil, true, true, false),  // the default class belongs to another controller
    ] as [(String?, String?, Bool, Bool, Bool)])
    func ingressClassSelection(className: String?, annotation: String?, classes: Bool, classless: Bool, served: Bool) {
        let ingress = F.ingress(
            "i", className: className, annotations: annotation.map { ["kubernetes.io/ingress.class": $0] },
            rules: [F.rule("x.com", F.path("/"))])
        let ingressClasses =
            classes
            ? [
                IngressClass(metadata: ObjectMeta(name: "edge"), spec: IngressClassSpec(controller: RoutingOptions.controllerName)),
                IngressClass(
                    metadata: ObjectMeta(name: "other", annotations: [IngressClass.defaultClassAnnotation: "true"]),
                    spec: IngressClassSpec(controller: "k8s.io/ingress-nginx")),
            ] : []
        let table = Router(options: RoutingOptions(serveIngressesWithoutClass: classless)).route(
            ClusterState(ingresses: [ingress], services: [F.service("web")], ingressClasses: ingressClasses))
        #expect((table.vhost("x.com") != nil) == served)
    }

    /// `--controller-class k8s.io/ingress-nginx`: ingress-nginx's class is Portico's, by
    /// `ingressClassName`, by the legacy annotation and as the default class; Portico's own
    /// controller name then serves nothing unless listed too.
    @Test func takingOverAnotherControllersClass() {
        let classes = [
            IngressClass(
                metadata: ObjectMeta(name: "nginx", annotations: [IngressClass.defaultClassAnnotation: "true"]),
                spec: IngressClassSpec(controller: "k8s.io/ingress-nginx")),
            IngressClass(metadata: ObjectMeta(name: "edge"), spec: IngressClassSpec(controller: RoutingOptions.controllerName)),
            IngressClass(metadata: ObjectMeta(name: "traefik"), spec: IngressClassSpec(controller: "traefik.io/ingress-controller")),
        ]
        let state = ClusterState(
            ingresses: [
                F.ingress("by-name", className: "nginx", rules: [F.rule("a.com", F.path("/"))]),
                F.ingress("by-annotation", annotations: ["kubernetes.io/ingress.class": "nginx"], rules: [F.rule("b.com", F.path("/"))]),
                F.ingress("classless", rules: [F.rule("c.com", F.path("/"))]),
                F.ingress("edge", className: "edge", rules: [F.rule("d.com", F.path("/"))]),
                F.ingress("traefik", className: "traefik", rules: [F.rule("e.com", F.path("/"))]),
            ], services: [F.service("web")], ingressClasses: classes)
        func served(_ controllers: [String]) -> [String] {
            Router(options: RoutingOptions(controllerClasses: controllers)).route(state).virtualHosts.map(\.host.name)
        }
        #expect(served([RoutingOptions.controllerName]) == ["d.com"])
        #expect(served(["k8s.io/ingress-nginx"]) == ["a.com", "b.com", "c.com"])
        #expect(served(["k8s.io/ingress-nginx", RoutingOptions.controllerName]) == ["a.com", "b.com", "c.com", "d.com"])
        let table = Router(options: RoutingOptions(controllerClasses: ["k8s.io/ingress-nginx"])).route(state)
        let traefik = table.diagnostics.first { $0.object.name == "traefik" }
        #expect(traefik?.message.contains("its IngressClass names controller \"traefik.io/ingress-controller\"") == true, "\(table.diagnostics)")
        #expect(traefik?.message.contains("Portico serves \"k8s.io/ingress-nginx\": see --controller-class") == true)
        #expect(table.summary(ingresses: 5, controllers: ["edge": RoutingOptions.controllerName, "traefik": "traefik.io/ingress-controller"])
            == "info: 3 Ingresses served, 1 of class edge and 1 of class traefik left to other controllers: use --controller-class portico.io/ingress-controller to serve that class")
    }

    @Test(arguments: [true, false])
    func ingressesWithoutClassAreServedWhenPorticosClassIsTheDefault(serveClassless: Bool) {
        let classes = [
            IngressClass(
                metadata: ObjectMeta(name: "edge", annotations: [IngressClass.defaultClassAnnotation: "true"]),
                spec: IngressClassSpec(controller: RoutingOptions.controllerName))
        ]
        let state = ClusterState(
            ingresses: [
                F.ingress("classless", rules: [F.rule("x.com", F.path("/"))]),
                F.ingress("elsewhere", className: "nginx", rules: [F.rule("y.com", F.path("/"))]),
            ], services: [F.service("web")], ingressClasses: classes)
        let table = Router(options: RoutingOptions(serveIngressesWithoutClass: serveClassless)).route(state)
        // Marked default, Portico's class claims class-less Ingresses whatever the flag says.
        #expect(table.virtualHosts.map(\.host.name) == ["x.com"])
    }

    @Test func wildcardAndUppercaseHosts() {
        let table = router.route(
            ClusterState(
                ingresses: [
                    F.ingress("i", rules: [F.rule("*.Example.com", F.path("/")), F.rule("WWW.example.com", F.path("/"))])
                ], services: [F.service("web")]))
        #expect(table.virtualHosts.map(\.host.name) == ["*.example.com", "www.example.com"])
        #expect(table.virtualHosts[0].host.isWildcard)
        #expect(table.virtualHosts[0].host.suffix == "example.com")
    }
}
