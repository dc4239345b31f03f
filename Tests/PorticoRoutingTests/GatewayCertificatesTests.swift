import Foundation
import PorticoModel
import PorticoTLS
import Testing

@testable import PorticoRouting

/// HTTPS listeners: which certificate each hostname gets, which listeners lose theirs and why,
/// and which protocol a route's candidates answer on.
@Suite struct GatewayCertificatesTests {
    typealias A = GatewayAttachmentTests
    typealias T = TLSRoutingTests

    static let now = Date()

    static func listener(_ name: String, hostname: String?, secret: String, namespace: String? = nil) -> GatewayListener {
        GatewayListener(
            name: name, hostname: hostname, port: 443, protocol: "HTTPS",
            tls: GatewayListenerTLS(certificateRefs: [SecretObjectReference(name: secret, namespace: namespace)]))
    }

    static func gateway(_ name: String, created: String, _ listeners: [GatewayListener]) -> Gateway {
        Gateway(
            metadata: ObjectMeta(name: name, namespace: "infra", creationTimestamp: created),
            spec: GatewaySpec(gatewayClassName: "portico", listeners: listeners))
    }

    @Test func listenersCertificatesByHostname() throws {
        let shop = try SelfSignedCertificate.generate(commonName: "shop.example.com", now: Self.now)
        let wild = try SelfSignedCertificate.generate(commonName: "apps.example.com", now: Self.now)
        let any = try SelfSignedCertificate.generate(commonName: "any.example.com", now: Self.now)
        let ingressCert = try SelfSignedCertificate.generate(commonName: "web.example.com", now: Self.now)
        var state = A.state([])
        state.gateways = [
            Self.gateway(
                "edge", created: "2026-01-01T00:00:00Z",
                [
                    Self.listener("shop", hostname: "shop.example.com", secret: "shop-tls"),
                    Self.listener("apps", hostname: "*.apps.example.com", secret: "wild-tls"),
                    Self.listener("any", hostname: nil, secret: "any-tls"),
                    Self.listener("broken", hostname: "broken.example.com", secret: "broken"),
                    Self.listener("missing", hostname: "missing.example.com", secret: "nothere"),
                    Self.listener("foreign", hostname: "foreign.example.com", secret: "any-tls", namespace: "shop"),
                    Self.listener("web", hostname: "web.example.com", secret: "shop-tls"),
                ]),
            // Newer: its listener for a hostname edge already has is not served.
            Self.gateway("late", created: "2026-02-01T00:00:00Z", [Self.listener("shop", hostname: "shop.example.com", secret: "wild-tls")]),
        ]
        state.secrets = [
            T.secret("shop-tls", shop, ns: "infra"), T.secret("wild-tls", wild, ns: "infra"), T.secret("any-tls", any, ns: "infra"),
            T.secret("any-tls", any, ns: "shop"), T.secret("web-tls", ingressCert),
            Secret(metadata: ObjectMeta(name: "broken", namespace: "infra"), type: "kubernetes.io/tls", data: ["tls.crt": "bm9wZQ==", "tls.key": "bm9wZQ=="]),
        ]
        state.services.append(F.service("web"))
        state.ingresses = [T.tlsIngress("web", host: "web.example.com", secret: "web-tls")]
        let table = Router(options: RoutingOptions(servesHTTPS: true), now: Self.now).route(state)

        let served = table.gatewayCertificates.map { "\($0.listener.gateway.name)/\($0.listener.listener) \($0.hostname?.text ?? "-")" }
        #expect(served == ["edge/shop shop.example.com", "edge/apps *.apps.example.com", "edge/any -"])
        let files = Set(table.certificates.map(\.path))
        #expect(table.gatewayCertificates.allSatisfy { files.contains($0.file) })
        #expect(Set(table.gatewayCertificates.map(\.file)).count == 3)
        #expect(table.certificates.first { $0.path == table.gatewayCertificates[2].file }?.hosts == ["*"])

        let messages = table.diagnostics.filter { $0.object.kind == "Gateway" }.map { "\($0.object.name) \($0.field): \($0.message)" }
        #expect(messages.contains { $0.hasPrefix("edge spec.listeners[3].tls.certificateRefs[0]: secret infra/broken") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("edge spec.listeners[4].tls.certificateRefs[0]: secret infra/nothere not found") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("edge spec.listeners[6].hostname: host web.example.com takes its certificate from an Ingress") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("late spec.listeners[0].tls: hostname shop.example.com already comes from gateway infra/edge listener \"shop\"") }, "\(messages)")
        // Not permitted (no ReferenceGrant): its status says so; nothing is validated or served.
        #expect(!messages.contains { $0.contains("foreign") })
        #expect(!table.diagnostics.contains { $0.message.contains("PRIVATE KEY") })
    }

    @Test func aReferenceGrantLetsAListenerUseASecretOfAnotherNamespace() throws {
        let any = try SelfSignedCertificate.generate(commonName: "any.example.com", now: Self.now)
        let grant = ReferenceGrant(
            metadata: ObjectMeta(name: "certs", namespace: "shop"),
            spec: ReferenceGrantSpec(
                from: [ReferenceGrantFrom(group: GatewayAPI.group, kind: "Gateway", namespace: "infra")],
                to: [ReferenceGrantTo(group: "", kind: "Secret", name: "any-tls")]))
        var state = A.state([], grants: [grant])
        state.gateways = [Self.gateway("edge", created: "2026-01-01T00:00:00Z", [Self.listener("any", hostname: nil, secret: "any-tls", namespace: "shop")])]
        state.secrets = [T.secret("any-tls", any, ns: "shop")]
        let table = Router(options: RoutingOptions(servesHTTPS: true), now: Self.now).route(state)
        #expect(table.gatewayCertificates.map(\.listener.listener) == ["any"])
        // Without HTTPS there is nothing to present.
        #expect(Router(options: RoutingOptions(), now: Self.now).route(state).gatewayCertificates.isEmpty)
    }

    /// A route of the HTTP listener only answers plain HTTP; one of both listeners, both. A host
    /// whose routes all come through one protocol is chosen by the scheme (`GatewayHost.scheme`),
    /// and its candidates test it no more; a host of both keeps each candidate's.
    @Test func candidatesAnswerOnTheirListenersProtocol() throws {
        func route(_ name: String, _ section: String?) -> HTTPRoute {
            A.route(name, parents: [ParentReference(namespace: "infra", name: "edge", sectionName: section)], hostnames: ["shop.example.com"])
        }
        for (section, scheme) in [("http", "http"), ("https", "https"), (nil, nil) as (String?, String?)] {
            let host = try #require(GatewayRoutesTests.hosts([route("web", section)]).hosts.first)
            #expect(host.scheme == scheme, "\(section ?? "both")")
            #expect(host.root.map(\.scheme) == [nil], "\(section ?? "both")")
        }
        let mixed = try #require(GatewayRoutesTests.hosts([route("web", "http"), route("api", "https")]).hosts.first)
        #expect(mixed.scheme == nil)
        #expect(Set(mixed.root.map(\.scheme)) == ["http", "https"])
    }
}
