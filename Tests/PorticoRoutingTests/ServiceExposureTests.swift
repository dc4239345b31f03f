import PorticoModel
import Testing

@testable import PorticoRouting

/// `--expose-services`: which Services become hosts, by what name, to which port, what Ingresses
/// keep, and every Service left out with its diagnostic; `portico.io/tcp-port` as a stream server.
@Suite struct ServiceExposureTests {
    static let selector: LabelSelector = {
        do { return try LabelSelector(parsing: "portico.io/expose=true") } catch { fatalError("\(error)") }
    }()

    static func options(domain: String? = "apps.example.com", tcp: ObjectReference? = nil) -> RoutingOptions {
        var options = RoutingOptions()
        options.expose = ServiceExposure(selector: selector, domain: domain)
        options.streams = StreamOptions(tcpServices: tcp, reservedPorts: [80: "HTTP", 443: "HTTPS", 10254: "health"])
        return options
    }

    static func service(
        _ name: String, ns: String = "demo", exposed: Bool = true, created: String? = nil, annotations: [String: String]? = nil,
        ports: [ServicePort] = [ServicePort(name: "http", port: 8080), ServicePort(name: "metrics", port: 9090)], type: String? = nil,
        clusterIP: String? = nil, externalName: String? = nil
    ) -> Service {
        Service(
            metadata: ObjectMeta(
                name: name, namespace: ns, creationTimestamp: created, labels: exposed ? ["portico.io/expose": "true", "app": name] : ["app": name],
                annotations: annotations),
            spec: ServiceSpec(type: type, clusterIP: clusterIP, externalName: externalName, ports: ports))
    }

    static func route(_ services: [Service], ingresses: [Ingress] = [], options: RoutingOptions = options(), configMaps: [ConfigMap] = []) -> RoutingTable {
        var state = ClusterState(ingresses: ingresses, services: services)
        state.configMaps = configMaps
        return Router(options: options).route(state)
    }

    @Test func aSelectedServiceIsAHostByItsDefaultNameOrItsAnnotation() {
        let table = Self.route([
            Self.service("web"), Self.service("shop", annotations: ["portico.io/host": "Shop.Example.COM"]),
            Self.service("hidden", exposed: false),
        ])
        #expect(table.virtualHosts.map(\.host.name) == ["shop.example.com", "web.demo.apps.example.com"])
        #expect(table.summary("web.demo.apps.example.com") == ["^ / -> web.demo.svc.cluster.local:8080"])
        #expect(table.summary("shop.example.com") == ["^ / -> shop.demo.svc.cluster.local:8080"])
        let location = table.vhost("shop.example.com")?.locations.first
        #expect(location?.source == ObjectReference(kind: "Service", namespace: "demo", name: "shop"))
        #expect(location?.field == "spec.ports[0]")
        #expect(table.upstreams.map(\.address) == ["shop.demo.svc.cluster.local:8080", "web.demo.svc.cluster.local:8080"])
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
        #expect(table.servedIngresses.isEmpty)
    }

    /// `portico.io/port` by number or name; without it the first TCP port.
    @Test(arguments: [
        (nil, [ServicePort(name: "dns", port: 53, protocol: "UDP"), ServicePort(name: "http", port: 8080)], 8080, "spec.ports[1]"),
        ("metrics", [ServicePort(name: "http", port: 8080), ServicePort(name: "metrics", port: 9090)], 9090, "spec.ports[1]"),
        ("9090", [ServicePort(name: "http", port: 8080), ServicePort(name: "metrics", port: 9090)], 9090, "spec.ports[1]"),
    ] as [(String?, [ServicePort], Int, String)])
    func thePortIsTheAnnotatedOneElseTheFirstTCPPort(annotation: String?, ports: [ServicePort], port: Int, field: String) {
        let table = Self.route([Self.service("web", annotations: annotation.map { ["portico.io/port": $0] }, ports: ports)])
        #expect(table.summary("web.demo.apps.example.com") == ["^ / -> web.demo.svc.cluster.local:\(port)"])
        #expect(table.vhost("web.demo.apps.example.com")?.locations.first?.field == field)
    }

    @Test func headlessAndExternalNameServicesResolveAsIngressBackendsDo() {
        let table = Self.route([
            Self.service("pods", ports: [ServicePort(name: "http", port: 80, targetPort: .int(8081))], clusterIP: "None"),
            Self.service(
                "ext", annotations: ["portico.io/port": "8443"], ports: [], type: "ExternalName", externalName: "api.partner.example"),
        ])
        #expect(table.summary("pods.demo.apps.example.com") == ["^ / -> pods.demo.svc.cluster.local:8081"])
        #expect(table.summary("ext.demo.apps.example.com") == ["^ / -> api.partner.example:8443"])
    }

    @Test func ingressRulesForTheSameHostWinWithADiagnosticNamingTheService() {
        let ingress = F.ingress("site", ns: "demo", rules: [F.rule("web.demo.apps.example.com", F.path("/", svc: "web", port: 8080))])
        let alias = F.ingress(
            "aliased", ns: "demo", annotations: ["nginx.ingress.kubernetes.io/server-alias": "shop.example.com"],
            rules: [F.rule("store.example.com", F.path("/", svc: "web", port: 8080))])
        let table = Self.route(
            [Self.service("web"), Self.service("api", annotations: ["portico.io/host": "web.demo.apps.example.com"]),
             Self.service("shop", annotations: ["portico.io/host": "shop.example.com"]), Self.service("other")],
            ingresses: [ingress, alias])
        #expect(table.virtualHosts.map(\.host.name) == ["other.demo.apps.example.com", "store.example.com", "web.demo.apps.example.com"])
        #expect(table.vhost("web.demo.apps.example.com")?.locations.map(\.source.kind) == ["Ingress"])
        let messages = table.diagnostics.map { "\($0.object) \($0.code.rawValue) \($0.field): \($0.message)" }
        #expect(
            messages == [
                "service demo/api conflict metadata.annotations[\"portico.io/host\"]: host web.demo.apps.example.com is served by ingress demo/site: Ingress rules win; not exposed",
                "service demo/shop conflict metadata.annotations[\"portico.io/host\"]: shop.example.com is a name ingress demo/aliased serves: Ingress rules win; not exposed",
                "service demo/web conflict metadata.name: host web.demo.apps.example.com is served by ingress demo/site: Ingress rules win; not exposed",
            ], "\(messages)")
    }

    @Test func theOlderOfTwoServicesClaimingAHostWins() {
        let table = Self.route([
            Self.service("b", created: "2024-01-01T00:00:00Z", annotations: ["portico.io/host": "x.example.com"]),
            Self.service("a", created: "2025-01-01T00:00:00Z", annotations: ["portico.io/host": "x.example.com"]),
        ])
        #expect(table.summary("x.example.com") == ["^ / -> b.demo.svc.cluster.local:8080"])
        #expect(table.diagnostics.map(\.description) == [
            "warning: service demo/a: metadata.annotations[\"portico.io/host\"]: host x.example.com is exposed by service demo/b already (older, or first by namespace/name); not exposed"
        ])
    }

    /// Hostile or impossible annotations: the Service is left out with a diagnostic naming it, the
    /// annotation and why; the others are served.
    @Test(arguments: [
        (["portico.io/host": "a.example.com;"], "portico.io/host", "not a valid host"),
        (["portico.io/host": "a.example.com { return 200; }"], "portico.io/host", "not a valid host"),
        (["portico.io/host": "a.example.com\nb"], "portico.io/host", "not a valid host"),
        (["portico.io/host": "$host"], "portico.io/host", "not a valid host"),
        (["portico.io/host": "../etc/passwd"], "portico.io/host", "not a valid host"),
        (["portico.io/host": "10.0.0.1"], "portico.io/host", "not a valid host"),
        (["portico.io/host": String(repeating: "a.", count: 200) + "com"], "portico.io/host", "not a valid host"),
        (["portico.io/port": "80;"], "portico.io/port", "not a port number"),
        (["portico.io/port": "0"], "portico.io/port", "not a port number"),
        (["portico.io/port": "70000"], "portico.io/port", "not a port number"),
        (["portico.io/port": "http\n}"], "portico.io/port", "not a port number"),
        (["portico.io/port": "8081"], "portico.io/port", "no TCP port 8081"),
        (["portico.io/port": "grpc"], "portico.io/port", "no TCP port named \"grpc\""),
    ])
    func hostileAnnotationsLeaveTheServiceOut(annotations: [String: String], annotation: String, why: String) {
        let table = Self.route([Self.service("bad", annotations: annotations), Self.service("good")])
        #expect(table.virtualHosts.map(\.host.name) == ["good.demo.apps.example.com"])
        #expect(table.diagnostics.count == 1, "\(table.diagnostics)")
        let d = table.diagnostics.first
        #expect(d?.object == ObjectReference(kind: "Service", namespace: "demo", name: "bad"))
        #expect(d?.field == "metadata.annotations[\"\(annotation)\"]")
        #expect(d?.message.contains(why) == true, "\(d?.message ?? "")")
        #expect(d?.description.contains("\n") == false)
    }

    @Test func withoutADomainAServiceNeedsItsHostAnnotation() {
        let table = Self.route(
            [Self.service("web"), Self.service("shop", annotations: ["portico.io/host": "shop.example.com"])], options: Self.options(domain: nil))
        #expect(table.virtualHosts.map(\.host.name) == ["shop.example.com"])
        #expect(table.diagnostics.map(\.description) == [
            "warning: service demo/web: metadata.annotations[\"portico.io/host\"]: not set, and no --expose-services-domain names SERVICE.NAMESPACE.DOMAIN; not exposed over HTTP"
        ])
    }

    @Test func aServiceWithoutATCPPortIsReported() {
        let table = Self.route([Self.service("dns", ports: [ServicePort(name: "dns", port: 53, protocol: "UDP")])])
        #expect(table.virtualHosts.isEmpty)
        #expect(table.diagnostics.map(\.description) == ["warning: service demo/dns: spec.ports: has no TCP port to expose; not exposed"])
    }

    @Test func withoutTheFlagNoServiceIsExposed() {
        let table = Router().route(ClusterState(services: [Self.service("web", annotations: ["portico.io/tcp-port": "2222"])]))
        #expect(table.virtualHosts.isEmpty && table.streams.isEmpty && table.diagnostics.isEmpty)
    }

    // MARK: portico.io/tcp-port

    static let git = service(
        "gitea", ns: "git", annotations: ["portico.io/tcp-port": "2222", "portico.io/port": "ssh"],
        ports: [ServicePort(name: "http", port: 3000), ServicePort(name: "ssh", port: 22)])

    @Test func tcpPortExposesTheChosenPortAsAStreamServer() {
        let table = Self.route([Self.git], options: Self.options(domain: nil))
        let upstream = Upstream(host: "gitea.git.svc.cluster.local", port: 22)
        #expect(
            table.streams == [
                StreamServer(port: 2222, transport: .tcp, target: .resolved(upstream), source: "git/gitea:22 (service git/gitea, portico.io/tcp-port)")
            ])
        // Without portico.io/host it asked for TCP only, even with a domain: no host, and nothing to say.
        #expect(table.virtualHosts.isEmpty)
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
        #expect(Self.route([Self.git]).virtualHosts.isEmpty)
        // With one it is a host too, to the same port.
        var named = Self.git
        named.metadata.annotations?["portico.io/host"] = "git.example.com"
        let both = Self.route([named])
        #expect(both.summary("git.example.com") == ["^ / -> gitea.git.svc.cluster.local:22"])
        #expect(both.streams.map(\.port) == [2222])
    }

    /// The TCP services ConfigMap wins a port; Portico's own ports and the older Service's are kept.
    @Test func tcpPortConflictsAreLeftOutWithADiagnostic() {
        let configMap = ObjectReference(kind: "ConfigMap", namespace: "ingress", name: "tcp-services")
        let table = Self.route(
            [
                Self.git, Self.service("db", created: "2020-01-01T00:00:00Z", annotations: ["portico.io/tcp-port": "5432"]),
                Self.service("db2", created: "2021-01-01T00:00:00Z", annotations: ["portico.io/tcp-port": "5432"]),
                Self.service("http", annotations: ["portico.io/tcp-port": "443"]),
            ],
            options: Self.options(domain: nil, tcp: configMap),
            configMaps: [ConfigMap(metadata: ObjectMeta(name: "tcp-services", namespace: "ingress"), data: ["2222": "demo/db:8080"])])
        #expect(table.streams.map { "\($0.port) \($0.source)" } == ["2222 demo/db:8080", "5432 demo/db:8080 (service demo/db, portico.io/tcp-port)"])
        #expect(
            table.diagnostics.map(\.description) == [
                "warning: service demo/db2: metadata.annotations[\"portico.io/tcp-port\"]: port 5432 is service demo/db's (older, or first by namespace/name) already; not exposed over TCP",
                "warning: service demo/http: metadata.annotations[\"portico.io/tcp-port\"]: port 443 is Portico's HTTPS port; not exposed over TCP",
                "warning: service git/gitea: metadata.annotations[\"portico.io/tcp-port\"]: port 2222 is configmap ingress/tcp-services's (it wins) already; not exposed over TCP",
            ], "\(table.diagnostics.map(\.description))")
    }

    @Test(arguments: ["80;", "0", "70000", "22\n}", "$port", "-1", "2222 ", ""])
    func hostileTCPPortsAreLeftOut(value: String) {
        let table = Self.route([Self.service("db", annotations: ["portico.io/tcp-port": value])], options: Self.options(domain: nil))
        #expect(table.streams.isEmpty)
        #expect(table.diagnostics.count == 1, "\(table.diagnostics)")
        #expect(table.diagnostics.first?.field == "metadata.annotations[\"portico.io/tcp-port\"]")
        #expect(table.diagnostics.first?.message.contains("not a port number") == true)
        #expect(table.diagnostics.first?.description.contains("\n") == false)
    }
}

/// HTTPS for exposed hosts: none of their own (the default certificate, no redirect), unless an
/// Ingress's `spec.tls` lists the name without a rule for it, which gives it that Secret's
/// certificate and the redirect, as for a host whose rules another Ingress has.
@Suite struct ServiceExposureTLSTests {
    @Test func anExposedHostHasNoCertificateUnlessAnIngressSpecTLSNamesIt() throws {
        var options = ServiceExposureTests.options()
        options.servesHTTPS = true
        let plain = Router(options: options, now: TLSRoutingTests.now).route(ClusterState(services: [ServiceExposureTests.service("web")]))
        let vhost = try #require(plain.vhost("web.demo.apps.example.com"))
        #expect(vhost.tls == nil && !vhost.redirectsFallback && vhost.locations.allSatisfy { !$0.options.redirectsToHTTPS })
        #expect(plain.diagnostics.isEmpty, "\(plain.diagnostics)")

        let bundle = try TLSRoutingTests.bundle("web.demo.apps.example.com")
        var certificateOnly = F.ingress("web-tls", ns: "demo", rules: [])
        certificateOnly.spec.tls = [IngressTLS(hosts: ["web.demo.apps.example.com"], secretName: "web-tls")]
        let named = Router(options: options, now: TLSRoutingTests.now).route(
            ClusterState(
                ingresses: [certificateOnly], services: [ServiceExposureTests.service("web")],
                secrets: [TLSRoutingTests.secret("web-tls", bundle, ns: "demo")]))
        let withCertificate = try #require(named.vhost("web.demo.apps.example.com"))
        #expect(withCertificate.tls?.certificate == named.certificates.first?.path)
        #expect(withCertificate.locations.map(\.source.kind) == ["Service"])
        #expect(withCertificate.locations.allSatisfy { $0.options.redirectsToHTTPS })
        #expect(named.diagnostics.isEmpty, "\(named.diagnostics)")
    }
}
