import Foundation
import PorticoModel

/// Turns Ingresses and Services into a `RoutingTable`, following the Ingress v1 specification.
///
/// Ingresses are visited oldest first (`creationTimestamp`, then namespace/name), so that whatever
/// order the objects arrive in, the oldest claim to a host and path wins and the output is the same.
/// Anything invalid is left out with a `Diagnostic`; nothing here throws.
public struct Router: Sendable {
    public var options: RoutingOptions
    /// Validated certificates, kept between passes by whoever routes again and again.
    public var certificates: CertificateCache
    /// When certificates are judged expired or not yet valid.
    public var now: Date

    public init(options: RoutingOptions = RoutingOptions(), certificates: CertificateCache = CertificateCache(), now: Date = Date()) {
        self.options = options
        self.certificates = certificates
        self.now = now
    }

    public func route(_ state: ClusterState) -> RoutingTable {
        var table = routeHTTP(state)
        (table.streams, table.diagnostics) = streams(state, adding: table.diagnostics)
        let gateway = gatewayRoutes(state, ingressHosts: table.ingressHostKeys)
        table.gatewayHosts = gateway.hosts
        table.diagnostics += gateway.diagnostics
        return table
    }

    /// The accepted HTTPRoutes' hosts, leaving out the ones Ingresses serve (`ingressHosts`,
    /// `_` for the catch-all's rules), with a diagnostic for each route that loses a host so.
    public func gatewayRoutes(_ state: ClusterState, ingressHosts: Set<String>) -> (hosts: [GatewayHost], diagnostics: [Diagnostic]) {
        guard !state.httpRoutes.isEmpty else { return ([], []) }
        let attachment = GatewayAttachment(state, controllerName: options.gatewayControllerName)
        return GatewayRouter.route(state, attachment: attachment, clusterDomain: options.clusterDomain, ingressHosts: ingressHosts)
    }

    /// The table without its TCP and UDP services (`streams(_:)` adds them).
    public func routeHTTP(_ state: ClusterState) -> RoutingTable {
        var options = options
        var globalDiagnostics: [Diagnostic] = []
        if options.globalConfigMap != nil { (options.global, globalDiagnostics) = GlobalConfig.read(state, options: options) }
        var run = RoutingRun(options: options, state: state, certificates: certificates, now: now)
        let ingresses = run.ingressesInPriorityOrder()
        run.expectCanaries(ingresses)
        run.claims.reserveCapacity(ingresses.reduce(0) { $0 + $1.spec.rules.reduce(0) { $0 + ($1.http?.paths.count ?? 0) } })
        for ingress in ingresses {
            run.add(ingress)
        }
        run.applyCanaries()
        run.addExposedServices()
        var table = run.finish()
        table.global = options.global
        table.diagnostics += globalDiagnostics
        return table
    }

    /// The TCP and UDP services, and every diagnostic with theirs after the Ingresses'.
    public func streams(_ state: ClusterState, adding diagnostics: [Diagnostic] = []) -> ([StreamServer], [Diagnostic]) {
        let streams = StreamRouter.route(state, options: options)
        return (streams.servers, diagnostics + streams.diagnostics)
    }
}

/// One routing pass: the state that accumulates while Ingresses are added.
struct RoutingRun {
    let options: RoutingOptions
    let state: ClusterState
    let services: [ServiceKey: Service]
    let classes: ClassSelector
    var diagnostics: [Diagnostic] = []
    var served: Set<ObjectReference> = []
    var hosts: [Host: HostRoutes] = [:]
    var catchAll = HostRoutes()
    /// Which location holds each host's path and match, as an index into that host's `locations`:
    /// one table for the run rather than a dictionary per host.
    var claims: [ClaimKey: Int] = [:]
    /// Upstream host names made so far, so that the locations reaching a Service share one string.
    var upstreamHosts: [ServiceKey: String] = [:]
    /// `spec.rules[i].http.paths[j]` made so far, so that the table's locations share them.
    var pathFields: [[String]] = []
    var catchAllFallbackOwner: ObjectReference?
    var otherClasses: [String: Int] = [:]
    let certificates: CertificateCache
    let now: Date
    /// Secrets by namespace and name, made when the first `spec.tls` needs one.
    lazy var secrets: [ServiceKey: Secret] = Self.unique(state.secrets, kind: "Secret", outcome: "used") { $0.metadata }.byKey
    var tlsClaims: [Host: TLSClaim] = [:]
    /// Source-range annotations read this pass, by value: most Ingresses of a cluster share a few.
    var sourceRangeLists: [String: Result<[SourceRange], SourceRange.Problem>] = [:]
    /// Each named Secret's certificate data as the cache knows it, made once per pass.
    var certificateInputs: [ServiceKey: CertificateCache.Input] = [:]
    var redirectPolicies: [ObjectReference: RedirectPolicy] = [:]
    /// Each host's `app-root` (nil key: rules without a host): the first Ingress's, as it was set.
    var appRoots: [Host?: (path: String, source: ObjectReference)] = [:]
    /// `server-alias` by host: the oldest Ingress with any decides.
    var aliasClaims: [Host: (names: [String], source: ObjectReference)] = [:]
    /// `from-to-www-redirect`: hosts any Ingress of which asks for it.
    var wwwHosts: Set<Host> = []
    /// The htpasswd files made of the Secrets that basic authentication names, by path.
    var authFiles: [String: AuthFile] = [:]
    /// Ingresses whose authentication cannot be set up: every path answers 503.
    var unavailableAuth: Set<ObjectReference> = []
    /// Client certificates (`auth-tls-secret`) by the Ingress that asks for them, and by host: the
    /// oldest Ingress of the host with one decides (`Router+ClientCertificate.swift`).
    var clientCertificates: [ObjectReference: ClientCertificate] = [:]
    var clientCertificateClaims: [Host: ClientCertificate] = [:]
    /// `proxy-ssl-secret`: each named Secret's files, made once per pass (`Router+ProxySSL.swift`).
    var proxySSLSecrets: [ServiceKey: Result<ProxySSLFiles, ProxySSLProblem>] = [:]
    /// The main routes canaries can find (nil when no Ingress is a canary) and the canaries
    /// waiting for every main route (`Router+Canary.swift`).
    var canaryTargets: [CanaryTarget: Int]?
    var pendingCanaries: [PendingCanary] = []
    /// `ssl-passthrough` by host: the oldest Ingress of a host decides (`SSLPassthrough.swift`).
    var passthroughClaims: [Host: PassthroughHost] = [:]

    struct ServiceKey: Hashable {
        var namespace: String
        var name: String
    }

    struct ClaimKey: Hashable {
        /// Nil: rules without a host.
        var host: Host?
        var path: String
        var match: PathMatch
    }

    struct HostRoutes {
        /// In the order added; `finish()` sorts them.
        var locations: [Location] = []
        var fallback: Backend?
        /// Indices of Prefix paths written with a trailing `/` (`/foo/`), and the Exact paths: what
        /// ingress-nginx's regex matching makes of the host's Prefix paths depends on them.
        var slashed: Set<Int> = []
        var exactPaths: Set<String> = []
    }

    init(options: RoutingOptions, state: ClusterState, certificates: CertificateCache = CertificateCache(), now: Date = Date()) {
        self.options = options
        self.state = state
        self.certificates = certificates
        self.now = now
        // The same Service given twice with different specs: keep the same one whatever the
        // input order (found by the fuzzer: the first one given used to win).
        (services, diagnostics) = Self.unique(state.services, kind: "Service", outcome: "used") { $0.metadata }
        self.classes = ClassSelector(options: options, classes: state.ingressClasses)
    }

    /// One object per namespace/name, the same one whatever the input order: of several definitions,
    /// the one with the highest resourceVersion, else the smallest encoding. Each name given more than
    /// once gets a `duplicateObject` diagnostic, in name order.
    static func unique<T: Encodable>(
        _ objects: [T], kind: String, outcome: String, metadata: (T) -> ObjectMeta
    ) -> (byKey: [ServiceKey: T], diagnostics: [Diagnostic]) {
        var byKey: [ServiceKey: T] = [:]
        byKey.reserveCapacity(objects.count)
        var repeated: [ServiceKey: [T]] = [:]
        for object in objects {
            let meta = metadata(object)
            let key = ServiceKey(namespace: meta.effectiveNamespace, name: meta.name)
            if let first = byKey[key] {
                repeated[key, default: [first]].append(object)
            } else {
                byKey[key] = object
            }
        }
        var diagnostics: [Diagnostic] = []
        for key in repeated.keys.sorted(by: { ($0.namespace, $0.name) < ($1.namespace, $1.name) }) {
            guard let group = repeated[key] else { continue }
            byKey[key] = newest(group) { metadata($0).resourceVersion }
            diagnostics.append(
                Diagnostic(
                    .duplicateObject, ObjectReference(kind: kind, namespace: key.namespace, name: key.name), field: "",
                    "given \(group.count) times in the input; one definition is \(outcome) (the newest resourceVersion, "
                        + "else the first by content), the others are ignored"))
        }
        return (byKey, diagnostics)
    }

    /// Of several definitions of one object, the one with the highest resourceVersion, else the
    /// smallest encoding: the same whatever order they came in.
    static func newest<T: Encodable>(_ group: [T], resourceVersion: (T) -> String?) -> T {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return group.map { object in
            (Int(resourceVersion(object) ?? "") ?? -1, String(decoding: (try? encoder.encode(object)) ?? Data(), as: UTF8.self), object)
        }.sorted { a, b in a.0 != b.0 ? a.0 > b.0 : a.1 < b.1 }[0].2
    }

    /// Ingresses oldest first; an Ingress given more than once (the same namespace and name, e.g. two
    /// manifest files) counts once, with a diagnostic.
    mutating func ingressesInPriorityOrder() -> [Ingress] {
        let (unique, found) = Self.unique(state.ingresses, kind: "Ingress", outcome: "served") { $0.metadata }
        diagnostics += found
        let keyed = unique.values.map { ingress in
            (CreationTime(ingress.metadata.creationTimestamp), ingress.metadata.effectiveNamespace,
                ingress.metadata.name, ingress)
        }
        return keyed.sorted { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if a.1 != b.1 { return a.1 < b.1 }
            return a.2 < b.2
        }.map(\.3)
    }

    mutating func add(_ ingress: Ingress) {
        let namespace = ingress.metadata.effectiveNamespace
        let ref = ObjectReference(ingress)
        guard Validation.isLabel(namespace) else {
            diagnose(.invalidName, ref, "metadata.namespace", "not a valid namespace name; Ingress left out")
            return
        }
        guard Validation.isSubdomain(ingress.metadata.name) else {
            diagnose(.invalidName, ref, "metadata.name", "not a valid object name; Ingress left out")
            return
        }
        if let elsewhere = classes.elsewhere(ingress) {
            diagnose(.otherClass, ref, elsewhere.field, elsewhere.reason)
            otherClasses[elsewhere.className ?? "", default: 0] += 1
            return
        }
        let pathCount = ingress.spec.rules.reduce(0) { $0 + ($1.http?.paths.count ?? 0) }
        guard pathCount <= options.maxPathsPerIngress else {
            diagnose(
                .tooManyPaths, ref, "spec.rules",
                "\(pathCount) paths, more than the limit of \(options.maxPathsPerIngress); Ingress left out")
            return
        }
        if Self.isCanary(ingress) {
            addCanary(ingress, ref: ref)
            return
        }
        // The ConfigMap's defaults, for the annotations the Ingress does not set.
        var ingress = ingress
        if let global = options.global, !global.annotationDefaults.isEmpty {
            ingress.metadata.annotations = global.withDefaults(ingress.metadata.annotations ?? [:])
        }
        let annotations = Annotations(ingress.metadata.annotations ?? [:])
        guard let proxyOptions = parseAnnotations(annotations, ref: ref) else { return }
        let redirect = fixedRedirect(annotations, ref: ref)
        let appRoot = appRoot(annotations, ref: ref)
        let regex = regexSettings(annotations, ref: ref)
        let aliases = serverAliases(annotations, ref: ref)
        let redirectsWWW = redirectsFromToWWW(annotations, ref: ref)
        let errors = customErrors(annotations, ref: ref, namespace: namespace, options: proxyOptions)
        guard claimClientCertificate(ingress, ref: ref) else { return }
        served.insert(ref)
        if options.servesHTTPS {
            let policy = Self.redirectPolicy(annotations)
            if policy != RedirectPolicy() { redirectPolicies[ref] = policy }
            addTLS(ingress.spec.tls, ingress: ingress, ref: ref)
        } else {
            reportTLSNotServed(ingress.spec.tls, ref: ref)
        }
        claimPassthrough(ingress, annotations: annotations, ref: ref, namespace: namespace, options: proxyOptions)

        let authUnavailable = unavailableAuth.contains(ref)
        var defaultBackend: Backend?
        if ingress.spec.defaultBackend != nil, proxyOptions.access != nil || proxyOptions.auth != nil || authUnavailable
            || clientCertificates[ref] != nil
        {
            // The fallback locations carry no Ingress's settings: a restricted default backend
            // there would be open to everyone.
            diagnose(
                .accessControlNotHonoured, ref, "spec.defaultBackend",
                "a default backend cannot be restricted by \(proxyOptions.access != nil ? "source range" : "authentication"); "
                    + "not served (unmatched paths answer 404)")
        } else if let backend = ingress.spec.defaultBackend {
            defaultBackend = resolve(
                backend, namespace: namespace, ref: ref, field: "spec.defaultBackend",
                backendField: "spec.defaultBackend")
            if let defaultBackend {
                if catchAll.fallback == nil {
                    catchAll.fallback = defaultBackend
                    catchAllFallbackOwner = ref
                } else if catchAll.fallback != defaultBackend, let owner = catchAllFallbackOwner {
                    diagnose(
                        .conflict, ref, "spec.defaultBackend",
                        "\(owner) is older and already sets the default backend for unmatched hosts; "
                            + "this one serves only unmatched paths of this Ingress's hosts")
                }
            }
        }

        for (i, rule) in ingress.spec.rules.enumerated() {
            let ruleField = "spec.rules[\(i)]"
            if (rule.host ?? "").isEmpty && rule.http == nil {
                diagnose(
                    .emptyRule, ref, ruleField,
                    "has neither host nor http (mis-indented?); rule ignored")
                continue
            }
            var host: Host?
            if let raw = rule.host, !raw.isEmpty {
                guard let valid = Host(raw) else {
                    diagnose(
                        .invalidHost, ref, "\(ruleField).host",
                        "\(quoted(raw)) is not a valid host (a DNS name, optionally with a leading \"*.\"); "
                            + "rule left out")
                    continue
                }
                host = valid
            }
            // Taken out and put back, so that adding to a host's routes never copies them.
            var routes: HostRoutes
            if let host {
                routes = hosts.removeValue(forKey: host) ?? HostRoutes()
            } else {
                routes = catchAll
                catchAll = HostRoutes()
            }
            if routes.locations.isEmpty { routes.locations.reserveCapacity(rule.http?.paths.count ?? 0) }
            if host != nil, routes.fallback == nil, let defaultBackend {
                routes.fallback = defaultBackend
            }
            if let appRoot { addAppRoot(appRoot, host: host, to: &routes, ref: ref) }
            if !aliases.isEmpty {
                claimAliases(aliases, host: host, ref: ref, field: Self.field(Self.annotationPrefix + "server-alias", in: annotations))
            }
            if redirectsWWW {
                claimFromToWWW(host: host, ref: ref, field: Self.field(Self.annotationPrefix + "from-to-www-redirect", in: annotations))
            }
            let (ruleOptions, ruleUnavailable) = authenticatedOptions(proxyOptions, host: host, ref: ref, rule: ruleField, unavailable: authUnavailable)
            for (j, path) in (rule.http?.paths ?? []).enumerated() {
                let field = pathField(rule: i, path: j)
                guard let valid = validatePath(path, ref: ref, field: field, regex: regex) else { continue }
                let (normalized, match) = (valid.path, valid.match)
                // A redirect answers instead of the Service, which is then neither looked up nor
                // needed; so does an authentication that cannot be set up (503, never open).
                guard
                    let backend = ruleUnavailable ? .unavailable(status: 503) : redirect
                        ?? resolve(path.backend, namespace: namespace, ref: ref, field: field, backendField: "\(field).backend")
                else { continue }
                let key = ClaimKey(host: host, path: normalized, match: match)
                if let index = claims[key] {
                    let existing = routes.locations[index]
                    let scope = host.map { "host \($0)" } ?? "rules without host"
                    diagnose(
                        .conflict, ref, field,
                        "\(match.name) path \(normalized) for \(scope) is already "
                            + "served by \(existing.source) \(existing.field) (older, or first by "
                            + "namespace/name); this one is ignored")
                    continue
                }
                claims[key] = routes.locations.count
                recordCanaryTarget(host: host, path: path, raw: valid.raw, index: routes.locations.count)
                if valid.slashed { routes.slashed.insert(routes.locations.count) }
                if path.pathType == "Exact" { routes.exactPaths.insert(valid.raw) }
                var options = ruleOptions
                if redirect == nil, !ruleUnavailable { options.customErrors = Self.routeErrors(errors, path: path, backend: backend, options: options, ref: ref) }
                if match == .regex, case .upstream = backend { options.rewriteTarget = regex.target(for: valid.raw) }
                // ingress-nginx sends X-Forwarded-Prefix only where it rewrites (not on the target itself).
                if options.rewriteTarget == nil, options.upstream?.forwardedPrefix != nil { options.updateUpstream { $0.forwardedPrefix = nil } }
                var location = Location(path: normalized, match: match, backend: backend, source: ref, field: field)
                location.setOptions(options, sharingWith: routes.locations.last)
                routes.locations.append(location)
            }
            if let host { hosts[host] = routes } else { catchAll = routes }
        }
    }

    mutating func pathField(rule i: Int, path j: Int) -> String {
        while pathFields.count <= i { pathFields.append([]) }
        while pathFields[i].count <= j { pathFields[i].append("spec.rules[\(i)].http.paths[\(pathFields[i].count)]") }
        return pathFields[i][j]
    }

    /// Without an HTTPS listener (said once per Ingress); a Secret name is a file name to whoever
    /// serves it: one that is not a plain object name (`../../etc/passwd`) is reported, as is a host
    /// that is not a host.
    mutating func reportTLSNotServed(_ entries: [IngressTLS], ref: ObjectReference) {
        if !entries.isEmpty {
            let hosts = Set(entries.flatMap { $0.hosts ?? [] }.compactMap { Host($0)?.name }).sorted()
            let named = hosts.isEmpty ? "its hosts" : hosts.prefix(5).joined(separator: ", ") + (hosts.count > 5 ? ", ..." : "")
            diagnose(
                .tlsNotServed, ref, "spec.tls",
                "this Portico does not listen for HTTPS (--no-https): \(named) answer over plain HTTP only, and no certificate "
                    + "is loaded")
        }
        for (i, entry) in entries.enumerated() {
            if let secret = entry.secretName, !Validation.isSubdomain(secret) {
                diagnose(
                    .invalidTLS, ref, "spec.tls[\(i)].secretName",
                    "\(quoted(secret)) is not a valid Secret name; TLS entry ignored")
            }
            for (j, host) in (entry.hosts ?? []).enumerated() where Host(host) == nil {
                diagnose(
                    .invalidTLS, ref, "spec.tls[\(i)].hosts[\(j)]",
                    "\(quoted(host)) is not a valid host (a DNS name, optionally with a leading \"*.\"); ignored")
            }
        }
    }

    struct ValidPath {
        /// Normalised (see `Location.path`).
        var path: String
        var match: PathMatch
        /// As written, `/` for an empty one.
        var raw: String
        /// A Prefix path written with a trailing `/`.
        var slashed: Bool
    }

    /// The normalised path and match, or nil (with a diagnostic) when the path cannot be served. A
    /// path of an Ingress with `use-regex` (or that `rewrite-target` rewrites) is a regex, left as
    /// written; an `ImplementationSpecific` one may use regex syntax.
    mutating func validatePath(
        _ path: HTTPIngressPath, ref: ObjectReference, field: String, regex: RegexSettings = RegexSettings()
    ) -> ValidPath? {
        var match: PathMatch
        switch path.pathType {
        case "Exact": match = .exact
        case "Prefix", "ImplementationSpecific", nil: match = .prefix
        case let other?:
            diagnose(
                .invalidPathType, ref, "\(field).pathType",
                "\(quoted(other)) is not Exact, Prefix or ImplementationSpecific; path left out")
            return nil
        }
        var raw = path.path ?? ""
        if raw.isEmpty {
            guard match == .prefix else {
                diagnose(.invalidPath, ref, "\(field).path", "an Exact path cannot be empty; path left out")
                return nil
            }
            raw = "/"
        }
        if let problem = Validation.pathProblem(raw) {
            let regexProblem = path.pathType == "ImplementationSpecific" && regex.keepsAsWritten(raw) ? Validation.regexPathProblem(raw) : problem
            guard let regexProblem else { return ValidPath(path: raw, match: .regex, raw: raw, slashed: false) }
            let hint = path.pathType != "ImplementationSpecific" && regex.useRegex && Validation.regexPathProblem(raw) == nil
                ? " (a regex path needs pathType ImplementationSpecific, as in ingress-nginx)" : ""
            diagnose(.invalidPath, ref, "\(field).path", "\(quoted(raw)) \(regexProblem)\(hint); path left out")
            return nil
        }
        if regex.keepsAsWritten(raw) { match = .regex }
        let written = raw
        if match == .prefix {
            while raw.count > 1 && raw.hasSuffix("/") { raw.removeLast() }
        }
        return ValidPath(path: raw, match: match, raw: written, slashed: match == .prefix && written != raw)
    }

    mutating func diagnose(_ code: Diagnostic.Code, _ ref: ObjectReference, _ field: String, _ message: String) {
        diagnostics.append(Diagnostic(code, ref, field: field, message))
    }

    /// The table; the run gives its locations up to it (sorted in place, not copied).
    mutating func finish() -> RoutingTable {
        func byPath(_ a: Location, _ b: Location) -> Bool { (a.path, a.match) < (b.path, b.match) }
        claims = [:]
        upstreamHosts = [:]
        var virtualHosts: [VirtualHost] = []
        virtualHosts.reserveCapacity(hosts.count)
        // A host with a regex path is matched as ingress-nginx matches it (`ingressNginxOrder`).
        func hasRegex(_ routes: HostRoutes) -> Bool { routes.locations.contains { $0.match == .regex } }
        var regexHosts: [Host: HostRoutes] = [:]
        for (host, routes) in hosts {
            if hasRegex(routes) { regexHosts[host] = routes }
            virtualHosts.append(
                VirtualHost(host: host, locations: routes.locations, fallback: routes.fallback, aliases: aliasClaims[host]?.names ?? []))
            virtualHosts[virtualHosts.count - 1].redirectsFromToWWW = wwwHosts.contains(host)
        }
        hosts = [:]
        for i in virtualHosts.indices {
            if let routes = regexHosts[virtualHosts[i].host] {
                virtualHosts[i].locations = Self.ingressNginxOrder(routes, hasAppRoot: appRoots[virtualHosts[i].host] != nil)
            } else {
                virtualHosts[i].locations.sort(by: byPath)
            }
        }
        regexHosts = [:]
        virtualHosts.sort { $0.host < $1.host }
        var catchAllLocations = catchAll.locations
        if hasRegex(catchAll) {
            catchAllLocations = Self.ingressNginxOrder(catchAll, hasAppRoot: appRoots[nil] != nil)
        } else {
            catchAll.locations = []
            catchAllLocations.sort(by: byPath)
        }
        catchAll.locations = []
        var catchAll = CatchAll(locations: catchAllLocations, fallback: catchAll.fallback)
        var certificateFiles = options.servesHTTPS ? finishTLS(&virtualHosts, catchAll: &catchAll) : []
        let defaultCertificate = options.servesHTTPS ? addDefaultCertificate(to: &certificateFiles) : nil
        let ingressTLSHosts = Set(virtualHosts.filter { $0.tls != nil }.map(\.host.name))
        let gatewayCertificates = options.servesHTTPS ? gatewayCertificates(adding: &certificateFiles, ingressTLSHosts: ingressTLSHosts) : []
        finishClientCertificates(&virtualHosts)
        let passthrough = finishPassthrough(&virtualHosts)

        var upstreams = Set<Upstream>()
        func collect(_ backend: Backend?) {
            if case .upstream(let u)? = backend { upstreams.insert(u) }
        }
        for vhost in virtualHosts {
            vhost.locations.forEach {
                collect($0.backend)
                collect($0.canary.map { .upstream($0.upstream) })
                collect($0.options.customErrors?.defaultBackend.map(Backend.upstream))
            }
            collect(vhost.fallback)
        }
        catchAll.locations.forEach {
            collect($0.backend)
            collect($0.canary.map { .upstream($0.upstream) })
            collect($0.options.customErrors?.defaultBackend.map(Backend.upstream))
        }
        collect(catchAll.fallback)

        var table = RoutingTable(
            virtualHosts: virtualHosts, catchAll: catchAll, upstreams: upstreams.sorted(),
            diagnostics: diagnostics, servedIngresses: served, otherClasses: otherClasses, certificates: certificateFiles,
            defaultCertificate: defaultCertificate, authFiles: usedAuthFiles(virtualHosts, catchAll))
        table.passthrough = passthrough
        table.gatewayCertificates = gatewayCertificates
        return table
    }
}

/// `creationTimestamp` as something comparable; objects without one (hand-written manifests) sort
/// after every object that has one.
struct CreationTime: Comparable {
    var digits: [UInt8]?

    init(_ text: String?) {
        // RFC 3339 as the API server writes it; comparing the digits in order compares the times.
        guard let text, !text.isEmpty else { return }
        digits = text.utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    static func < (a: CreationTime, b: CreationTime) -> Bool {
        switch (a.digits, b.digits) {
        case (nil, _): return false
        case (_, nil): return true
        case (let x?, let y?): return x.lexicographicallyPrecedes(y)
        }
    }
}
