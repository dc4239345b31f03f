import PorticoModel

/// A host whose TLS connections on the HTTPS port go to its Ingress's backend untouched
/// (`ssl-passthrough` with `--enable-ssl-passthrough`), chosen by the name in the client's TLS
/// ClientHello (SNI): nginx never decrypts them, so no certificate of Portico's is involved.
public struct PassthroughHost: Sendable, Hashable {
    /// Exact: as ingress-nginx, SNI names are compared whole, so a wildcard host is never one.
    public var host: Host
    /// The Service of the rule's path `/` (else the Ingress's `spec.defaultBackend`): its cluster
    /// DNS name, resolved when a connection needs it, and port.
    public var upstream: Upstream
    public var source: ObjectReference
    /// The field the backend came from (`spec.rules[0].http.paths[0]`, `spec.defaultBackend`).
    public var field: String

    public init(host: Host, upstream: Upstream, source: ObjectReference, field: String) {
        self.host = host
        self.upstream = upstream
        self.source = source
        self.field = field
    }
}

extension RoutingRun {
    static let passthroughSetting = "ssl-passthrough"

    /// `ssl-passthrough: "true"`: each exact host of the Ingress's rules is passed through to the
    /// Service of its path `/` (the host only: TLS passthrough never sees a path), when this
    /// Portico passes TLS through at all (`--enable-ssl-passthrough`, as in ingress-nginx) and the
    /// Ingress restricts no one (nginx would never see the requests it restricts). The oldest
    /// Ingress of a host wins. Everything not passed through is served as before, by Portico's
    /// HTTPS termination.
    mutating func claimPassthrough(
        _ ingress: Ingress, annotations: Annotations, ref: ObjectReference, namespace: String, options proxy: ProxyOptions
    ) {
        guard let (key, value) = Self.lookup(Self.passthroughSetting, in: annotations) else { return }
        let field = Self.field(key)
        guard Self.isTrue(value) else {
            if !Self.isFalse(value) {
                diagnose(.invalidAnnotation, ref, field, "\(quoted(value)) is not a boolean (true or false); not passed through")
            }
            return
        }
        guard options.servesHTTPS else {
            diagnose(.unsupportedAnnotation, ref, field, "HTTPS is off (--no-https), so there is no TLS to pass through; ignored")
            return
        }
        guard options.sslPassthrough else {
            diagnose(
                .unsupportedAnnotation, ref, field,
                "TLS passthrough is off in this Portico (--enable-ssl-passthrough, as in ingress-nginx); its hosts are served by "
                    + "Portico's HTTPS termination")
            return
        }
        if proxy.access != nil || proxy.auth != nil || unavailableAuth.contains(ref) || clientCertificates[ref] != nil {
            diagnose(
                .accessControlNotHonoured, ref, field,
                "nginx never sees the requests of a connection it passes through, so its \(proxy.access != nil ? "source ranges" : "authentication") "
                    + "would not apply; not passed through: Portico's HTTPS termination serves its hosts with them")
            return
        }
        var claimed = false
        for (i, rule) in ingress.spec.rules.enumerated() {
            guard let raw = rule.host, !raw.isEmpty, let host = Host(raw) else { continue }  // the rule's own diagnostics say why
            let hostField = "spec.rules[\(i)].host"
            if host.isWildcard {
                diagnose(
                    .unsupportedAnnotation, ref, hostField,
                    "\(host) is a wildcard host, and TLS passthrough compares SNI names exactly (as ingress-nginx); not passed "
                        + "through: Portico's HTTPS termination serves it")
                continue
            }
            let paths = rule.http?.paths ?? []
            let rootIndex = paths.firstIndex { ($0.path ?? "").isEmpty || $0.path == "/" }
            if paths.contains(where: { !(($0.path ?? "").isEmpty || $0.path == "/") }) {
                diagnose(
                    .unsupportedAnnotation, ref, "spec.rules[\(i)].http.paths",
                    "TLS passthrough sees the host name only: every HTTPS connection for \(host) goes to the Service of path / "
                        + "whatever its path; the other paths serve plain HTTP only")
            }
            var source: (backend: IngressBackend, field: String)?
            if let rootIndex { source = (paths[rootIndex].backend, "spec.rules[\(i)].http.paths[\(rootIndex)]") }
            if source == nil, let backend = ingress.spec.defaultBackend { source = (backend, "spec.defaultBackend") }
            guard let source else {
                diagnose(
                    .unsupportedAnnotation, ref, hostField,
                    "\(host) has no path / (nor the Ingress a spec.defaultBackend), whose Service TLS passthrough connects to; not "
                        + "passed through")
                continue
            }
            // The routes' own pass says what is wrong with a backend: resolved again, quietly.
            let said = diagnostics.count
            let backend = resolve(source.backend, namespace: namespace, ref: ref, field: source.field, backendField: "\(source.field).backend")
            diagnostics.removeSubrange(said...)
            guard case .upstream(let upstream)? = backend else {
                diagnose(
                    .unsupportedAnnotation, ref, source.field,
                    "its Service or port is not there, so \(host) is not passed through until it is (Portico's HTTPS termination answers)")
                continue
            }
            if let owner = passthroughClaims[host] {
                if owner.source != ref {
                    diagnose(
                        .conflict, ref, hostField,
                        "\(owner.source) is older (or first by namespace/name) and already passes \(host) through to "
                            + "\(owner.upstream.address); this one's passthrough is ignored")
                }
                continue
            }
            passthroughClaims[host] = PassthroughHost(host: host, upstream: upstream, source: ref, field: source.field)
            claimed = true
        }
        let http = annotations.keys.filter { k in
            Self.passthroughIgnores(k)
        }.sorted()
        if claimed, !http.isEmpty {
            diagnose(
                .unsupportedAnnotation, ref, "metadata.annotations",
                "\(http.map { quoted($0) }.joined(separator: ", ")) do not apply to the HTTPS connections of its passed-through hosts, "
                    + "which nginx never decrypts; they apply to plain HTTP")
        }
    }

    /// An ingress controller's annotation that is about HTTP requests, which a passed-through TLS
    /// connection never shows nginx (the class and the HTTPS redirect still apply).
    static func passthroughIgnores(_ key: String) -> Bool {
        guard let name = [annotationPrefix, ingressNginxPrefix].first(where: key.hasPrefix).map({ String(key.dropFirst($0.count)) }) else {
            return false
        }
        return !["ssl-passthrough", "ssl-redirect", "force-ssl-redirect", "preserve-trailing-slash", "ingress.class"].contains(name)
    }

    /// The passed-through hosts, by host. Their plain-HTTP routes to the passed-through Service
    /// proxy with `https://`, as ingress-nginx marks that upstream: the Service's port speaks TLS.
    mutating func finishPassthrough(_ virtualHosts: inout [VirtualHost]) -> [PassthroughHost] {
        guard !passthroughClaims.isEmpty else { return [] }
        for i in virtualHosts.indices {
            guard let claim = passthroughClaims[virtualHosts[i].host] else { continue }
            for j in virtualHosts[i].locations.indices
            where virtualHosts[i].locations[j].source == claim.source && virtualHosts[i].locations[j].backend == .upstream(claim.upstream)
                && virtualHosts[i].locations[j].options.upstream?.backendProtocol == nil
            {
                var options = virtualHosts[i].locations[j].options
                options.updateUpstream { $0.backendProtocol = .https }
                virtualHosts[i].locations[j].setOptions(options, sharingWith: j > 0 ? virtualHosts[i].locations[j - 1] : nil)
            }
        }
        return passthroughClaims.values.sorted { $0.host < $1.host }
    }
}

extension MigrationCheck {
    /// What `portico check` says of `ssl-passthrough`, as routing reads it.
    static func passthroughFinding(value: String, options: RoutingOptions) -> (status: Status, detail: String) {
        guard RoutingRun.isTrue(value) else {
            return RoutingRun.isFalse(value)
                ? (.honoured, "") : (.honoured, "not true or false: not passed through, as ingress-nginx refuses such a value")
        }
        guard options.servesHTTPS else { return (.unsupported, "HTTPS is off (--no-https): nothing is passed through") }
        guard options.sslPassthrough else {
            return (
                .unsupported,
                "needs --enable-ssl-passthrough, as in ingress-nginx: without it the hosts are served by Portico's HTTPS termination"
            )
        }
        return (
            .honoured,
            "TLS connections on the HTTPS port whose SNI name is one of its exact hosts go to the Service of its path / untouched "
                + "(the oldest Ingress of a host decides; wildcard hosts and Ingresses with access control are not passed through)"
        )
    }
}
