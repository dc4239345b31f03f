/// ingress-nginx's authentication of an Ingress's paths: basic authentication against an htpasswd
/// file (`auth-type: basic`), an external service asked before every request (`auth-url`, the
/// oauth2-proxy pattern), or both (both must admit the request). Every value has been validated.
public struct Authentication: Sendable, Hashable {
    public var basic: BasicAuthentication?
    public var external: ExternalAuthentication?

    public init(basic: BasicAuthentication? = nil, external: ExternalAuthentication? = nil) {
        self.basic = basic
        self.external = external
    }
}

/// `auth-type: basic`: nginx's `auth_basic` with the realm and the file of the Ingress's Secret.
public struct BasicAuthentication: Sendable, Hashable {
    /// `auth-realm`: letters, digits, spaces and `- . _ ~ : /` (ingress-nginx's set), never `off`
    /// (which nginx reads as no authentication). "" without one, as ingress-nginx writes it.
    public var realm: String
    /// The htpasswd file (`AuthFile.path`): `auth/` and 32 hex digits of its content's SHA-256.
    public var file: String

    public init(realm: String, file: String) {
        self.realm = realm
        self.file = file
    }
}

/// `auth-url` and its settings: an `auth_request` subrequest to the URL before each request; its
/// 2xx admits the request, its 401 and 403 are the answer (401 redirects to `auth-signin`).
public struct ExternalAuthentication: Sendable, Hashable {
    /// `http://` or `https://`, a host name or IPv4 address with an optional port, then path and
    /// query characters (ingress-nginx's set, without `$`): nginx fetches exactly this. `$host` in
    /// an Ingress's value has been replaced with the route's host.
    public var url: String
    /// The Host header sent to it: the URL's host, without the port (as ingress-nginx sends it).
    public var host: String
    /// `auth-method`; nil: the client's method.
    public var method: String?
    /// `auth-signin`: where a 401 is redirected (302), `rd=` and the client's URL added as
    /// ingress-nginx adds them. It may name the variables of `ExternalAuthentication.signinVariables`
    /// (as nginx's own names: `$portico_escaped_request_uri` for `$escaped_request_uri`).
    public var signin: String?
    /// `auth-response-headers`: the auth service's response headers copied into the request sent
    /// to the backend (letters, digits, `-` and `_`).
    public var responseHeaders: [String]
    /// `auth-request-redirect`: the `X-Auth-Request-Redirect` header sent to the auth service
    /// (URL characters, no variable); nil: the client's request URI.
    public var requestRedirect: String?
    /// `auth-always-set-cookie`: the auth service's `Set-Cookie` reaches the client on every answer,
    /// not only on successful ones.
    public var alwaysSetCookie: Bool

    public init(
        url: String, host: String, method: String? = nil, signin: String? = nil, responseHeaders: [String] = [],
        requestRedirect: String? = nil, alwaysSetCookie: Bool = false
    ) {
        self.url = url
        self.host = host
        self.method = method
        self.signin = signin
        self.responseHeaders = responseHeaders
        self.requestRedirect = requestRedirect
        self.alwaysSetCookie = alwaysSetCookie
    }

    /// The variables an `auth-signin` URL may name, and what nginx calls them: each one's value is
    /// the request's own (a Location header the client asked for), never text that nginx parses.
    public static let signinVariables: [String: String] = [
        "host": "$host", "http_host": "$http_host", "best_http_host": "$http_host", "scheme": "$scheme",
        "pass_access_scheme": "$scheme", "request_uri": "$request_uri", "escaped_request_uri": "$portico_escaped_request_uri",
    ]
}

/// An htpasswd file made from a Secret: written next to nginx.conf before the config that names it
/// is loaded. `content` is password hashes: it goes into that file and nowhere else (never a log, a
/// diagnostic or a printed config). Files compare by path, which their content gives.
public struct AuthFile: Sendable, Hashable, CustomStringConvertible {
    /// `auth/<hex>.htpasswd`, relative to nginx's prefix.
    public var path: String
    public var content: String
    public var secret: ObjectReference

    public init(path: String, content: String, secret: ObjectReference) {
        self.path = path
        self.content = content
        self.secret = secret
    }

    public static func == (a: AuthFile, b: AuthFile) -> Bool { a.path == b.path && a.secret == b.secret }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(secret)
    }

    /// Never the content: the path and where it came from.
    public var description: String { "\(path) (from \(secret))" }
}
