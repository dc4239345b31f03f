import Foundation
import PorticoModel
import PorticoTLS
import Testing

@testable import PorticoRouting

/// `spec.tls` with an HTTPS listener: which hosts get which certificate, what is reported when a
/// Secret cannot be used, and which plain-HTTP requests are redirected.
@Suite struct TLSRoutingTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let https = RoutingOptions(servesHTTPS: true)

    static func bundle(_ name: String) throws -> CertificateBundle {
        try SelfSignedCertificate.generate(commonName: name, now: now)
    }

    static func secret(_ name: String, _ bundle: CertificateBundle, ns: String = "default") -> Secret {
        Secret(
            metadata: ObjectMeta(name: name, namespace: ns), type: "kubernetes.io/tls",
            data: [
                "tls.crt": Data(bundle.chainPEM.utf8).base64EncodedString(),
                "tls.key": Data(bundle.keyPEM.utf8).base64EncodedString(),
            ])
    }

    static func tlsIngress(
        _ name: String, host: String, secret: String?, created: String = "2026-01-01T00:00:00Z",
        annotations: [String: String]? = nil, paths: [HTTPIngressPath] = [F.path("/")]
    ) -> Ingress {
        var ingress = F.ingress(name, created: created, annotations: annotations, rules: [IngressRule(host: host, paths: paths)])
        ingress.spec.tls = [IngressTLS(hosts: [host], secretName: secret)]
        return ingress
    }

    static func route(_ ingresses: [Ingress], secrets: [Secret], options: RoutingOptions = https) -> RoutingTable {
        Router(options: options, now: now).route(
            ClusterState(ingresses: ingresses, services: [F.service("web")], secrets: secrets))
    }

    @Test func aValidSecretServesItsHostWithItsCertificateRedirectsAndSetsHSTS() throws {
        let bundle = try Self.bundle("a.test")
        let table = Self.route([Self.tlsIngress("web", host: "a.test", secret: "a-tls")], secrets: [Self.secret("a-tls", bundle)])
        let vhost = try #require(table.vhost("a.test"))
        let file = try #require(table.certificates.first)
        #expect(table.certificates.count == 1)
        #expect(vhost.tls?.certificate == file.path)
        #expect(file.path.hasPrefix("tls/") && file.path.hasSuffix(".pem") && file.path.count == 4 + 32 + 4)
        #expect(file.pem == bundle.pem)
        #expect(file.hosts == ["a.test"])
        #expect(vhost.locations.allSatisfy { $0.options.redirectsToHTTPS && $0.options.strictTransportSecurity })
        #expect(vhost.redirectsFallback)
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
        // Key material never reaches what is printed about the table.
        #expect(!file.description.contains("PRIVATE KEY"))
    }

    @Test func aMissingOrBrokenSecretLeavesTheHostOnTheDefaultCertificateWithAReason() throws {
        let good = try Self.bundle("b.test")
        var broken = Self.secret("broken", good)
        broken.data?["tls.key"] = Data("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n".utf8).base64EncodedString()
        let table = Self.route(
            [
                Self.tlsIngress("missing", host: "a.test", secret: "nope"),
                Self.tlsIngress("broken", host: "b.test", secret: "broken"),
            ],
            secrets: [broken])
        for host in ["a.test", "b.test"] {
            let vhost = try #require(table.vhost(host))
            #expect(vhost.tls != nil && vhost.tls?.certificate == nil, "\(host)")
            // Still redirected (the host asked for HTTPS); no HSTS on the default certificate.
            #expect(vhost.locations.allSatisfy { $0.options.redirectsToHTTPS && !$0.options.strictTransportSecurity })
        }
        #expect(table.certificates.isEmpty)
        let messages = table.diagnostics.filter { $0.code == .invalidTLS }.map(\.description)
        #expect(messages.count == 2, "\(messages)")
        #expect(messages.contains { $0.contains("ingress default/missing: spec.tls[0].secretName: secret default/nope not found") })
        #expect(messages.contains { $0.contains("ingress default/broken: spec.tls[0].secretName: secret default/broken: tls.key") })
        #expect(messages.allSatisfy { $0.contains("served with the default certificate") })
        for text in [good.keyPEM, broken.data?["tls.key"] ?? "", "not a key"] {
            #expect(!table.diagnostics.contains { $0.message.contains(text) })
        }
    }

    @Test func annotationsTurnTheRedirectOffOrForceItAndACMEChallengesAreNeverRedirected() throws {
        let bundle = try Self.bundle("a.test")
        let table = Self.route(
            [
                Self.tlsIngress("web", host: "a.test", secret: "a-tls", paths: [F.path("/app")]),
                F.ingress(
                    "plain", created: "2026-01-02T00:00:00Z", annotations: ["nginx.ingress.kubernetes.io/ssl-redirect": "false"],
                    rules: [F.rule("a.test", F.path("/open"))]),
                F.ingress(
                    "cm-acme-http-solver-x", created: "2026-01-03T00:00:00Z",
                    rules: [F.rule("a.test", F.path("/.well-known/acme-challenge/tok-EN_1.x", "Exact"))]),
                F.ingress(
                    "forced", annotations: ["portico.io/force-ssl-redirect": "true"], rules: [F.rule("lb.test", F.path("/"))]),
            ],
            secrets: [Self.secret("a-tls", bundle)])
        let a = try #require(table.vhost("a.test"))
        func redirects(_ path: String, in vhost: VirtualHost) -> Bool? { vhost.locations.first { $0.path == path }?.options.redirectsToHTTPS }
        #expect(redirects("/app", in: a) == true)
        #expect(redirects("/open", in: a) == false)
        #expect(redirects("/.well-known/acme-challenge/tok-EN_1.x", in: a) == false)
        let lb = try #require(table.vhost("lb.test"))
        #expect(lb.tls == nil && redirects("/", in: lb) == true && lb.redirectsFallback)
        #expect(lb.locations.allSatisfy { !$0.options.strictTransportSecurity })
    }

    @Test func theOldestIngressDecidesAHostsCertificate() throws {
        let (one, two) = (try Self.bundle("a.test"), try Self.bundle("a.test"))
        let table = Self.route(
            [
                Self.tlsIngress("younger", host: "a.test", secret: "two", created: "2026-02-01T00:00:00Z", paths: [F.path("/y")]),
                Self.tlsIngress("older", host: "a.test", secret: "one", created: "2026-01-01T00:00:00Z", paths: [F.path("/o")]),
            ],
            secrets: [Self.secret("one", one), Self.secret("two", two)])
        #expect(table.certificates.map(\.pem) == [one.pem])
        #expect(table.vhost("a.test")?.tls?.source.name == "older")
        #expect(table.diagnostics.contains { $0.code == .conflict && $0.object.name == "younger" && $0.field == "spec.tls[0]" })
    }

    @Test func aCertificateThatDoesNotNameTheHostIsServedWithAWarning() throws {
        let table = Self.route(
            [Self.tlsIngress("web", host: "a.test", secret: "other")], secrets: [Self.secret("other", try Self.bundle("other.test"))])
        #expect(table.vhost("a.test")?.tls?.certificate != nil)
        let warning = try #require(table.diagnostics.first { $0.code == .certificateWarning })
        #expect(warning.message.contains("a.test"))
    }

    @Test func tlsHostsWithoutRulesAndHostileNamesAreReported() throws {
        var ingress = Self.tlsIngress("web", host: "a.test", secret: "../../etc/passwd")
        ingress.spec.tls.append(IngressTLS(hosts: ["nowhere.test", "bad host"], secretName: "x"))
        let table = Self.route([ingress], secrets: [])
        let fields = table.diagnostics.map { "\($0.code.rawValue) \($0.field)" }
        #expect(fields.contains("invalid-tls spec.tls[0].secretName"))
        #expect(fields.contains("invalid-tls spec.tls[1].hosts[1]"))
        #expect(table.diagnostics.contains { $0.field == "spec.tls[1]" && $0.message.contains("nowhere.test has no rules") })
        #expect(table.vhost("a.test")?.tls?.certificate == nil)
    }

    /// `--default-ssl-certificate`: the Secret's certificate becomes a file of the table and the
    /// default; a host's own certificate with the same content is one file for both. Missing or
    /// broken: the self-signed default, with the reason on the Secret.
    @Test func anOperatorsDefaultCertificateIsValidatedAndBecomesTheDefault() throws {
        let wildcard = try Self.bundle("*.example.com")
        let own = try Self.bundle("a.test")
        var options = Self.https
        options.defaultCertificate = ObjectReference(kind: "Secret", namespace: "ingress", name: "default-tls")
        let ingress = Self.tlsIngress("web", host: "a.test", secret: "a-tls")

        let table = Self.route(
            [ingress], secrets: [Self.secret("a-tls", own), Self.secret("default-tls", wildcard, ns: "ingress")], options: options)
        let file = try #require(table.certificates.first { $0.hosts == ["*"] })
        #expect(table.defaultCertificate == file.path)
        #expect(file.pem == wildcard.pem)
        #expect(file.secret == ObjectReference(kind: "Secret", namespace: "ingress", name: "default-tls"))
        #expect(table.certificates.count == 2)
        #expect(table.vhost("a.test")?.tls?.certificate != file.path)
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")

        // The same Secret as a host's and as the default: one file.
        let shared = Self.route([Self.tlsIngress("web", host: "a.test", secret: "a-tls")], secrets: [
            Self.secret("a-tls", own), Self.secret("default-tls", own, ns: "ingress"),
        ], options: options)
        #expect(shared.certificates.count == 1)
        #expect(shared.certificates.first?.hosts == ["*", "a.test"])
        #expect(shared.defaultCertificate == shared.certificates.first?.path)

        // Missing, then without its key: the self-signed default, with the reason on the Secret.
        let missing = Self.route([ingress], secrets: [Self.secret("a-tls", own)], options: options)
        #expect(missing.defaultCertificate == nil)
        #expect(missing.certificates.count == 1)
        #expect(missing.diagnostics.map(\.description) == [
            "warning: secret ingress/default-tls: --default-ssl-certificate: secret ingress/default-tls not found; "
                + "the self-signed default certificate is served"
        ])
        var keyless = Self.secret("default-tls", wildcard, ns: "ingress")
        keyless.data?["tls.key"] = nil
        let broken = Self.route([ingress], secrets: [Self.secret("a-tls", own), keyless], options: options)
        #expect(broken.defaultCertificate == nil)
        #expect(broken.diagnostics.count == 1)
        #expect(broken.diagnostics.first?.description.contains("has no tls.key") == true, "\(broken.diagnostics)")
        #expect(!broken.diagnostics.description.contains("PRIVATE KEY"))

        // An expired default is still the default, with a warning.
        let old = try SelfSignedCertificate.generate(commonName: "old.example.com", now: Self.now.addingTimeInterval(-400 * 86_400))
        let expired = Self.route([ingress], secrets: [Self.secret("a-tls", own), Self.secret("default-tls", old, ns: "ingress")], options: options)
        #expect(expired.defaultCertificate != nil)
        #expect(expired.diagnostics.map(\.code) == [.certificateWarning], "\(expired.diagnostics)")

        // Without HTTPS the option is not looked at.
        options.servesHTTPS = false
        #expect(Self.route([ingress], secrets: [], options: options).defaultCertificate == nil)
    }

    /// Many Secrets at once are validated on every core: the table and its diagnostics are the
    /// same, in the same order, whatever the threads did, and broken Secrets are reported as alone.
    @Test func manySecretsValidatedInParallelRouteAsOne() throws {
        var ingresses: [Ingress] = []
        var secrets: [Secret] = []
        for i in 0..<40 {
            ingresses.append(Self.tlsIngress("web-\(i)", host: "h\(i).test", secret: "tls-\(i)"))
            var secret = Self.secret("tls-\(i)", try Self.bundle("h\(i).test"))
            if i % 9 == 4 { secret.data?["tls.key"] = Data("not a key".utf8).base64EncodedString() }
            secrets.append(secret)
        }
        let table = Self.route(ingresses, secrets: secrets)
        let again = Self.route(ingresses.reversed(), secrets: secrets.reversed())
        #expect(table.routesLike(again))
        #expect(Set(table.diagnostics.map(\.description)) == Set(again.diagnostics.map(\.description)))
        #expect(table.certificates.count == 36)
        #expect(Set(table.diagnostics.map(\.object.name)) == ["web-4", "web-13", "web-22", "web-31"])
        #expect(table.diagnostics.allSatisfy { $0.code == .invalidTLS && $0.field == "spec.tls[0].secretName" })
        for vhost in table.virtualHosts {
            let broken = ["h4.test", "h13.test", "h22.test", "h31.test"].contains(vhost.host.name)
            #expect((vhost.tls?.certificate == nil) == broken, "\(vhost.host)")
        }
    }

    /// Validated certificates kept between passes keep no PEM: a later pass's file makes its
    /// content again from the Secret (base64 `data` or text `stringData`), the same bytes.
    @Test(arguments: [false, true]) func aFileOfACertificateValidatedEarlierHasTheSameContent(asText: Bool) throws {
        let bundle = try Self.bundle("a.test")
        var secret = Self.secret("a-tls", bundle)
        if asText { (secret.data, secret.stringData) = (nil, ["tls.crt": bundle.chainPEM, "tls.key": bundle.keyPEM]) }
        let cache = CertificateCache()
        let state = ClusterState(
            ingresses: [Self.tlsIngress("web", host: "a.test", secret: "a-tls")], services: [F.service("web")], secrets: [secret])
        let first = Router(options: Self.https, certificates: cache, now: Self.now).route(state)
        cache.forgetUnused()
        let second = Router(options: Self.https, certificates: cache, now: Self.now).route(state)
        #expect(first.certificates == second.certificates)
        #expect(first.certificates.map(\.pem) == [bundle.pem])
        #expect(second.certificates.map(\.pem) == [bundle.pem])
    }

    @Test func withoutHTTPSTheTableIsAsBefore() throws {
        let table = Self.route(
            [Self.tlsIngress("web", host: "a.test", secret: "a-tls")], secrets: [Self.secret("a-tls", try Self.bundle("a.test"))],
            options: RoutingOptions())
        #expect(table.certificates.isEmpty && table.vhost("a.test")?.tls == nil)
        #expect(table.vhost("a.test")?.locations.allSatisfy { !$0.options.redirectsToHTTPS } == true)
        #expect(table.diagnostics.map(\.code) == [.tlsNotServed])
    }
}
