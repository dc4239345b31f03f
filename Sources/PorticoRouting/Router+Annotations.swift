import PorticoModel

extension RoutingRun {
    static let annotationPrefix = "portico.io/"
    static let ingressNginxPrefix = "nginx.ingress.kubernetes.io/"

    /// Reads an Ingress's annotations: its proxy settings, or nil when the Ingress must be left out
    /// (access control Portico cannot honour: left out so that nothing protected becomes open).
    /// A canary's are read by `addCanary` instead. `portico.io/NAME` wins over `nginx.ingress.kubernetes.io/NAME`. An invalid
    /// setting is ignored (the default applies) with a diagnostic, except an invalid source range,
    /// which admits nobody; snippet annotations are refused outright: Portico never copies text from
    /// an object into nginx.conf.
    mutating func parseAnnotations(_ annotations: Annotations, ref: ObjectReference) -> ProxyOptions? {
        // Most Ingresses carry none: no key to look up, nothing to report.
        if annotations.isEmpty { return ProxyOptions() }
        var leftOut = false
        var options = ProxyOptions()
        for setting in Self.proxySettings {
            guard let (key, value) = Self.lookup(setting, in: annotations) else { continue }
            if let instead = Self.unsupportedValue(setting, value) {
                diagnose(.unsupportedAnnotation, ref, Self.field(key), "\(quoted(value)): \(instead)")
                continue
            }
            if let problem = Self.apply(setting, value, to: &options) {
                diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) \(problem); ignored")
            }
        }
        if options.upstream?.forwardedPrefix != nil, Self.rewriteTarget(annotations) == nil, let (key, _) = Self.lookup("x-forwarded-prefix", in: annotations) {
            options.updateUpstream { $0.forwardedPrefix = nil }
            diagnose(
                .invalidAnnotation, ref, Self.field(key),
                "ingress-nginx sends X-Forwarded-Prefix only with rewrite-target, and so does Portico; no header")
        }
        options.cors = corsPolicy(annotations, ref: ref)
        options.rateLimit = rateLimit(annotations, ref: ref)
        let readElsewhere = self.options.servesHTTPS ? Self.readElsewhereWithHTTPS : Self.readElsewhere
        var access = SourceAccess()
        for setting in ["denylist-source-range", "allowlist-source-range"] {
            let names = setting == "allowlist-source-range" ? [setting, "whitelist-source-range"] : [setting]
            guard let (key, value) = names.lazy.compactMap({ Self.lookup($0, in: annotations) }).first else { continue }
            let parsed: Result<[SourceRange], SourceRange.Problem>
            if let known = sourceRangeLists[value] { parsed = known } else {
                parsed = SourceRange.parseList(value)
                sourceRangeLists[value] = parsed
            }
            switch parsed {
            case .success(let ranges):
                if setting == "allowlist-source-range" { access.allow = ranges } else { access.deny = ranges }
            case .failure(let problem):
                // Fail closed: a range list that cannot be read admits nobody, rather than everybody.
                access.allow = []
                diagnose(
                    .invalidAnnotation, ref, Self.field(key),
                    "\(quoted(value)) is not a list of IP addresses or CIDR ranges (\(problem.reason)); "
                        + "every request to this Ingress's paths is refused (403)")
            }
        }
        if access != SourceAccess() { options.access = access }
        // Authentication, client certificates and the backend's TLS: what cannot be set up answers
        // 503 (fail closed), what ingress-nginx refuses leaves the Ingress out.
        func settle(_ outcome: AuthOutcome) -> Authentication? {
            switch outcome {
            case .none: break
            case .protected(let auth): return auth
            case .unavailable: unavailableAuth.insert(ref)
            case .leftOut: leftOut = true
            }
            return nil
        }
        if let auth = settle(authentication(annotations, ref: ref)) { options.auth = auth }
        _ = settle(clientCertificate(annotations, ref: ref))
        _ = settle(proxySSL(annotations, ref: ref, into: &options))

        for key in annotations.keys.filter({ !Self.readHere.contains($0) && !readElsewhere.contains($0) }).sorted() {
            let value = annotations[key] ?? ""
            let field = Self.field(key)
            let name = [Self.annotationPrefix, Self.ingressNginxPrefix].first(where: key.hasPrefix).map { String(key.dropFirst($0.count)) }
            if let name, let why = Self.accessControlNotHonoured(name, value: value) {
                leftOut = true
                diagnose(.accessControlNotHonoured, ref, field, "\(why); Ingress left out, so that nothing it protects is served unprotected")
                continue
            }
            if key.lowercased().contains("snippet") {
                diagnose(
                    .unsupportedAnnotation, ref, field,
                    "snippet annotations are not supported: Portico never copies configuration text "
                        + "from objects into nginx.conf; ignored")
                continue
            }
            guard let name else { continue }
            if key.hasPrefix(Self.annotationPrefix) {
                diagnose(
                    .unsupportedAnnotation, ref, field,
                    "unknown Portico annotation (supported: \(Self.supported)); ignored")
            } else if let instead = Self.notImplemented(name, value: value) {
                diagnose(.unsupportedAnnotation, ref, field, "ingress-nginx annotation not implemented by Portico yet; \(instead)")
            }
        }
        return leftOut ? nil : options
    }

    /// The keys this function reads itself (with the shadowed ingress-nginx key of one set under
    /// `portico.io/` too).
    static let readHere = Set(
        (proxySettings + ["denylist-source-range", "allowlist-source-range", "whitelist-source-range"] + authSettings
            + clientCertificateSettings + proxySSLSettings).flatMap(keys))
    /// Annotation keys this function leaves to others: `fixedRedirect`, `appRoot`,
    /// `regexSettings`, `corsPolicy`, `rateLimit`, `serverAliases` and the canary's reading (without
    /// `canary: "true"` ingress-nginx ignores its settings too); with HTTPS also `redirectPolicy`, applied once every
    /// Ingress's `spec.tls` is known.
    static let readElsewhere = Set(
        (redirectSettings + ["app-root", "use-regex", "rewrite-target", "server-alias"] + corsSettings + rateLimitSettings + canarySettings
            + customErrorSettings + ["from-to-www-redirect", passthroughSetting])
            .flatMap(keys))
    static let readElsewhereWithHTTPS = readElsewhere.union(["ssl-redirect", "force-ssl-redirect", "preserve-trailing-slash"].flatMap(keys))

    static func keys(_ name: String) -> [String] { [annotationPrefix + name, ingressNginxPrefix + name] }

    static func field(_ key: String) -> String { "metadata.annotations[\(quoted(key))]" }

    /// The field of `name` (given with the `portico.io/` prefix) as it is set: that key, else
    /// ingress-nginx's.
    static func field(_ porticoKey: String, in annotations: Annotations) -> String {
        let name = String(porticoKey.dropFirst(annotationPrefix.count))
        return field(lookup(name, in: annotations)?.key ?? porticoKey)
    }

    /// `portico.io/NAME`, else `nginx.ingress.kubernetes.io/NAME`: the key that is set and its value.
    static func lookup(_ name: String, in annotations: Annotations) -> (key: String, value: String)? {
        annotations.lookup(name)
    }

    /// Go's `strconv.ParseBool`, which ingress-nginx reads boolean annotations with.
    static func isTrue(_ value: String?) -> Bool {
        ["1", "t", "T", "TRUE", "true", "True"].contains(value ?? "")
    }

    static let supported =
        "proxy-connect-timeout, proxy-read-timeout, proxy-send-timeout, proxy-body-size, "
        + upstreamSettings.joined(separator: ", ") + ", "
        + "allowlist-source-range, whitelist-source-range, denylist-source-range, permanent-redirect(-code), "
        + "temporal-redirect(-code), app-root, use-regex, rewrite-target, enable-cors and cors-*, canary and canary-*, "
        + "limit-rps, limit-rpm, limit-connections, limit-burst-multiplier, limit-whitelist, limit-rate(-after), server-alias, "
        + "auth-type: basic with auth-secret(-type) and auth-realm, auth-url with auth-method, auth-signin(-redirect-param), "
        + "auth-response-headers, auth-request-redirect and auth-always-set-cookie, custom-http-errors, default-backend, from-to-www-redirect, ssl-redirect and force-ssl-redirect (with HTTPS), "
        + "auth-tls-secret with auth-tls-verify-client, -verify-depth, -error-page and -pass-certificate-to-upstream (with HTTPS), "
        + "proxy-ssl-secret with proxy-ssl-verify, -verify-depth, -name, -server-name, -ciphers and -protocols (with backend-protocol HTTPS or GRPCS)"

    /// `app-root`: a path (Portico's path rules, not `/` itself) that a request for `/` of the
    /// Ingress's hosts is sent to with a 302, as ingress-nginx does; with its field.
    mutating func appRoot(_ annotations: Annotations, ref: ObjectReference) -> (path: String, field: String)? {
        guard let (key, value) = Self.lookup("app-root", in: annotations) else { return nil }
        if let why = Self.appRootProblem(value) {
            diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) \(why); no app-root redirect")
            return nil
        }
        return (value, Self.field(key))
    }

    /// Why an `app-root` value is refused (the path rules, and not `/` itself), or nil.
    static func appRootProblem(_ value: String) -> String? {
        value == "/" ? "would send / to itself" : Validation.pathProblem(value)
    }

    /// A request for `/` of `host` answers 302 to the app root on the same scheme and host: an Exact
    /// `/` that takes the place of any Exact `/` path (ingress-nginx redirected before any
    /// location matched). The first Ingress to set one for the host decides it.
    mutating func addAppRoot(_ root: (path: String, field: String), host: Host?, to routes: inout HostRoutes, ref: ObjectReference) {
        if let first = appRoots[host] {
            if first.path != root.path {
                diagnose(
                    .conflict, ref, root.field,
                    "\(first.source) is older and already sets app-root \(quoted(first.path)) for \(host.map { "host \($0)" } ?? "rules without host"); ignored")
            }
            return
        }
        appRoots[host] = (root.path, ref)
        let location = Location(
            path: "/", match: .exact, backend: .redirect(status: 302, url: "$scheme://$http_host" + root.path), source: ref,
            field: root.field)
        let key = ClaimKey(host: host, path: "/", match: .exact)
        if let index = claims[key] {
            let replaced = routes.locations[index]
            diagnose(
                .conflict, ref, root.field,
                "a request for / is sent to app-root \(quoted(root.path)) instead of \(replaced.source) \(replaced.field) (Exact /), "
                    + "as ingress-nginx does")
            routes.locations[index] = location
        } else {
            claims[key] = routes.locations.count
            routes.locations.append(location)
        }
    }

    static let redirectSettings = ["permanent-redirect", "permanent-redirect-code", "temporal-redirect", "temporal-redirect-code"]

    /// `temporal-redirect` (status `temporal-redirect-code`, 300-307, else 302), else
    /// `permanent-redirect` (`permanent-redirect-code`, 300-308, else 301), as ingress-nginx reads
    /// them: the Ingress's paths answer that redirect instead of reaching their Service. A URL that
    /// is not one Portico can put in a `Location` header is ignored, with a diagnostic (ingress-nginx
    /// ignored the redirect annotations then too).
    mutating func fixedRedirect(_ annotations: Annotations, ref: ObjectReference) -> Backend? {
        for (name, range, fallback) in [("temporal-redirect", 300...307, 302), ("permanent-redirect", 300...308, 301)] {
            guard let (key, url) = Self.lookup(name, in: annotations), !url.isEmpty else { continue }
            guard Self.isRedirectURL(url) else {
                diagnose(
                    .invalidAnnotation, ref, Self.field(key),
                    "\(quoted(url)) is not an http or https URL of letters, digits and - . _ ~ : / ? # [ ] @ ! & ' ( ) * + , = %; "
                        + "no redirect, the paths reach their Service")
                return nil
            }
            var status = fallback
            if let (codeKey, code) = Self.lookup(name + "-code", in: annotations) {
                if let n = Int(code), range.contains(n) {
                    status = n
                } else {
                    diagnose(
                        .invalidAnnotation, ref, Self.field(codeKey),
                        "\(quoted(code)) is not a status from \(range.lowerBound) to \(range.upperBound); \(fallback) applies")
                }
            }
            return .redirect(status: status, url: url)
        }
        return nil
    }

    /// `http://` or `https://`, a host (a DNS name, an IPv4 address or `[IPv6]`) with an optional
    /// port, then URL characters that mean nothing to nginx's parser: no `$` (a variable), quote,
    /// backslash, `;`, brace or space. At most 2048 bytes.
    static func isRedirectURL(_ url: String) -> Bool {
        guard url.utf8.count <= 2048 else { return false }
        let rest: Substring
        if url.hasPrefix("https://") { rest = url.dropFirst(8) } else if url.hasPrefix("http://") { rest = url.dropFirst(7) } else { return false }
        let end = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        let authority = rest[..<end]
        var host = authority
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let port = authority[authority.index(after: colon)...]
            guard let n = Int(port), port.allSatisfy(\.isASCII), (1...65535).contains(n) else { return false }
            host = authority[..<colon]
        }
        let isIPv6 = host.hasPrefix("[") && host.hasSuffix("]") && host.count > 2
            && host.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        guard isIPv6 || Validation.isSubdomain(host.lowercased()) else { return false }
        return rest[end...].allSatisfy { redirectURLCharacters.contains($0) }
    }

    static let redirectURLCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!&'()*+,=%")

    static let proxySettings = ["proxy-connect-timeout", "proxy-read-timeout", "proxy-send-timeout", "proxy-body-size"] + upstreamSettings

    /// Applies one of `proxySettings`: nil, or why the value is not valid.
    static func apply(_ setting: String, _ value: String, to options: inout ProxyOptions) -> String? {
        if upstreamSettings.contains(setting) { return applyUpstream(setting, value, to: &options) }
        if setting == "proxy-body-size" {
            guard isSize(value) else { return "is not a size (digits with an optional k, m or g, e.g. 8m)" }
            options.maxBodySize = value.lowercased()
            return nil
        }
        guard let n = seconds(value) else { return "is not a whole number of seconds from 1 to 3600" }
        switch setting {
        case "proxy-connect-timeout": options.connectTimeoutSeconds = n
        case "proxy-read-timeout": options.readTimeoutSeconds = n
        default: options.sendTimeoutSeconds = n
        }
        return nil
    }

    /// Why an annotation (after the prefix) that restricts who reaches the backend cannot be
    /// honoured, or nil: client certificates, `satisfy: any`, an `auth-snippet`, `auth-*` settings
    /// Portico does not read, and source ranges other than the ones it reads. Ignoring them would
    /// serve the backend to everyone while its owner believes it is protected. (`authSettings` and
    /// the source ranges Portico reads are not asked about.)
    static func accessControlNotHonoured(_ name: String, value: String) -> String? {
        switch name {
        case "satisfy" where value.trimmingCharacters(in: .whitespaces) != "any":
            return nil  // all, nginx's default; anything else ingress-nginx reads as all too
        case "satisfy":
            return "satisfy: any (a source range or authentication admits a request) is not implemented"
        case "auth-snippet":
            return "snippet text is never copied into nginx.conf, and the authentication it belongs to cannot be honoured without it"
        case "auth-proxy-set-headers":
            return "the headers it sends to the auth service come from a ConfigMap, which Portico does not read"
        case _ where name.hasPrefix("auth-tls-"):
            return "\(name) (a client certificate's subject checked by regex) is not implemented"
        case _ where name.hasPrefix("auth-") || name.hasSuffix("-source-range"):
            return "access control that Portico does not implement"
        default: return nil
        }
    }

    /// What happens instead of an ingress-nginx annotation Portico does not implement; nil for
    /// annotations whose value asks for what Portico does anyway.
    static func notImplemented(_ name: String, value: String) -> String? {
        switch name {
        case "service-upstream", "canary", "satisfy": return nil  // how Portico always proxies; a canary that is "false"; satisfy: all
        case "ssl-redirect" where !isTrue(value): return nil
        case "force-ssl-redirect" where !isTrue(value): return nil
        case _ where name.hasPrefix("canary-"): return nil  // without canary: "true" ingress-nginx ignores them too
        case "preserve-trailing-slash": return nil  // nothing is redirected without HTTPS
        case "ssl-redirect", "force-ssl-redirect": return "plain HTTP is served; there is no redirect to HTTPS"
        case _ where name.hasPrefix("affinity") || name.hasPrefix("session-cookie-"):
            return "session affinity needs the Service's Pod endpoints, and Portico proxies to the Service's cluster DNS "
                + "name: requests are spread as the Service spreads them, without a sticky cookie"
        default: return "ignored; Portico's default applies"
        }
    }

    static func seconds(_ value: String) -> Int? {
        guard value.utf8.count <= 4, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(value),
            (1...3600).contains(n)
        else { return nil }
        return n
    }

    static func isSize(_ value: String) -> Bool {
        var digits = Substring(value)
        if let last = value.last, "kKmMgG".contains(last) { digits = digits.dropLast() }
        return !digits.isEmpty && digits.count <= 9 && digits.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}
