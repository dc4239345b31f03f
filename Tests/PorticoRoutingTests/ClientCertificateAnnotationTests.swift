import Foundation
import PorticoModel
import PorticoTLS
import Testing

@testable import PorticoRouting

/// `auth-tls-*` as routing reads them: the host's requirement, ingress-nginx's defaults for invalid
/// values, what answers 503 and what leaves the Ingress out, and that the authorities' file holds
/// their certificates only.
@Suite struct ClientCertificateAnnotationTests {
    static let ca = try! SelfSignedCertificate.generate(commonName: "clients-ca", now: Date())

    static func secret(_ name: String, _ data: [String: String]) -> Secret {
        Secret(metadata: ObjectMeta(name: name, namespace: "default"), data: data.mapValues { Data($0.utf8).base64EncodedString() })
    }

    static let authorities = secret("ca", ["ca.crt": "# the clients' authority\n" + ca.chainPEM])

    static func route(
        _ annotations: [String: String], secrets: [Secret] = [authorities], hosts: [String?] = ["a.com"], https: Bool = true
    ) -> RoutingTable {
        let prefixed = annotations.reduce(into: [String: String]()) { $0["nginx.ingress.kubernetes.io/" + $1.key] = $1.value }
        return Router(options: RoutingOptions(servesHTTPS: https)).route(
            ClusterState(
                ingresses: [
                    F.ingress("i", annotations: prefixed, rules: hosts.map { F.rule($0, F.path("/")) }),
                    F.ingress("other", rules: [F.rule("b.com", F.path("/"))]),
                ],
                services: [F.service("web")], secrets: secrets))
    }

    static func codes(_ table: RoutingTable) -> [String] { table.diagnostics.map { "\($0.code.rawValue) \($0.field)" } }

    @Test func theOldestIngressDecidesItsHostsClientCertificates() throws {
        let table = Self.route(["auth-tls-secret": "default/ca", "auth-tls-pass-certificate-to-upstream": "true"])
        #expect(table.diagnostics == [])
        let required = try #require(table.vhost("a.com")?.clientCertificate)
        #expect(required.verification == .on && required.depth == 1 && required.errorPage == nil && required.passCertificate)
        #expect(required.secret == ObjectReference(kind: "Secret", namespace: "default", name: "ca"))
        let file = try #require(table.authFiles.first { $0.path == required.authorities })
        // The certificate only, made again from its DER: no comment, nothing else of the field.
        #expect(file.content == Self.ca.chainPEM && file.path.hasPrefix("auth/") && file.path.hasSuffix(".ca.pem"))
        #expect(table.vhost("b.com")?.clientCertificate == nil)
        // The host's routes keep their Service: nothing answers 503.
        #expect(table.vhost("a.com")?.locations.map(\.backend).allSatisfy { if case .upstream = $0 { true } else { false } } == true)
    }

    @Test(arguments: [
        (["auth-tls-verify-client": "optional_no_ca", "auth-tls-verify-depth": "3"], ClientCertificate.Verification.optionalNoCA, 3, [String]()),
        (["auth-tls-verify-client": "OFF", "auth-tls-verify-depth": "0"], .on, 1, ["invalid-annotation metadata.annotations[\"nginx.ingress.kubernetes.io/auth-tls-verify-client\"]"]),
        (["auth-tls-verify-depth": "-1"], .on, 1, ["invalid-annotation metadata.annotations[\"nginx.ingress.kubernetes.io/auth-tls-verify-depth\"]"]),
        (["auth-tls-verify-depth": "17"], .on, 1, ["invalid-annotation metadata.annotations[\"nginx.ingress.kubernetes.io/auth-tls-verify-depth\"]"]),
    ])
    func invalidValuesTakeIngressNginxsDefaults(annotations: [String: String], verification: ClientCertificate.Verification, depth: Int, codes: [String]) {
        let table = Self.route(annotations.merging(["auth-tls-secret": "ca"]) { a, _ in a })
        #expect(Self.codes(table) == codes)
        #expect(table.vhost("a.com")?.clientCertificate?.verification == verification)
        #expect(table.vhost("a.com")?.clientCertificate?.depth == depth)
    }

    @Test func anErrorPageIsAnHTTPURLOrTheIngressIsLeftOut() {
        #expect(Self.route(["auth-tls-secret": "ca", "auth-tls-error-page": "https://login.example/cert?x=1"]).vhost("a.com")?.clientCertificate?.errorPage
            == "https://login.example/cert?x=1")
        for page in ["@portico_proxy", "/local", "https://x.example/\";return 200", "https://x.example/$host"] {
            let table = Self.route(["auth-tls-secret": "ca", "auth-tls-error-page": page])
            #expect(table.vhost("a.com") == nil, "\(page)")
            #expect(Self.codes(table) == ["access-control-not-honoured metadata.annotations[\"nginx.ingress.kubernetes.io/auth-tls-error-page\"]"])
        }
    }

    /// A Secret that cannot be used: every path of the Ingress answers 503, and its host requires
    /// nothing (as in ingress-nginx, where the location is denied); never a key in a diagnostic.
    @Test(arguments: [
        ("missing", [Secret]()), ("default/missing", []), ("other/ca", [authorities]), ("ca", [secret("ca", ["tls.crt": ca.chainPEM])]),
        ("ca", [secret("ca", ["ca.crt": ca.keyPEM])]), ("ca", [secret("ca", ["ca.crt": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"])]),
        ("ca", [secret("ca", ["ca.crt": ca.chainPEM + ca.keyPEM])]), ("ca", [secret("ca", ["ca.crt": ca.chainPEM, "ca.crl": "x"])]),
        ("a/b/c", [authorities]),
    ])
    func anUnusableSecretAnswers503(name: String, secrets: [Secret]) throws {
        let table = Self.route(["auth-tls-secret": name], secrets: secrets)
        #expect(Self.codes(table) == ["auth-unavailable metadata.annotations[\"nginx.ingress.kubernetes.io/auth-tls-secret\"]"])
        let a = try #require(table.vhost("a.com"))
        #expect(a.clientCertificate == nil && a.locations.allSatisfy { $0.backend == .unavailable(status: 503) })
        #expect(!table.diagnostics.description.contains("PRIVATE") && !table.diagnostics.description.contains("MII"))
    }

    @Test(arguments: [
        ([String?]([nil]), "spec.rules[0]"), (["*.a.com"], "spec.rules[0].host"), (["a.com", nil], "spec.rules[1]"),
    ])
    func rulesWithoutAnExactHostLeaveTheIngressOut(hosts: [String?], field: String) {
        let table = Self.route(["auth-tls-secret": "ca"], hosts: hosts)
        #expect(Self.codes(table) == ["access-control-not-honoured \(field)"])
        #expect(table.vhost("a.com") == nil && table.catchAll.locations.isEmpty)
    }

    @Test func withoutHTTPSOrWithAMatchOnTheSubjectTheIngressIsLeftOut() {
        let plain = Self.route(["auth-tls-secret": "ca"], https: false)
        #expect(plain.vhost("a.com") == nil && Self.codes(plain) == ["access-control-not-honoured metadata.annotations[\"nginx.ingress.kubernetes.io/auth-tls-secret\"]"])
        let matched = Self.route(["auth-tls-secret": "ca", "auth-tls-match-cn": "CN=alice"])
        #expect(matched.vhost("a.com") == nil)
        // Settings without the Secret do nothing, as in ingress-nginx.
        let alone = Self.route(["auth-tls-verify-client": "on"])
        #expect(alone.vhost("a.com")?.clientCertificate == nil && Self.codes(alone).count == 1)
    }

    /// Every path of the host needs the certificate, whichever Ingress it comes from; a younger
    /// Ingress with other settings is told whose apply.
    @Test func aHostsOtherIngressesAreCoveredToo() throws {
        let state = ClusterState(
            ingresses: [
                F.ingress("old", annotations: ["nginx.ingress.kubernetes.io/auth-tls-secret": "ca"], rules: [F.rule("a.com", F.path("/"))]),
                F.ingress(
                    "young", annotations: ["nginx.ingress.kubernetes.io/auth-tls-secret": "ca", "nginx.ingress.kubernetes.io/auth-tls-verify-client": "optional"],
                    rules: [F.rule("a.com", F.path("/y"))]),
                F.ingress("plain", rules: [F.rule("a.com", F.path("/p"))]),
            ],
            services: [F.service("web")], secrets: [Self.authorities])
        let table = Router(options: RoutingOptions(servesHTTPS: true)).route(state)
        #expect(table.vhost("a.com")?.clientCertificate?.verification == .on)
        #expect(table.vhost("a.com")?.clientCertificate?.source.name == "old")
        #expect(table.vhost("a.com")?.locations.count == 3)
        #expect(Self.codes(table) == ["conflict metadata.annotations[\"nginx.ingress.kubernetes.io/auth-tls-secret\"]"])
    }
}
