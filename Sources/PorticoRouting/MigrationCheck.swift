import PorticoModel

/// What `portico check` says about each Ingress before a team moves from ingress-nginx: for every
/// annotation an ingress controller reads, and for the path quirks ingress-nginx had, whether
/// Portico does the same. Pure: the objects and the routing options in, the report out. The
/// statuses follow what `Router` does with the same objects (the same annotation tables), so the
/// report cannot promise what routing does not do.
public enum MigrationCheck {
    public enum Status: String, Sendable, Codable, Comparable, CaseIterable {
        /// Portico does what ingress-nginx did.
        case honoured
        /// Portico serves it, but not exactly as ingress-nginx did (the detail says how).
        case honouredDifferently = "honoured-differently"
        /// Portico does not implement it (the detail says what happens instead).
        case unsupported
        /// Portico refuses it on purpose (the detail says why); the Ingress may be left out.
        case refused

        public static func < (a: Status, b: Status) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// One annotation, or one quirk of a path: where it is, its status and why.
    public struct Finding: Sendable, Equatable, Codable {
        /// The annotation's key, or the field of a path (`spec.rules[0].http.paths[1].path`).
        public var subject: String
        public var status: Status
        public var detail: String
    }

    public struct IngressReport: Sendable, Equatable, Codable {
        public var namespace: String
        public var name: String
        /// Whether this Portico serves the Ingress's class; if not, `elsewhere` says whose it is.
        public var served: Bool
        public var elsewhere: String?
        public var findings: [Finding]

        /// The worst status among the findings (`honoured` when there are none); an Ingress that is
        /// not Portico's counts as unsupported.
        public var status: Status {
            guard served else { return .unsupported }
            return findings.map(\.status).max() ?? .honoured
        }
    }

    /// Every Ingress, sorted by namespace and name.
    public static func check(_ state: ClusterState, options: RoutingOptions) -> [IngressReport] {
        let classes = ClassSelector(options: options, classes: state.ingressClasses)
        // Which main routes a canary finds depends on every Ingress: routing says.
        let routed = state.ingresses.contains(where: RoutingRun.isCanary) ? Router(options: options).route(state) : RoutingTable()
        let regexHosts = Set(
            state.ingresses.filter { classes.elsewhere($0) == nil && !RoutingRun.isCanary($0) && usesRegex($0) }.flatMap { ingress in
                ingress.spec.rules.map { Host($0.host ?? "")?.name ?? "" }
            })
        return state.ingresses.map { ingress in
            let ref = ObjectReference(ingress)
            if let elsewhere = classes.elsewhere(ingress) {
                return IngressReport(
                    namespace: ref.namespace, name: ref.name, served: false, elsewhere: elsewhere.reason, findings: [])
            }
            let findings =
                annotations(Annotations(ingress.metadata.annotations ?? [:]), options: options)
                + (RoutingRun.isCanary(ingress) ? canaryPaths(ref, routed: routed) : paths(ingress, regexHosts: regexHosts))
            return IngressReport(namespace: ref.namespace, name: ref.name, served: true, elsewhere: nil, findings: findings)
        }
        .sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    /// The annotations an ingress controller reads (`portico.io/`, `nginx.ingress.kubernetes.io/`,
    /// the legacy class annotation), in key order; others (cert-manager's, kubectl's) are not
    /// Portico's business and are left out.
    static func annotations(_ annotations: Annotations, options: RoutingOptions) -> [Finding] {
        let portico = RoutingRun.annotationPrefix, nginx = RoutingRun.ingressNginxPrefix
        var findings: [Finding] = []
        let canary = RoutingRun.lookup("canary", in: annotations).map { RoutingRun.isTrue($0.value) } ?? false
        for key in annotations.keys.sorted() {
            let value = annotations[key] ?? ""
            if key == ClassSelector.legacyAnnotation {
                findings.append(Finding(subject: key, status: .honoured, detail: "selects the class, as ingress-nginx read it"))
                continue
            }
            guard let prefix = [portico, nginx].first(where: key.hasPrefix) else { continue }
            let name = String(key.dropFirst(prefix.count))
            // portico.io/NAME wins over nginx.ingress.kubernetes.io/NAME.
            if prefix == nginx, annotations[portico + name] != nil {
                findings.append(Finding(subject: key, status: .honoured, detail: "\(portico)\(name) is set too and wins"))
                continue
            }
            if canary, let finding = canaryFinding(key: key, name: name, annotations: annotations) {
                findings.append(finding)
                continue
            }
            if !canary, let finding = customErrorsFinding(key: key, name: name, annotations: annotations) ?? wwwFinding(key: key, name: name, value: value) {
                findings.append(finding)
                continue
            }
            findings.append(Finding(subject: key, status: .honoured, detail: "")
                .classified(
                    name: name, value: value, options: options, portico: prefix == portico,
                    rewriteTarget: RoutingRun.rewriteTarget(annotations)))
        }
        return findings
    }

    /// A canary's paths that take no requests (no main route has their host and path, or it does
    /// not proxy), as routing found them: as in ingress-nginx, except a canary's default backend.
    /// ingress-nginx attached a canary to its main route's Service, so its other routes to that
    /// Service (any host) were split too: said once, with how many there are.
    static func canaryPaths(_ ref: ObjectReference, routed: RoutingTable) -> [Finding] {
        var findings = routed.diagnostics.filter { $0.object == ref && $0.code == .canaryNotServed }.map { d in
            d.field == "spec.defaultBackend"
                ? Finding(subject: d.field, status: .unsupported, detail: d.message)
                : Finding(subject: d.field, status: .honoured, detail: d.message)
        }
        let locations = routed.virtualHosts.flatMap(\.locations) + routed.catchAll.locations
        var mains = Set<Upstream>()
        for l in locations where l.canary?.source == ref {
            if case .upstream(let u) = l.backend { mains.insert(u) }
        }
        let others = locations.filter { l in
            guard l.canary?.source != ref, case .upstream(let u) = l.backend else { return false }
            return mains.contains(u)
        }
        if !others.isEmpty {
            findings.append(
                Finding(
                    subject: "spec.rules", status: .honouredDifferently,
                    detail: "\(others.count) other route\(others.count == 1 ? "" : "s") to \(mains.map(\.address).sorted().joined(separator: ", ")) "
                        + "keep all of their requests; ingress-nginx attached the canary to that Service and split them too"))
        }
        return findings
    }

    /// ingress-nginx answered a request for `/x` to a Prefix path `/x/` with a redirect to `/x/`
    /// (nginx does for a location ending in a slash); Portico matches Prefix paths element by
    /// element, as the Ingress specification says, so `/x` reaches the backend.
    /// On a host where an Ingress sets `use-regex` or `rewrite-target`, every path of the host is
    /// matched as ingress-nginx matched it (`RoutingRun.ingressNginxOrder`): said once per rule.
    static func paths(_ ingress: Ingress, regexHosts: Set<String> = []) -> [Finding] {
        var findings: [Finding] = []
        for (i, rule) in ingress.spec.rules.enumerated() {
            let host = Host(rule.host ?? "")?.name ?? ""
            if regexHosts.contains(host), rule.http != nil {
                findings.append(
                    Finding(
                        subject: "spec.rules[\(i)]", status: .honoured,
                        detail: "\(host.isEmpty ? "rules without host" : "host " + host): an Ingress sets use-regex or rewrite-target, "
                            + "so every path of it is a case-insensitive regex matched from the start of the path, longest first, "
                            + "as in ingress-nginx (Prefix /foo takes /foobar too)"))
                continue
            }
            for (j, path) in (rule.http?.paths ?? []).enumerated() {
                guard let p = path.path, p.count > 1, p.hasSuffix("/"), (path.pathType ?? "Prefix") == "Prefix" else { continue }
                findings.append(
                    Finding(
                        subject: "spec.rules[\(i)].http.paths[\(j)].path", status: .honouredDifferently,
                        detail: "Prefix \(quoted(p)): a request for \(quoted(String(p.dropLast()))) reaches the backend (the "
                            + "Ingress specification); ingress-nginx answered it with a 301 to \(quoted(p))"))
            }
        }
        return findings
    }
}

extension MigrationCheck.Finding {
    /// Sets the status and detail for annotation `name` (after its prefix), as `Router` treats it.
    func classified(
        name: String, value: String, options: RoutingOptions, portico: Bool, rewriteTarget: String? = nil
    ) -> Self {
        func with(_ status: MigrationCheck.Status, _ detail: String) -> Self {
            Self(subject: subject, status: status, detail: detail)
        }
        if name == "auth-snippet", let why = RoutingRun.accessControlNotHonoured(name, value: value) {
            return with(.refused, "\(why): the Ingress is left out, so that nothing it protects is served unprotected")
        }
        if name.lowercased().contains("snippet") {
            return with(.refused, "Portico never copies configuration text from objects into nginx.conf; ignored")
        }
        if name == "canary" { return with(.honoured, "not a canary") }
        if name.hasPrefix("canary-") { return with(.honoured, "without canary: \"true\" ingress-nginx ignores it too") }
        if RoutingRun.proxySettings.contains(name) {
            if let instead = RoutingRun.unsupportedValue(name, value) { return with(.unsupported, instead) }
            var options = ProxyOptions()
            if let problem = RoutingRun.apply(name, value, to: &options) {
                return with(.honoured, "\(quoted(value)) \(problem): the default applies, as in ingress-nginx")
            }
            if name == "x-forwarded-prefix", options.upstream?.forwardedPrefix != nil, rewriteTarget == nil {
                return with(.honoured, "without rewrite-target no X-Forwarded-Prefix is sent, as in ingress-nginx")
            }
            return with(.honoured, "")
        }
        if name == "server-alias" {
            let refused = RoutingRun.aliasNames(value).refused.count
            return refused == 0
                ? with(.honoured, "")
                : with(.honouredDifferently, "only exact host names are served as aliases; \(refused) wildcard or regex names are left out")
        }
        if RoutingRun.rateLimitSettings.contains(name) {
            // Zones of the Ingress's own, burst served without delay, 503 over the limit: as in
            // ingress-nginx; an invalid number is no limit there too (routing says which).
            return with(.honoured, "")
        }
        if RoutingRun.corsSettings.contains(name) {
            // An invalid value falls back to its default, as in ingress-nginx (routing says which).
            return with(.honoured, "")
        }
        if name == "service-upstream" {
            return RoutingRun.isTrue(value)
                ? with(.honoured, "how Portico always proxies: to the Service's cluster DNS name, never to its endpoints")
                : with(
                    .honouredDifferently,
                    "Portico proxies to the Service's cluster DNS name (its cluster IP), never to its endpoints one by one as "
                        + "ingress-nginx does without service-upstream: \"true\"")
        }
        if name == "use-regex" {
            return RoutingRun.parseBool(value) == nil
                ? with(.honoured, "\(quoted(value)) is not true or false: false applies, as in ingress-nginx") : with(.honoured, "")
        }
        if name == "rewrite-target" {
            guard RoutingRun.rewriteTargetProblem(value) != nil, !value.isEmpty else { return with(.honoured, "") }
            // ingress-nginx's own rule let `$` stand before any name: an nginx variable.
            let ingressNginxTakes = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._~/:$".contains($0)) }
            return ingressNginxTakes
                ? with(.honouredDifferently, "Portico allows $ only before a group number ($1 to $9), never an nginx variable: no rewrite, the backend receives the client's path")
                : with(.honoured, "not a target Portico accepts: no rewrite, as ingress-nginx refuses such a value")
        }
        if name == "app-root" {
            return RoutingRun.appRootProblem(value) == nil
                ? with(.honoured, "")
                : with(.honoured, "not a path Portico accepts: no redirect, as ingress-nginx refuses such a value")
        }
        if RoutingRun.redirectSettings.contains(name) {
            if name.hasSuffix("-code") { return with(.honoured, "") }
            return RoutingRun.isRedirectURL(value)
                ? with(.honoured, "")
                : with(.honoured, "not an http or https URL Portico can send: no redirect, as in ingress-nginx")
        }
        if ["allowlist-source-range", "whitelist-source-range", "denylist-source-range"].contains(name) {
            if case .failure(let problem) = SourceRange.parseList(value) {
                return with(
                    .honouredDifferently,
                    "not a list of addresses or ranges (\(problem.reason)): every request to this Ingress's paths is refused (403)")
            }
            return with(.honoured, "")
        }
        if name == "preserve-trailing-slash" { return with(.honoured, "") }
        if name == "ssl-redirect" || name == "force-ssl-redirect" {
            if options.servesHTTPS { return with(.honoured, "") }
            return RoutingRun.isTrue(value) || (name == "ssl-redirect" && !RoutingRun.isFalse(value))
                ? with(.unsupported, "HTTPS is off (--no-https): plain HTTP is served, no redirect")
                : with(.honoured, "")
        }
        if name == RoutingRun.passthroughSetting {
            let finding = MigrationCheck.passthroughFinding(value: value, options: options)
            return with(finding.status, finding.detail)
        }
        if let auth = authentication(name: name, value: value) { return with(auth.status, auth.detail) }
        if let tls = clientCertificate(name: name, value: value, options: options) { return with(tls.status, tls.detail) }
        if let ssl = proxySSL(name: name, value: value) { return with(ssl.status, ssl.detail) }
        if let why = RoutingRun.accessControlNotHonoured(name, value: value) {
            return with(.refused, "\(why): the Ingress is left out, so that nothing it protects is served unprotected")
        }
        if portico { return with(.unsupported, "unknown Portico annotation; ignored") }
        guard let instead = RoutingRun.notImplemented(name, value: value) else {
            return with(.honoured, "asks for what Portico does anyway")
        }
        return with(.unsupported, instead)
    }
}

extension MigrationCheck {
    /// Whether an Ingress's annotations make its hosts match as ingress-nginx's regexes.
    static func usesRegex(_ ingress: Ingress) -> Bool {
        let settings = RoutingRun.regexSettings(Annotations(ingress.metadata.annotations ?? [:]))
        return ingress.spec.rules.contains { rule in
            (rule.http?.paths ?? []).contains { settings.keepsAsWritten($0.path.flatMap { $0.isEmpty ? nil : $0 } ?? "/") }
        }
    }
}

extension MigrationCheck {
    /// An annotation of a canary Ingress: its canary settings as routing reads them, the ones
    /// ingress-nginx takes from a canary for its Service (nil: classified as anywhere), and the
    /// others, which ingress-nginx ignores on a canary too.
    static func canaryFinding(key: String, name: String, annotations: Annotations) -> Finding? {
        func finding(_ status: Status, _ detail: String) -> Finding { Finding(subject: key, status: status, detail: detail) }
        if RoutingRun.readFromCanary(name) { return nil }
        guard RoutingRun.canarySettings.contains(name) else {
            return finding(.honoured, "ignored on a canary, as by ingress-nginx: the main Ingress's settings apply to its requests")
        }
        let reading = RoutingRun.canaryReading(annotations)
        if let problem = reading.problems.first(where: { $0.key == key }) {
            return problem.ingressNginxTakes
                ? finding(.honouredDifferently, problem.message + " (ingress-nginx took it)")
                : finding(.honoured, problem.message + "; ingress-nginx refused it too")
        }
        let value = annotations[key] ?? ""
        switch name {
        case "canary":
            return finding(
                .honoured,
                "its paths take requests of the main Ingress's routes with the same host, path and path type: by header, then cookie, "
                    + "then weight, as in ingress-nginx; its other annotations are ignored")
        case "canary-by-header-value", "canary-by-header-pattern":
            if reading.rules.header == nil { return finding(.honoured, "without canary-by-header ingress-nginx ignores it too") }
            if name == "canary-by-header-pattern", case .value? = reading.rules.header?.match {
                return finding(.honoured, "canary-by-header-value is set and wins, as in ingress-nginx")
            }
            return finding(.honoured, "")
        case "canary-weight", "canary-weight-total":
            let weight = RoutingRun.lookup("canary-weight", in: annotations).flatMap { Int($0.value) } ?? 0
            let total = RoutingRun.lookup("canary-weight-total", in: annotations).flatMap { Int($0.value) } ?? 100
            if !RoutingRun.canaryShareIsExact(weight: weight, total: total) {
                return finding(
                    .honouredDifferently,
                    "\(weight) of \(max(total, 100)) is \(reading.rules.percent) of requests: nginx splits in hundredths of a percent")
            }
            if name == "canary-weight-total", let n = Int(value), n < 100 {
                return finding(.honoured, "below 100, so out of 100, as ingress-nginx's balancer counts")
            }
            return finding(.honoured, "")
        default:
            return finding(.honoured, "")
        }
    }
}
