import Foundation
import PorticoModel
import PorticoTLS
import Testing

@testable import PorticoRouting

/// `proxy-ssl-*` as routing reads them: the files a Secret becomes, ingress-nginx's defaults for
/// invalid values, what answers 503 and what leaves the Ingress out, and that settings apply only
/// to backends reached over TLS.
@Suite struct ProxySSLAnnotationTests {
    static let client = try! SelfSignedCertificate.generate(commonName: "portico-client", now: Date())
    static let ca = try! SelfSignedCertificate.generate(commonName: "backends-ca", now: Date())

    static func secret(_ name: String, _ data: [String: String], namespace: String = "default") -> Secret {
        Secret(metadata: ObjectMeta(name: name, namespace: namespace), data: data.mapValues { Data($0.utf8).base64EncodedString() })
    }

    static let full = secret("ssl", ["tls.crt": client.chainPEM, "tls.key": client.keyPEM, "ca.crt": "# backends\n" + ca.chainPEM])

    static func route(_ annotations: [String: String], secrets: [Secret] = [full], proto: String? = "HTTPS") -> RoutingTable {
        var all = annotations
        if let proto { all["backend-protocol"] = proto }
        let prefixed = all.reduce(into: [String: String]()) { $0["nginx.ingress.kubernetes.io/" + $1.key] = $1.value }
        return Router(options: RoutingOptions()).route(
            ClusterState(
                ingresses: [
                    F.ingress("i", annotations: prefixed, rules: [F.rule("a.com", F.path("/"))]),
                    F.ingress("other", rules: [F.rule("b.com", F.path("/"))]),
                ],
                services: [F.service("web")], secrets: secrets))
    }

    static func ssl(_ table: RoutingTable) -> ProxySSL? { table.vhost("a.com")?.locations.first?.options.upstream?.ssl }
    static func codes(_ table: RoutingTable) -> [String] { table.diagnostics.map { "\($0.code.rawValue) \($0.field)" } }
    static func field(_ name: String) -> String { "metadata.annotations[\"nginx.ingress.kubernetes.io/\(name)\"]" }

    @Test func aSecretWithACertificateKeyAndAuthoritiesBecomesTwoFiles() throws {
        let table = Self.route(["proxy-ssl-secret": "default/ssl"])
        #expect(table.diagnostics == [])
        let ssl = try #require(Self.ssl(table))
        // ingress-nginx's defaults, written with the authorities.
        #expect(!ssl.verify && ssl.depth == 1 && !ssl.serverName && ssl.name == nil)
        #expect(ssl.ciphers == "DEFAULT" && ssl.protocols == ["TLSv1.2"])
        let certificate = try #require(table.authFiles.first { $0.path == ssl.certificate })
        let authorities = try #require(table.authFiles.first { $0.path == ssl.authorities })
        #expect(certificate.path.hasPrefix("auth/") && certificate.path.hasSuffix(".client.pem"))
        #expect(certificate.content == Self.client.pem)
        // The authorities only, made again from their DER: no comment.
        #expect(authorities.content == Self.ca.chainPEM && authorities.path.hasSuffix(".ca.pem"))
        // Key material is in the file's content only, never in how the file is described.
        #expect(!certificate.description.contains("PRIVATE KEY"))
        #expect(table.vhost("b.com")?.locations.first?.options.upstream?.ssl == nil)
    }

    @Test(arguments: [
        (["proxy-ssl-verify": "on", "proxy-ssl-verify-depth": "2", "proxy-ssl-server-name": "on", "proxy-ssl-name": "Backend.Internal"],
         ProxySSL(verify: true, depth: 2, name: "backend.internal", serverName: true, ciphers: "DEFAULT", protocols: ["TLSv1.2"]), [String]()),
        (["proxy-ssl-ciphers": "ECDHE-RSA-AES128-GCM-SHA256:!aNULL HIGH", "proxy-ssl-protocols": "TLSv1.3  TLSv1.2 TLSv1.3"],
         ProxySSL(ciphers: "ECDHE-RSA-AES128-GCM-SHA256:!aNULL:HIGH", protocols: ["TLSv1.2", "TLSv1.3"]), []),
        (["proxy-ssl-verify": "true", "proxy-ssl-verify-depth": "0", "proxy-ssl-server-name": "yes"],
         ProxySSL(ciphers: "DEFAULT", protocols: ["TLSv1.2"]), ["proxy-ssl-server-name", "proxy-ssl-verify"]),
        (["proxy-ssl-verify-depth": "17", "proxy-ssl-name": "a.com;\n proxy_ssl_verify off", "proxy-ssl-ciphers": "HIGH;evil",
          "proxy-ssl-protocols": "TLSv1.1"],
         ProxySSL(ciphers: "DEFAULT", protocols: ["TLSv1.2"]),
         ["proxy-ssl-ciphers", "proxy-ssl-name", "proxy-ssl-protocols", "proxy-ssl-verify-depth"]),
        (["proxy-ssl-name": "$host", "proxy-ssl-ciphers": "HIGH:@STRENGTH", "proxy-ssl-protocols": "TLSv1.2TLSv1.3"],
         ProxySSL(ciphers: "DEFAULT", protocols: ["TLSv1.2"]), ["proxy-ssl-ciphers", "proxy-ssl-name", "proxy-ssl-protocols"]),
    ])
    func valuesAndIngressNginxsDefaults(annotations: [String: String], expected: ProxySSL, invalid: [String]) throws {
        let table = Self.route(annotations.merging(["proxy-ssl-secret": "default/ssl"]) { a, _ in a })
        #expect(Set(Self.codes(table)) == Set(invalid.map { "invalid-annotation " + Self.field($0) }))
        var ssl = try #require(Self.ssl(table))
        ssl.certificate = nil
        ssl.authorities = nil
        #expect(ssl == expected)
    }

    /// What cannot be set up answers 503 on the Ingress's paths, as ingress-nginx's denied location;
    /// the other Ingress keeps serving.
    @Test(arguments: [
        ("missing", "default/none", [ProxySSLAnnotationTests.full], [String: String]()),
        ("another namespace", "shop/ssl", [secret("ssl", ["ca.crt": ca.chainPEM], namespace: "shop")], [:]),
        ("a bare name", "ssl", [full], [:]),
        ("nothing usable", "default/ssl", [secret("ssl", ["auth": "u:p"])], [:]),
        ("a certificate without its key", "default/ssl", [secret("ssl", ["tls.crt": client.chainPEM, "ca.crt": ca.chainPEM])], [:]),
        ("a key of another certificate", "default/ssl", [secret("ssl", ["tls.crt": client.chainPEM, "tls.key": ca.keyPEM])], [:]),
        ("authorities that are not certificates", "default/ssl", [secret("ssl", ["ca.crt": client.keyPEM])], [:]),
        ("verification without authorities", "default/ssl", [secret("ssl", ["tls.crt": client.chainPEM, "tls.key": client.keyPEM])],
         ["proxy-ssl-verify": "on"]),
    ])
    func whatCannotBeSetUpAnswers503(what: String, reference: String, secrets: [Secret], more: [String: String]) throws {
        let table = Self.route(more.merging(["proxy-ssl-secret": reference]) { a, _ in a }, secrets: secrets)
        let a = try #require(table.vhost("a.com"), "\(what)")
        #expect(a.locations.allSatisfy { $0.backend == .unavailable(status: 503) }, "\(what)")
        #expect(Self.codes(table).contains { $0.hasPrefix("auth-unavailable") }, "\(what)")
        #expect(table.vhost("b.com")?.locations.first?.backend == F.upstream("web"))
        // Nothing of the Secret is written, and no diagnostic quotes key material.
        #expect(table.authFiles.isEmpty)
        #expect(!table.diagnostics.contains { $0.message.contains("PRIVATE KEY") || $0.message.contains("MII") })
    }

    @Test func aReferenceIngressNginxRefusesLeavesTheIngressOut() {
        let table = Self.route(["proxy-ssl-secret": "default/ssl\"; proxy_ssl_verify off; #"])
        #expect(table.vhost("a.com") == nil)
        #expect(Self.codes(table) == ["access-control-not-honoured " + Self.field("proxy-ssl-secret")])
        #expect(table.vhost("b.com") != nil)
    }

    @Test func aCertificateWithoutAuthoritiesIsPresentedAndNothingIsVerified() throws {
        let pair = Self.secret("ssl", ["tls.crt": Self.client.chainPEM, "tls.key": Self.client.keyPEM])
        let table = Self.route(["proxy-ssl-secret": "default/ssl", "proxy-ssl-protocols": "TLSv1.3"], secrets: [pair])
        #expect(table.diagnostics == [])
        let ssl = try #require(Self.ssl(table))
        #expect(ssl.certificate?.hasSuffix(".client.pem") == true && ssl.authorities == nil)
        // ingress-nginx's defaults come with authorities only; what is asked for applies.
        #expect(ssl.ciphers == nil && ssl.protocols == ["TLSv1.3"])
    }

    @Test(arguments: [nil, "HTTP", "GRPC"])
    func withoutTLSToTheBackendTheSettingsHaveNoEffect(proto: String?) {
        let table = Self.route(["proxy-ssl-secret": "default/ssl", "proxy-ssl-verify": "on"], proto: proto)
        #expect(Self.codes(table) == ["invalid-annotation " + Self.field("proxy-ssl-secret")])
        #expect(table.diagnostics.first?.message.contains("backend-protocol HTTPS or GRPCS") == true)
        #expect(Self.ssl(table) == nil && table.authFiles.isEmpty)
    }

    /// ingress-nginx denies the location whatever the protocol: so does Portico.
    @Test func anUnusableSecretAnswers503OverPlainHTTPToo() throws {
        let table = Self.route(["proxy-ssl-secret": "default/none"], proto: nil)
        #expect(Self.codes(table) == ["auth-unavailable " + Self.field("proxy-ssl-secret")])
        #expect(try #require(table.vhost("a.com")).locations.allSatisfy { $0.backend == .unavailable(status: 503) })
    }

    @Test func grpcsTakesThemToo() throws {
        let table = Self.route(["proxy-ssl-secret": "default/ssl", "proxy-ssl-verify": "on"], proto: "GRPCS")
        #expect(table.diagnostics == [])
        #expect(try #require(Self.ssl(table)).verify)
    }

    @Test func settingsWithoutASecretHaveNoEffect() {
        let table = Self.route(["proxy-ssl-verify": "on", "proxy-ssl-name": "b.internal"])
        #expect(Set(Self.codes(table)) == ["invalid-annotation " + Self.field("proxy-ssl-verify"), "invalid-annotation " + Self.field("proxy-ssl-name")])
        #expect(Self.ssl(table) == nil)
    }

    @Test func porticosKeyWins() throws {
        let state = ClusterState(
            ingresses: [
                F.ingress(
                    "i",
                    annotations: [
                        "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS", "nginx.ingress.kubernetes.io/proxy-ssl-secret": "default/ssl",
                        "nginx.ingress.kubernetes.io/proxy-ssl-verify": "off", "portico.io/proxy-ssl-verify": "on",
                    ], rules: [F.rule("a.com", F.path("/"))])
            ], services: [F.service("web")], secrets: [Self.full])
        let both = Router(options: RoutingOptions()).route(state)
        #expect(try #require(Self.ssl(both)).verify)
    }

    @Test(arguments: [
        ("HIGH:!aNULL:!MD5", "HIGH:!aNULL:!MD5"), ("ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"),
        ("kEECDH+AESGCM:-SHA1", "kEECDH+AESGCM:-SHA1"),
    ])
    func cipherStrings(value: String, written: String) {
        #expect(RoutingRun.cipherString(value) == written)
    }

    @Test(arguments: ["HIGH;", "HIGH\n", "HIGH:$x", "HIGH:{", "high", "ECDHE--RSA", "HIGH:\"", String(repeating: "HIGH:", count: 300)])
    func cipherStringsRefused(value: String) {
        #expect(RoutingRun.cipherString(value) == nil)
    }
}
