/// What nginx should serve, derived from the cluster's objects: virtual hosts with their
/// locations, the catch-all server, the upstreams they reach, and what was left out and why.
/// Every string in it has passed `Validation`.
public struct RoutingTable: Sendable, Equatable {
    /// Sorted by host.
    public var virtualHosts: [VirtualHost]
    /// Requests whose Host matches no virtual host: rules without a host, then the default backend.
    public var catchAll: CatchAll
    /// Distinct upstreams, sorted by address.
    public var upstreams: [Upstream]
    public var diagnostics: [Diagnostic]
    /// The Ingresses of Portico's class that were taken in (not left out as a whole), whether or not
    /// each of their paths could be served: the ones whose status should name Portico's address.
    public var servedIngresses: Set<ObjectReference>
    /// Ingresses left to other controllers, by the class they name ("" for none).
    public var otherClasses: [String: Int]
    /// The certificate files the virtual hosts and the default certificate name, sorted by path.
    public var certificates: [CertificateFile]
    /// The file of the operator's default certificate (`RoutingOptions.defaultCertificate`), one of
    /// `certificates`; nil: the self-signed one that `RenderOptions.defaultCertificate` names.
    public var defaultCertificate: String?
    /// The htpasswd files the routes' basic authentication names, sorted by path.
    public var authFiles: [AuthFile]
    /// nginx's `stream {}` servers (TCP and UDP services), by protocol and port.
    public var streams: [StreamServer] = []
    /// The `--configmap` ConfigMap's settings of the http context; nil without the option.
    public var global: GlobalConfig?
    /// Hosts whose TLS connections the HTTPS port passes to their Service untouched, by host.
    public var passthrough: [PassthroughHost] = []
    /// The accepted HTTPRoutes' hosts (`GatewayRoutes.swift`), by key; none is an Ingress host.
    public var gatewayHosts: [GatewayHost] = []
    /// The certificates of Portico's Gateways' HTTPS listeners (`GatewayCertificates.swift`), the
    /// oldest Gateway's first; none names a host with an Ingress's `spec.tls`.
    public var gatewayCertificates: [GatewayCertificate] = []

    public init(
        virtualHosts: [VirtualHost] = [], catchAll: CatchAll = CatchAll(), upstreams: [Upstream] = [],
        diagnostics: [Diagnostic] = [], servedIngresses: Set<ObjectReference> = [], otherClasses: [String: Int] = [:],
        certificates: [CertificateFile] = [], defaultCertificate: String? = nil, authFiles: [AuthFile] = []
    ) {
        self.authFiles = authFiles
        self.otherClasses = otherClasses
        self.certificates = certificates
        self.defaultCertificate = defaultCertificate
        self.virtualHosts = virtualHosts
        self.catchAll = catchAll
        self.upstreams = upstreams
        self.diagnostics = diagnostics
        self.servedIngresses = servedIngresses
    }

    /// The keys of the hosts Ingresses serve: their names, and `_` when rules without a host exist.
    public var ingressHostKeys: Set<String> { Self.ingressHostKeys(virtualHosts, catchAll) }

    public static func ingressHostKeys(_ virtualHosts: [VirtualHost], _ catchAll: CatchAll) -> Set<String> {
        var keys = Set(virtualHosts.map(\.host.name))
        if !catchAll.locations.isEmpty { keys.insert("_") }
        return keys
    }

    /// Whether both tables route every request the same way; diagnostics and served set aside.
    public func routesLike(_ other: RoutingTable) -> Bool {
        virtualHosts == other.virtualHosts && catchAll == other.catchAll && upstreams == other.upstreams
            && certificates == other.certificates && defaultCertificate == other.defaultCertificate && authFiles == other.authFiles
            && streams == other.streams && global == other.global && passthrough == other.passthrough
            && gatewayHosts == other.gatewayHosts && gatewayCertificates == other.gatewayCertificates
    }

    /// A fingerprint of what the table routes: equal for tables that `routesLike` each other. The
    /// controller keeps this instead of the live table (at 10,000 Ingresses the table is 11 MB that
    /// would otherwise stay on the heap between changes).
    public var routingDigest: RoutingDigest {
        // Two SipHash passes (the process's random key) with different salts: 128 bits, so two
        // different tables digest alike with odds of about 2^-128 per comparison.
        func pass(salt: Int) -> Int {
            var hasher = Hasher()
            hasher.combine(salt)
            hasher.combine(virtualHosts)
            hasher.combine(catchAll)
            hasher.combine(upstreams)
            hasher.combine(certificates)
            hasher.combine(defaultCertificate)
            hasher.combine(authFiles)
            hasher.combine(streams)
            hasher.combine(global)
            hasher.combine(passthrough)
            hasher.combine(gatewayHosts)
            hasher.combine(gatewayCertificates)
            return hasher.finalize()
        }
        return RoutingDigest(first: pass(salt: 0x5A), second: pass(salt: 0xA5))
    }
}

/// See `RoutingTable.routingDigest`. Valid within one process only (the hash key is per process).
public struct RoutingDigest: Sendable, Hashable {
    let first: Int
    let second: Int
}

/// A validated Ingress host: lowercase, exact (`foo.bar.com`) or wildcard (`*.bar.com`, exactly one
/// extra label).
public struct Host: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let name: String

    public init?(_ raw: String) {
        let lower = raw.lowercased()
        guard Validation.isHost(lower) else { return nil }
        name = lower
    }

    public var isWildcard: Bool { name.hasPrefix("*.") }
    /// For a wildcard, the part after `*.`.
    public var suffix: String { isWildcard ? String(name.dropFirst(2)) : name }
    public var description: String { name }
    public static func < (a: Host, b: Host) -> Bool { a.name < b.name }
}

public struct VirtualHost: Sendable, Hashable {
    public var host: Host
    /// Sorted by path, then `exact` before `prefix`.
    public var locations: [Location]
    /// Serves paths that match no location: the default backend of the oldest Ingress that has rules
    /// for this host and one. Nil: 404.
    public var fallback: Backend?
    /// Set when an Ingress lists this host in `spec.tls`.
    public var tls: HostTLS?
    /// Plain-HTTP requests that match no location are redirected to HTTPS (the host has `spec.tls`
    /// or an Ingress of the host forces it).
    public var redirectsFallback: Bool
    /// `server-alias`: other exact names served as this host (from the oldest Ingress of the host
    /// that sets any), sorted. A name that is a host of its own, or an earlier host's alias, is not
    /// served as an alias (`RoutingTable.servedAliases`).
    public var aliases: [String] = []
    /// `from-to-www-redirect`: an Ingress of the host asks that its www name (or bare name) answer
    /// 308 to it (`RoutingTable.servedWWWRedirects`).
    public var redirectsFromToWWW = false
    /// `auth-tls-secret`: clients must present a certificate (served by a server of its own).
    public var clientCertificate: ClientCertificate?

    public init(
        host: Host, locations: [Location] = [], fallback: Backend? = nil, tls: HostTLS? = nil, redirectsFallback: Bool = false,
        aliases: [String] = []
    ) {
        self.aliases = aliases
        self.host = host
        self.locations = locations
        self.fallback = fallback
        self.tls = tls
        self.redirectsFallback = redirectsFallback
    }
}

public struct CatchAll: Sendable, Hashable {
    public var locations: [Location]
    public var fallback: Backend?

    public init(locations: [Location] = [], fallback: Backend? = nil) {
        self.locations = locations
        self.fallback = fallback
    }
}

/// How an Ingress path matches, after the Ingress v1 specification.
public enum PathMatch: String, Sendable, Hashable, Comparable {
    /// Case-sensitive, the whole path.
    case exact
    /// Element-wise on `/`-separated segments: `/foo` matches `/foo`, `/foo/`, `/foo/bar`, never
    /// `/foobar`. `ImplementationSpecific` is served as `Prefix`.
    case prefix
    /// ingress-nginx's matching, on a host where an Ingress sets `use-regex` or `rewrite-target`:
    /// the path is a case-insensitive regex matched from the start of the path only (nginx's
    /// `location ~* "^PATH"`), and the host's regexes are tried in order, the first that matches
    /// wins. Such a host has only these (and `app-root`'s Exact `/`).
    case regex

    private var rank: Int {
        switch self {
        case .exact: 0
        case .prefix: 1
        case .regex: 2
        }
    }

    public static func < (a: PathMatch, b: PathMatch) -> Bool { a.rank < b.rank }

    /// How the Ingress specification or ingress-nginx names it, for messages and comments.
    public var name: String {
        switch self {
        case .exact: "Exact"
        case .prefix: "Prefix"
        case .regex: "regex"
        }
    }
}

public struct Location: Sendable, Hashable {
    /// Normalised: a prefix path has no trailing `/` (except the root path `/` itself). A regex is
    /// as ingress-nginx writes it after `^`: a validated regex that compiles on its own.
    public var path: String
    public var match: PathMatch
    public var backend: Backend
    public var options: ProxyOptions {
        // Read in place: rendering reads a location's settings a dozen times, and a copy of them
        // on each read retained every field.
        _read {
            if let box = customOptions { yield box.options } else { yield ProxyOptions.defaults }
        }
        set { customOptions = newValue.isDefault ? nil : ProxyOptionsBox(newValue) }
    }
    /// Nil for nginx.conf's defaults, as nearly every location has them; else in a box the copies
    /// share. Every location stays in memory between changes: inline, the options were 88 of its
    /// 208 bytes (10,000 Ingresses of five paths: 4 MB).
    private var customOptions: ProxyOptionsBox?

    /// Sets `options`, sharing `other`'s copy when it holds the same settings (the paths of one
    /// Ingress nearly always do): one copy for them instead of one per location.
    mutating func setOptions(_ options: ProxyOptions, sharingWith other: Location?) {
        if let box = other?.customOptions, box.options == options { customOptions = box } else { self.options = options }
    }

    /// Which copy of settings the location holds (nil: the defaults), to tell cheaply that two
    /// locations hold the same one.
    package var optionsIdentity: ObjectIdentifier? { customOptions.map(ObjectIdentifier.init) }

    /// Takes `other`'s copy of its settings.
    mutating func shareOptions(of other: Location) { customOptions = other.customOptions }

    /// Whether both hold the same settings: the same copy, as the paths of one Ingress do, or equal ones.
    package func hasOptions(of other: Location) -> Bool {
        customOptions === other.customOptions || options == other.options
    }
    /// A canary Ingress's share of the route's requests (on a route to a Service only).
    public var canary: Canary? {
        get { canaryStorage?.value }
        set { canaryStorage = newValue.map(Indirect.init) }
    }
    private var canaryStorage: Indirect<Canary>?
    /// Which Ingress rule this came from (`ingress default/web spec.rules[0].http.paths[1]`).
    public var source: ObjectReference
    public var field: String

    public init(
        path: String, match: PathMatch, backend: Backend, options: ProxyOptions = ProxyOptions(),
        source: ObjectReference, field: String
    ) {
        self.path = path
        self.match = match
        self.backend = backend
        self.source = source
        self.field = field
        self.options = options
    }
}

/// A location's proxy settings when they are not the defaults; equal and hashed by value.
final class ProxyOptionsBox: Sendable, Hashable {
    let options: ProxyOptions

    init(_ options: ProxyOptions) { self.options = options }

    static func == (a: ProxyOptionsBox, b: ProxyOptionsBox) -> Bool { a === b || a.options == b.options }
    func hash(into hasher: inout Hasher) { hasher.combine(options) }
}

public enum Backend: Sendable, Equatable, Hashable {
    case upstream(Upstream)
    /// The backend does not exist (yet): nginx answers this status, 503.
    case unavailable(status: Int)
    /// `permanent-redirect` / `temporal-redirect`: nginx answers `status` (300-308) with `Location: url`
    /// (a validated http or https URL) instead of proxying.
    case redirect(status: Int, url: String)
}

/// `<service>.<namespace>.svc.<cluster domain>:<port>`, or an ExternalName Service's name and port.
public struct Upstream: Sendable, Hashable, Comparable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var address: String { "\(host):\(port)" }
    public static func < (a: Upstream, b: Upstream) -> Bool { (a.host, a.port) < (b.host, b.port) }
}

/// Per-Ingress proxy settings from `portico.io/*` (and ingress-nginx's) annotations; nil means
/// nginx.conf's default. A location with any setting proxies itself (so that access rules run in
/// the location the request matched, before it is handed anywhere).
public struct ProxyOptions: Sendable, Equatable, Hashable {
    public var connectTimeoutSeconds: Int?
    public var readTimeoutSeconds: Int?
    public var sendTimeoutSeconds: Int?
    /// nginx size syntax, validated: digits with an optional `k`/`m`/`g`.
    public var maxBodySize: String?
    /// Source ranges; nil: every client.
    public var access: SourceAccess?
    /// Plain-HTTP requests are answered `308` to the same target over HTTPS (`spec.tls`, unless
    /// `ssl-redirect: "false"`; or `force-ssl-redirect: "true"`). Never for ACME challenges.
    public var redirectsToHTTPS: Bool
    /// With `redirectsToHTTPS`: the redirect keeps a trailing `/` of the target (`preserve-trailing-slash`);
    /// otherwise it is dropped, as ingress-nginx does (`/foo/` → `https://HOST/foo`, `/` → `https://HOST`).
    public var preservesTrailingSlash = false
    /// HTTPS responses carry Strict-Transport-Security (the host has its own certificate).
    public var strictTransportSecurity: Bool
    /// How nginx talks to the backend: buffering, HTTP version, retries, the Host header sent.
    public var upstream: UpstreamOptions? {
        get { upstreamStorage?.value }
        set { upstreamStorage = newValue.map(Indirect.init) }
    }
    private var upstreamStorage: Indirect<UpstreamOptions>? = nil
    /// `rewrite-target` on a regex route: the path the backend receives instead of the client's,
    /// `$1`... standing for the route regex's groups (validated: `/`, letters, digits, `- . _ ~ :`
    /// and `$` followed by a digit); the query is kept. Empty in the settings of a named location
    /// that sends the rewritten path (each route rewrites to its own target before it hands over).
    public var rewriteTarget: String?
    /// `enable-cors`. In the settings of a named location: `CORSPolicy()`, whatever the route's
    /// (each route sets the headers' values before it hands over; the named location adds them).
    public var cors: CORSPolicy? {
        get { corsStorage?.value }
        set { corsStorage = newValue.map(Indirect.init) }
    }
    private var corsStorage: Indirect<CORSPolicy>? = nil
    /// `limit-rps`, `limit-rpm`, `limit-connections`, `limit-rate`...: the Ingress's own limits.
    public var rateLimit: RateLimit? {
        get { rateLimitStorage?.value }
        set { rateLimitStorage = newValue.map(Indirect.init) }
    }
    private var rateLimitStorage: Indirect<RateLimit>? = nil
    /// `auth-type: basic`, `auth-url`: the request must authenticate before it is proxied. In the
    /// settings of a named location, only what that location says itself (`Authentication.proxied`):
    /// each route sets its realm, file and URL before it hands over.
    public var auth: Authentication? {
        get { authStorage?.value }
        set { authStorage = newValue.map(Indirect.init) }
    }
    private var authStorage: Indirect<Authentication>? = nil
    /// `custom-http-errors`, `default-backend`: the Service's answers with these codes, and routes
    /// whose Service is not there or does not answer, are the default backend's (`CustomErrors`).
    public var customErrors: CustomErrors? {
        get { customErrorsStorage?.value }
        set { customErrorsStorage = newValue.map(Indirect.init) }
    }
    private var customErrorsStorage: Indirect<CustomErrors>? = nil

    public init(
        connectTimeoutSeconds: Int? = nil, readTimeoutSeconds: Int? = nil, sendTimeoutSeconds: Int? = nil,
        maxBodySize: String? = nil, access: SourceAccess? = nil, redirectsToHTTPS: Bool = false,
        strictTransportSecurity: Bool = false, rewriteTarget: String? = nil, cors: CORSPolicy? = nil, upstream: UpstreamOptions? = nil,
        rateLimit: RateLimit? = nil, auth: Authentication? = nil
    ) {
        self.rewriteTarget = rewriteTarget
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.readTimeoutSeconds = readTimeoutSeconds
        self.sendTimeoutSeconds = sendTimeoutSeconds
        self.maxBodySize = maxBodySize
        self.access = access
        self.redirectsToHTTPS = redirectsToHTTPS
        self.strictTransportSecurity = strictTransportSecurity
        self.upstream = upstream
        self.cors = cors
        self.rateLimit = rateLimit
        self.auth = auth
    }

    public var isDefault: Bool { self == Self.defaults }

    /// nginx.conf's defaults, made once.
    static let defaults = ProxyOptions()
}
