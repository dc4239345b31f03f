import Foundation
import PorticoModel
import PorticoRouting
import PorticoTLS
import Testing

@testable import PorticoController

/// The certificates no host names, as `portico run` routes them: `--default-ssl-certificate`'s
/// and the Gateways' HTTPS listeners' reach the table, and a change of either is a change.
@Suite struct IncrementalCertificateTests {
    static let now = Date()

    static func secret(_ name: String, _ bundle: CertificateBundle) -> Secret {
        Secret(
            metadata: ObjectMeta(name: name, namespace: "default"), type: "kubernetes.io/tls",
            data: [
                "tls.crt": Data(bundle.chainPEM.utf8).base64EncodedString(),
                "tls.key": Data(bundle.keyPEM.utf8).base64EncodedString(),
            ])
    }

    @Test func defaultAndListenerCertificatesAreRoutedAndFollowed() throws {
        let first = try SelfSignedCertificate.generate(commonName: "fallback.example.com", now: Self.now)
        let renewed = try SelfSignedCertificate.generate(commonName: "fallback.example.com", now: Self.now)
        let listener = try SelfSignedCertificate.generate(commonName: "any.example.com", now: Self.now)
        var options = RoutingOptions(servesHTTPS: true, defaultCertificate: ObjectReference(kind: "Secret", namespace: "default", name: "fallback"))
        options.gatewayControllerName = "portico.io/gateway-controller"
        var state = ClusterState(ingresses: [ingress("web", host: "web.example.com")], services: [service("web")])
        state.secrets = [Self.secret("fallback", first), Self.secret("any", listener)]
        state.gatewayClasses = [GatewayClass(metadata: ObjectMeta(name: "portico"), spec: GatewayClassSpec(controllerName: options.gatewayControllerName))]
        state.gateways = [
            Gateway(
                metadata: ObjectMeta(name: "edge", namespace: "default"),
                spec: GatewaySpec(
                    gatewayClassName: "portico",
                    listeners: [
                        GatewayListener(
                            name: "any", port: 443, protocol: "HTTPS", tls: GatewayListenerTLS(certificateRefs: [SecretObjectReference(name: "any")]))
                    ]))
        ]
        var router = IncrementalRouter(options: options)
        let pass = router.route(state)
        let expected = Router(options: options).route(state)
        #expect(expected.defaultCertificate != nil)
        #expect(expected.gatewayCertificates.count == 1)
        #expect(pass.table() == expected)

        // A renewed default certificate: a new file, and the digest says the routes changed.
        state.secrets[0] = Self.secret("fallback", renewed)
        let next = router.route(state)
        #expect(next.table() == Router(options: options).route(state))
        #expect(next.table().defaultCertificate != pass.table().defaultCertificate)
        #expect(next.digest != pass.digest)
        // The listener's Secret gone: its certificate is no longer presented.
        state.secrets.removeLast()
        let last = router.route(state)
        #expect(last.table().gatewayCertificates.isEmpty)
        #expect(last.digest != next.digest)
    }
}
