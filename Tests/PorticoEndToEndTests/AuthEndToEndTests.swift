import Foundation
import TestSupport
import Testing

/// ingress-nginx's authentication through real nginx: basic authentication against the htpasswd
/// file of a Secret (auth-file and auth-map), a Secret that is missing, unusable or in another
/// namespace answering 503 (never open), and external authentication by a real auth service on
/// loopback (the echo backend's `/__auth`), which admits a request by its header, sees what
/// ingress-nginx sends it, hands headers to the backend and sends a refused browser to sign in.
@Suite("End to end: auth-type basic and auth-url", .serialized)
final class AuthEndToEndTests {
    let stage: Stage

    static let aliceSHA512 = "$6$portico1$gDoUBBssVZHlqK84RnPcidFzBkqaiNs6gmr0eFGpWDlYOAHyj9CeLsBmbtUR9Tp6165rxg93/tCYi15NGBqnb1"
    static let aliceBcrypt = "$2b$05$abcdefghijklmnopqrstuuLK7U1u6pVRmL7L1BBM2aS35PSZnDXlK"
    static let bobAPR1 = "$apr1$portico2$EMiGvozVb/G62rIKUB8D61"
    static let daveSHA = "{SHA}t6h1/B6iKLkGEEG3zsS9PFKrPOM="
    static let aliceNew = "$6$portico3$IDD0RwyT0aWclgfR2Sws0JatQUhF2MLpu4KYELdbcm3TJLZLoRcRzyzxQicdFP8CGIdqiVlZElYghuuVOKXGu."

    static func ingress(_ name: String, host: String, path: String = "/", annotations: [String: String]) -> String {
        let lines = annotations.sorted { $0.key < $1.key }.map { "    nginx.ingress.kubernetes.io/\($0.key): '\($0.value)'" }
        return """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: \(name)
              namespace: default
            \(lines.isEmpty ? "" : "  annotations:\n" + lines.joined(separator: "\n"))
            spec:
              rules:
              - host: \(host)
                http:
                  paths:
                  - {path: \(path), pathType: Prefix, backend: {service: {name: app, port: {number: PORT}}}}

            """
    }

    static func manifests(alice: String = aliceSHA512) -> String {
        let auth = "http://auth.default.svc.cluster.local:PORT/__auth/verify?x=1"
        let documents = [
            """
            apiVersion: v1
            kind: Service
            metadata: {name: app, namespace: default}
            spec: {ports: [{port: PORT}]}
            """,
            """
            apiVersion: v1
            kind: Secret
            metadata: {name: users, namespace: default}
            stringData:
              auth: |
                # the team
                alice:\(alice)
                carol:\(aliceBcrypt)
                dave:\(daveSHA)
            """,
            """
            apiVersion: v1
            kind: Secret
            metadata: {name: users-map, namespace: default}
            stringData: {bob: '\(bobAPR1)'}
            """,
            """
            apiVersion: v1
            kind: Secret
            metadata: {name: plain, namespace: default}
            stringData: {auth: "erin:not-hashed\\n"}
            """,
            """
            apiVersion: v1
            kind: Secret
            metadata: {name: users, namespace: other}
            stringData: {auth: "alice:\(alice)\\n"}
            """,
            ingress(
                "basic", host: "basic.test",
                annotations: ["auth-type": "basic", "auth-secret": "users", "auth-realm": "Authentication Required - foo"]),
            ingress("public", host: "basic.test", path: "/public", annotations: [:]),
            ingress("map", host: "map.test", annotations: ["auth-type": "basic", "auth-secret": "default/users-map", "auth-secret-type": "auth-map"]),
            ingress("missing", host: "missing.test", annotations: ["auth-type": "basic", "auth-secret": "nothere"]),
            ingress("plain", host: "plain.test", annotations: ["auth-type": "basic", "auth-secret": "plain"]),
            ingress("cross", host: "cross.test", annotations: ["auth-type": "basic", "auth-secret": "other/users"]),
            ingress("open", host: "open.test", annotations: [:]),
            ingress("cors", host: "cors.test", annotations: ["auth-type": "basic", "auth-secret": "users", "enable-cors": "true"]),
            ingress("hostile-realm", host: "hostile.test", annotations: ["auth-type": "basic", "auth-secret": "users", "auth-realm": "x\" ; return 200 \"pwned"]),
            ingress("realm-off", host: "off.test", annotations: ["auth-type": "basic", "auth-secret": "users", "auth-realm": "off"]),
            ingress("ext", host: "ext.test", annotations: ["auth-url": auth, "auth-response-headers": "X-Auth-User, X-Auth-Groups"]),
            ingress("ext-method", host: "method.test", annotations: ["auth-url": auth, "auth-method": "GET"]),
            ingress("signin", host: "signin.test", annotations: ["auth-url": auth, "auth-signin": "https://$host/oauth2/start"]),
            ingress(
                "signin-rd", host: "signin-rd.test",
                annotations: ["auth-url": auth, "auth-signin": "https://login.example/start?rd=$escaped_request_uri&app=1"]),
            ingress("ext-unparseable", host: "extbad.test", annotations: ["auth-url": "ftp://auth.default.svc.cluster.local/verify"]),
        ]
        return documents.joined(separator: "\n---\n")
    }

    init() throws {
        stage = try Stage(manifests: Self.manifests(), services: ["app", "auth"], files: true)
    }

    deinit { stage.stop() }

    func get(_ host: String, _ target: String = "/x", user: String? = nil, bearer: String? = nil, method: String = "GET", headers: [(String, String)] = [], body: Data? = nil)
        throws -> HTTPResponse
    {
        var all = headers
        if let user { all.append(("Authorization", "Basic " + Data(user.utf8).base64EncodedString())) }
        if let bearer { all.append(("Authorization", "Bearer " + bearer)) }
        return try stage.request(target, host: host, method: method, headers: all, body: body)
    }

    @Test func basicAuthenticationAsksForCredentialsAndChecksThem() throws {
        let none = try get("basic.test")
        #expect(none.status == 401 && none.backend == nil, "\(none.status) \(none.headers)\n\(stage.context)")
        #expect(none.header("WWW-Authenticate") == "Basic realm=\"Authentication Required - foo\"")
        // sha512-crypt, bcrypt and {SHA} lines of one file.
        for user in ["alice:s3cret", "carol:s3cret", "dave:letmein"] {
            let r = try get("basic.test", "/x?y=1", user: user)
            #expect(r.status == 200 && r.backend == "app", "\(user): \(r.status)")
            let echo = try r.echo()
            #expect(echo.path == "/x" && echo.query == "y=1")
            // The credentials stay with nginx, as in ingress-nginx.
            #expect(echo.header("Authorization") == nil, "\(echo.headers)")
        }
        for user in ["alice:wrong", "mallory:s3cret", "alice:", "# the team:s3cret"] {
            let r = try get("basic.test", user: user)
            #expect(r.status == 401 && r.backend == nil, "\(user): \(r.status)")
        }
        // Another Ingress of the host, without authentication, keeps serving its path.
        #expect(try get("basic.test", "/public/x").backend == "app")
        #expect(try get("open.test").backend == "app")
    }

    /// As ingress-nginx's e2e suite has it: a 401 carries the CORS headers; a preflight is answered
    /// before authentication.
    @Test func aRefusedRequestCarriesCORSHeaders() throws {
        let refused = try get("cors.test", headers: [("Origin", "https://app.example")])
        #expect(refused.status == 401 && refused.header("Access-Control-Allow-Origin") == "*", "\(refused.headers)")
        let preflight = try get("cors.test", method: "OPTIONS", headers: [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")])
        #expect(preflight.status == 204 && preflight.header("Access-Control-Allow-Origin") == "*")
        #expect(try get("cors.test", user: "alice:s3cret").backend == "app")
    }

    @Test func anAuthMapAndTheDefaultRealm() throws {
        let none = try get("map.test")
        #expect(none.status == 401 && none.header("WWW-Authenticate") == "Basic realm=\"\"", "\(none.headers)\n\(stage.context)")
        #expect(try get("map.test", user: "bob:hunter2").backend == "app")
        #expect(try get("map.test", user: "bob:hunter3").status == 401)
    }

    @Test func aSecretThatIsMissingUnusableOrElsewhereAnswers503() throws {
        for (host, why) in [("missing.test", "not found"), ("plain.test", "not one nginx can check"), ("cross.test", "another namespace")] {
            for user in [nil, "alice:s3cret", "erin:not-hashed"] {
                let r = try get(host, user: user)
                #expect(r.status == 503 && r.backend == nil, "\(host) \(user ?? "-"): \(r.status)")
            }
            let ingress = host.replacingOccurrences(of: ".test", with: "")
            #expect(stage.diagnostics.contains { $0.contains("ingress default/\(ingress)") && $0.contains(why) && $0.contains("503") }, "\(stage.diagnostics)")
        }
        // Values that nginx would read as something else leave their Ingress out, with nothing injected.
        for host in ["hostile.test", "off.test"] { #expect(try get(host).status == 404, "\(host)") }
        #expect(!stage.config.contains("pwned"))
        #expect(try get("open.test").backend == "app")
    }

    @Test func noHashOrPasswordIsPrintedAnywhere() throws {
        let printed = stage.config + stage.diagnostics.joined(separator: "\n")
        for secret in [Self.aliceSHA512, Self.aliceBcrypt, Self.bobAPR1, Self.daveSHA, "not-hashed", "portico1", "portico2"] {
            #expect(!printed.contains(secret), "\(secret) printed")
        }
        #expect(stage.config.contains("auth_basic_user_file $portico_auth_file;"))
    }

    @Test func externalAuthenticationAdmitsByTheAuthServicesAnswer() throws {
        let auth = try #require(stage.backends.first { $0.name == "auth" })
        let refused = try get("ext.test", "/p?q=1")
        #expect(refused.status == 401 && refused.backend == nil, "\(refused.status)\n\(stage.context)")
        // The auth service's challenge reaches the client, as nginx's auth_request passes it.
        #expect(refused.header("WWW-Authenticate") == "Bearer realm=\"echo\"")
        #expect(try get("ext.test", bearer: "forbidden").status == 403)

        let body = Data(String(repeating: "b", count: 1000).utf8)
        let admitted = try get(
            "ext.test", "/p?q=1", bearer: "good", method: "POST", headers: [("X-Auth-User", "mallory"), ("Cookie", "session=1")], body: body)
        #expect(admitted.status == 200 && admitted.backend == "app", "\(admitted.status)")
        let echo = try admitted.echo()
        // The auth service's headers, not the client's, reach the backend; so do the body and the request.
        #expect(echo.header("X-Auth-User") == "alice" && echo.header("X-Auth-Groups") == "admins", "\(echo.headers)")
        #expect(echo.method == "POST" && echo.path == "/p" && echo.query == "q=1" && echo.bodyLength == 1000)
        #expect(admitted.header("Set-Cookie") == "auth=ok")

        let asked = try #require(try auth.authRequests().last { $0.header("X-Original-URL") == "http://ext.test/p?q=1" })
        #expect(asked.path == "/__auth/verify" && asked.query == "x=1")
        #expect(asked.header("Host") == "auth.default.svc.cluster.local")
        #expect(asked.method == "POST" && asked.header("X-Original-Method") == "POST" && asked.bodyLength == 0)
        #expect(asked.header("X-Auth-Request-Redirect") == "/p?q=1" && asked.header("X-Sent-From") == "nginx-ingress-controller")
        #expect(asked.header("Authorization") == "Bearer good" && asked.header("Cookie") == "session=1")
        #expect(asked.header("X-Original-URI") == nil, "only with auth-method")
    }

    @Test func authMethodIsTheMethodTheAuthServiceIsAsked() throws {
        let auth = try #require(stage.backends.first { $0.name == "auth" })
        #expect(try get("method.test", "/m?z=2", bearer: "good", method: "POST", body: Data("x".utf8)).backend == "app")
        let asked = try #require(try auth.authRequests().last { $0.header("X-Original-URL") == "http://method.test/m?z=2" })
        #expect(asked.method == "GET" && asked.header("X-Original-Method") == "POST")
        #expect(asked.header("X-Original-URI") == "/m?z=2" && asked.header("X-Scheme") == "http")
    }

    @Test func aRefusedRequestIsSentToSignIn() throws {
        let refused = try get("signin.test", "/p?a=b&c=d")
        #expect(refused.status == 302 && refused.backend == nil, "\(refused.status) \(refused.headers)\n\(stage.context)")
        // ingress-nginx's rd=, its & escaped (the same URL to any query parser).
        #expect(refused.header("Location") == "https://signin.test/oauth2/start?rd=http://signin.test/p?a=b%26c=d")
        #expect(refused.header("Set-Cookie") == "auth=gone")
        #expect(try get("signin.test", "/p", bearer: "good").backend == "app")
        // A sign-in URL with its own rd= keeps it: $escaped_request_uri is the request's URI.
        let own = try get("signin-rd.test", "/a+b;c?x=%41&y")
        #expect(own.header("Location") == "https://login.example/start?rd=/a%2Bb%3Bc?x=%2541%26y&app=1", "\(own.headers)")
    }

    @Test func anAuthURLThatIsNotOneAnswers503() throws {
        #expect(try get("extbad.test", bearer: "good").status == 503)
        #expect(stage.diagnostics.contains { $0.contains("ingress default/ext-unparseable") && $0.contains("503") }, "\(stage.diagnostics)")
    }

    @Test func aChangedSecretChangesWhoGetsIn() throws {
        try stage.rerender(Self.manifests(alice: Self.aliceNew))
        #expect(try get("basic.test", user: "alice:s3cret").status == 401)
        #expect(try get("basic.test", user: "alice:n3w-pass").backend == "app")
        #expect(try get("basic.test", user: "dave:letmein").backend == "app")
    }
}
