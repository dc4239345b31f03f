import Foundation
import PorticoModel
import Testing

@testable import PorticoRouting

/// ingress-nginx's authentication annotations as routing reads them: what each becomes, what
/// answers 503 and what leaves the Ingress out, and that no hash ever reaches a diagnostic.
@Suite struct AuthAnnotationTests {
    static let sha512 = "$6$portico1$gDoUBBssVZHlqK84RnPcidFzBkqaiNs6gmr0eFGpWDlYOAHyj9CeLsBmbtUR9Tp6165rxg93/tCYi15NGBqnb1"
    static let apr1 = "$apr1$portico2$EMiGvozVb/G62rIKUB8D61"
    static let bcrypt = "$2y$05$abcdefghijklmnopqrstuuLK7U1u6pVRmL7L1BBM2aS35PSZnDXlK"

    static func secret(_ name: String, ns: String = "default", text: [String: String]) -> Secret {
        var s = Secret(metadata: ObjectMeta(name: name, namespace: ns))
        s.stringData = text
        return s
    }

    static func route(_ annotations: [String: String], secrets: [Secret] = [], host: String? = "a.com", defaultBackend: IngressBackend? = nil)
        -> RoutingTable
    {
        let prefixed = annotations.reduce(into: [String: String]()) { $0["nginx.ingress.kubernetes.io/" + $1.key] = $1.value }
        return Router().route(
            ClusterState(
                ingresses: [
                    F.ingress("i", annotations: prefixed, defaultBackend: defaultBackend, rules: [F.rule(host, F.path("/"), F.path("/api"))]),
                    F.ingress("other", rules: [F.rule("b.com", F.path("/"))]),
                ],
                services: [F.service("web")], secrets: secrets))
    }

    static func codes(_ table: RoutingTable) -> [String] {
        table.diagnostics.map { "\($0.code.rawValue) \($0.field)" }
    }

    static let users = secret("users", text: ["auth": "# team\r\nalice:\(sha512)\r\n\nbob:\(apr1)\n"])

    @Test func basicAuthenticationWithAnHtpasswdFile() throws {
        let table = Self.route(["auth-type": "basic", "auth-secret": "users", "auth-realm": "Team - a"], secrets: [Self.users])
        #expect(table.diagnostics == [])
        let locations = try #require(table.vhost("a.com")?.locations)
        let file = try #require(table.authFiles.first)
        #expect(table.authFiles.count == 1)
        // Comments and blank lines dropped, CRLF as LF; named by its content.
        #expect(file.content == "alice:\(Self.sha512)\nbob:\(Self.apr1)\n")
        #expect(file.path == RoutingRun.authFilePath(file.content) && file.path.hasPrefix("auth/") && file.path.hasSuffix(".htpasswd"))
        #expect(file.secret == ObjectReference(kind: "Secret", namespace: "default", name: "users"))
        #expect(!file.description.contains("$6$"))
        for l in locations {
            #expect(l.options.auth == Authentication(basic: BasicAuthentication(realm: "Team - a", file: file.path)))
        }
        #expect(table.vhost("b.com")?.locations.first?.options.auth == nil)
    }

    @Test func anAuthMapAndTheDefaultRealm() throws {
        var map = Secret(metadata: ObjectMeta(name: "m", namespace: "default"), data: ["zoe": Data(Self.bcrypt.utf8).base64EncodedString()])
        map.stringData = ["amy": "{SHA}t6h1/B6iKLkGEEG3zsS9PFKrPOM="]
        let table = Self.route(["auth-type": " basic ", "auth-secret": "default/m", "auth-secret-type": "auth-map"], secrets: [map])
        #expect(table.diagnostics == [])
        #expect(table.authFiles.map(\.content) == ["amy:{SHA}t6h1/B6iKLkGEEG3zsS9PFKrPOM=\nzoe:\(Self.bcrypt)\n"])
        #expect(table.vhost("a.com")?.locations.first?.options.auth?.basic?.realm == "")
    }

    /// Every hash nginx 1.22 on Debian checks is taken; whatever else is refused (503), by line.
    static let hashes: [(String, String?)] = [
        ("alice:" + sha512, nil), ("alice:" + apr1, nil), ("alice:" + bcrypt, nil), ("a:$2a$10$abcdefghijklmnopqrstuu3KWNuWLhBnmgYfnzONPueahDuedC/lu", nil),
        ("a:$1$kQ3SBoBJ$scTApcZ1MM9biZb.pLOK5.", nil), ("a:$5$iQUlh235XbevdsEa$eR92T/wC5N0T/0stxSDtebWoyaJ2vLgU/A.loUunbUD", nil),
        ("a:$5$rounds=5000$iQUlh235XbevdsEa$eR92T/wC5N0T/0stxSDtebWoyaJ2vLgU/A.loUunbUD", nil),
        ("a:$y$j9T$F5Jx5fExrKuPp53xLKQ..1$8c0O2L8gFA3jUVvwMFdXpZKM78kTwpdGJswaLb6IRr/", nil), ("a:abhWCwoTZY2c6", nil),
        ("a:{SHA}/vNB+F2HQ559kaLUZbmHHvZrXpg=", nil), ("a:{SSHA}ZwljYekdviWX1+pUMqWBKifp7ANhYmNk", nil), ("a:{PLAIN}s3cret", nil),
        ("a:s3cret", "line 1: the hash is not one nginx can check"), ("a:", "line 1: the hash is empty"), ("a", "line 1 is not user:hash"),
        ("a:{PLAIN}x:y", "line 1: a second :"), ("a b:" + apr1, "line 1: the user holds a space"), ("#:x", nil),
        ("alice:" + apr1 + "\n}", "line 2 is not user:hash"), ("a:$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "not one nginx can check"),
        ("a:$apr1$toolongsalt$EMiGvozVb/G62rIKUB8D61", "not one nginx can check"), ("a:{SHA}short", "not one nginx can check"),
        ("caf\u{e9}:" + apr1, "outside ASCII"), ("", "holds no user:hash line"),
    ]

    @Test(arguments: hashes)
    func hashesNginxCanCheck(_ content: String, problem: String?) {
        let table = Self.route(["auth-type": "basic", "auth-secret": "s"], secrets: [Self.secret("s", text: ["auth": content])])
        let locations = table.vhost("a.com")?.locations ?? []
        if let problem {
            #expect(locations.allSatisfy { $0.backend == .unavailable(status: 503) }, "\(content)")
            #expect(table.diagnostics.count == 1 && table.diagnostics[0].code == .authUnavailable)
            #expect(table.diagnostics.first?.message.contains(problem) == true, "\(table.diagnostics)")
            #expect(table.authFiles.isEmpty)
        } else if content == "#:x" {
            // A comment line: the file has no user.
            #expect(table.diagnostics.first?.message.contains("holds no user:hash line") == true)
        } else {
            #expect(table.diagnostics == [], "\(content): \(table.diagnostics)")
            #expect(locations.allSatisfy { $0.options.auth?.basic != nil })
        }
        // Never a hash or a password in a diagnostic.
        for d in table.diagnostics {
            for secret in ["s3cret", "gDoUBB", "EMiGvozVb", "argon2id", "toolongsalt", "c2FsdA", "short"] { #expect(!d.message.contains(secret), "\(d)") }
        }
        #expect(table.vhost("b.com") != nil)
    }

    /// A Secret that cannot be used makes the paths answer 503; their Service is not even needed.
    @Test(arguments: [
        (["auth-type": "basic"], "without auth-secret"), (["auth-type": "basic", "auth-secret": "nothere"], "secret default/nothere not found"),
        (["auth-type": "basic", "auth-secret": "other/users"], "another namespace"),
        (["auth-type": "basic", "auth-secret": "a/b/c"], "is not a Secret name"),
        (["auth-type": "basic", "auth-secret": "m", "auth-secret-type": "auth-file"], "has no key auth"),
        (["auth-url": "ftp://auth/verify"], "is not an http:// or https:// URL"), (["auth-url": "http://auth:99999/"], "port"),
        (["auth-url": "http://$http_x/verify"], "cannot honour"), (["auth-url": "http://a/?x=$request_uri"], "$request_uri"),
        (["auth-url": "http://a b/"], "does not name a host"),
        (["auth-url": "http://a/", "auth-method": "get"], "is not an HTTP method"),
        (["auth-url": "http://a/", "auth-response-headers": "X-A, X B"], "is not a list of header names"),
    ])
    func whatCannotBeSetUpAnswers503(_ annotations: [String: String], why: String) {
        let secrets = [Self.secret("users", ns: "other", text: ["auth": "alice:\(Self.apr1)"]), Self.secret("m", text: ["alice": Self.apr1])]
        let table = Self.route(annotations, secrets: secrets)
        #expect(table.vhost("a.com")?.locations.map(\.backend) == [.unavailable(status: 503), .unavailable(status: 503)])
        #expect(table.diagnostics.contains { $0.code == .authUnavailable && $0.message.contains(why) && $0.message.hasSuffix("answers 503") }, "\(table.diagnostics)")
        #expect(table.servedIngresses.count == 2)
    }

    /// Values ingress-nginx refuses (and nginx would misread) leave the Ingress out.
    @Test(arguments: [
        (["auth-type": "digest", "auth-secret": "users"], "auth-type", "auth_digest module"),
        (["auth-type": "basic; x", "auth-secret": "users"], "auth-type", "not basic or digest"),
        (["auth-type": "basic", "auth-secret": "users", "auth-realm": "a\"b"], "auth-realm", "not a realm"),
        (["auth-type": "basic", "auth-secret": "users", "auth-realm": "Off"], "auth-realm", "turns nginx's basic authentication off"),
        (["auth-type": "basic", "auth-secret": "users", "auth-secret-type": "htpasswd"], "auth-secret-type", "not auth-file or auth-map"),
        (["auth-type": "basic", "auth-secret": "us\"ers"], "auth-secret", "not a Secret name"),
        (["auth-url": "http://a/%2e"], "auth-url", "characters ingress-nginx refuses"),
        (["auth-url": "http://a/", "auth-snippet": "return 200;"], "auth-snippet", "snippet"),
        (["auth-url": "http://a/", "auth-proxy-set-headers": "cm"], "auth-proxy-set-headers", "ConfigMap"),
        (["auth-tls-secret": "default/ca"], "auth-tls-secret", "client certificate"), (["satisfy": "any"], "satisfy", "satisfy: any"),
    ])
    func whatIngressNginxRefusesLeavesTheIngressOut(_ annotations: [String: String], key: String, why: String) {
        let table = Self.route(annotations, secrets: [Self.users])
        #expect(table.vhost("a.com") == nil)
        #expect(table.vhost("b.com") != nil)
        let field = "metadata.annotations[\"nginx.ingress.kubernetes.io/\(key)\"]"
        #expect(table.diagnostics.contains { $0.code == .accessControlNotHonoured && $0.field == field && $0.message.contains(why) }, "\(table.diagnostics)")
    }

    @Test func externalAuthenticationAndItsSettings() throws {
        let table = Self.route([
            "auth-url": "https://auth.example:8443/oauth2/auth?a=1", "auth-method": "GET", "auth-response-headers": "X-Auth-User, x-auth-user,X_Email,",
            "auth-request-redirect": "/after", "auth-always-set-cookie": "true", "auth-signin": "https://$host/oauth2/start",
            "auth-signin-redirect-param": "back", "auth-cache-key": "$remote_user", "auth-keepalive": "10",
        ])
        let external = try #require(table.vhost("a.com")?.locations.first?.options.auth?.external)
        #expect(
            external
                == ExternalAuthentication(
                    url: "https://auth.example:8443/oauth2/auth?a=1", host: "auth.example", method: "GET",
                    signin: "https://$host/oauth2/start?back=$scheme://$http_host$portico_escaped_request_uri", responseHeaders: ["X-Auth-User", "X_Email"],
                    requestRedirect: "/after", alwaysSetCookie: true))
        // No cache and no keepalive: said, and served.
        #expect(Self.codes(table).sorted() == [
            "unsupported-annotation metadata.annotations[\"nginx.ingress.kubernetes.io/auth-cache-key\"]",
            "unsupported-annotation metadata.annotations[\"nginx.ingress.kubernetes.io/auth-keepalive\"]",
        ])
    }

    /// ingress-nginx's `buildAuthSignURL`.
    @Test(arguments: [
        ("https://login.example/start", "https://login.example/start?rd=$scheme://$http_host$portico_escaped_request_uri"),
        ("https://login.example/start?app=1", "https://login.example/start?app=1&rd=$scheme://$http_host$portico_escaped_request_uri"),
        ("https://$host/oauth2/start?rd=$escaped_request_uri", "https://$host/oauth2/start?rd=$portico_escaped_request_uri"),
        ("http://$best_http_host/s?rd=$pass_access_scheme://$host$request_uri", "http://$http_host/s?rd=$scheme://$host$request_uri"),
    ])
    func theSigninRedirect(_ signin: String, target: String) {
        let table = Self.route(["auth-url": "http://a/", "auth-signin": signin])
        #expect(table.vhost("a.com")?.locations.first?.options.auth?.external?.signin == target, "\(table.diagnostics)")
    }

    @Test func aSigninURLPorticoCannotSendIsIgnored() {
        let table = Self.route(["auth-url": "http://a/", "auth-signin": "https://x/?u=$http_cookie"])
        #expect(table.vhost("a.com")?.locations.first?.options.auth?.external?.signin == nil)
        #expect(Self.codes(table) == ["invalid-annotation metadata.annotations[\"nginx.ingress.kubernetes.io/auth-signin\"]"])
    }

    /// `$host` in auth-url is the rule's host; without one host, the client would pick the server.
    @Test func hostInTheAuthURLIsTheRulesHost() throws {
        let exact = Self.route(["auth-url": "https://$host/oauth2/auth?h=$host"])
        let external = try #require(exact.vhost("a.com")?.locations.first?.options.auth?.external)
        #expect(external.url == "https://a.com/oauth2/auth?h=a.com" && external.host == "a.com")
        for host in ["*.a.com", nil] {
            let table = Self.route(["auth-url": "https://$host/oauth2/auth"], host: host)
            let locations = host.map { table.vhost($0)?.locations ?? [] } ?? table.catchAll.locations
            #expect(!locations.isEmpty && locations.allSatisfy { $0.backend == .unavailable(status: 503) })
            #expect(table.diagnostics.map(\.code) == [.authUnavailable])
        }
    }

    @Test func settingsWithoutTheirAnnotationAreIgnoredAsIngressNginxDoes() {
        let table = Self.route(["auth-secret": "users", "auth-realm": "x", "auth-signin": "https://x/"], secrets: [Self.users])
        #expect(table.vhost("a.com")?.locations.allSatisfy { $0.options.auth == nil && $0.backend == F.upstream("web") } == true)
        #expect(table.diagnostics.count == 3 && table.diagnostics.allSatisfy { $0.code == .invalidAnnotation && $0.message.contains("ignores it") })
    }

    @Test func anAuthenticatedDefaultBackendIsNotServedOpenly() {
        let table = Self.route(
            ["auth-type": "basic", "auth-secret": "users"], secrets: [Self.users], defaultBackend: IngressBackend.service("web", port: ServiceBackendPort(number: 80)))
        #expect(table.vhost("a.com")?.fallback == nil && table.catchAll.fallback == nil)
        #expect(Self.codes(table) == ["access-control-not-honoured spec.defaultBackend"])
    }

    @Test func basicAndExternalTogether() throws {
        let table = Self.route(["auth-type": "basic", "auth-secret": "users", "auth-url": "http://auth/"], secrets: [Self.users])
        let auth = try #require(table.vhost("a.com")?.locations.first?.options.auth)
        #expect(auth.basic != nil && auth.external?.url == "http://auth/")
    }

    /// The watch cache keeps what basic authentication reads, and no other Secret.
    @Test func routingReadsSecretsOnlyForBasicAuthentication() {
        #expect(Router.readsSecrets(F.ingress("i", annotations: ["nginx.ingress.kubernetes.io/auth-type": "basic"], rules: [])))
        #expect(!Router.readsSecrets(F.ingress("i", annotations: ["nginx.ingress.kubernetes.io/auth-url": "http://a/"], rules: [])))
    }
}
