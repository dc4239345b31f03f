/// `from-to-www-redirect`, as ingress-nginx serves it: once any Ingress of a host sets it, a
/// request for `www.HOST` (or, for a host `www.NAME`, for `NAME`) answers 308 to the host, with
/// the scheme and port it came on (`$scheme://HOST:$server_port`) and the request's URI less one
/// trailing `/`, unless that other name is a host (or an alias) of its own.
extension RoutingRun {
    /// Whether the Ingress asks for the redirect (Go's `ParseBool`; anything else is false, reported).
    mutating func redirectsFromToWWW(_ annotations: Annotations, ref: ObjectReference) -> Bool {
        guard let (key, value) = Self.lookup("from-to-www-redirect", in: annotations) else { return false }
        guard let on = Self.parseBool(value) else {
            diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) is not true or false; no redirect")
            return false
        }
        return on
    }

    /// Marks `host` for the redirect; a rule without a host or with a wildcard has no www name.
    mutating func claimFromToWWW(host: Host?, ref: ObjectReference, field: String) {
        guard let host, !host.isWildcard else {
            diagnose(
                .unsupportedAnnotation, ref, field,
                "from-to-www-redirect needs an exact host; \(host.map { "\($0) is a wildcard" } ?? "this rule has none"): no redirect")
            return
        }
        guard RoutingTable.wwwCounterpart(host.name) != nil else {
            diagnose(.invalidAnnotation, ref, field, "www.\(host) is not a valid host name; no redirect")
            return
        }
        wwwHosts.insert(host)
    }
}

extension RoutingTable {
    /// `www.NAME` for `NAME`, `NAME` for `www.NAME`: the name redirected to a host; nil when that is
    /// no valid host name.
    public static func wwwCounterpart(_ host: String) -> String? {
        let other = host.hasPrefix("www.") ? String(host.dropFirst(4)) : "www." + host
        return Validation.isHost(other) && !other.hasPrefix("*.") && other.contains(".") ? other : nil
    }

    /// Each virtual host's redirected name as nginx.conf serves it, in host order: none for a host
    /// without the redirect, or whose other name is a host or a served alias (ingress-nginx skips
    /// those too, so that a name always has one server).
    public var servedWWWRedirects: [String?] {
        guard virtualHosts.contains(where: \.redirectsFromToWWW) else { return Array(repeating: nil, count: virtualHosts.count) }
        var taken = Set(virtualHosts.map(\.host.name))
        for aliases in servedAliases { taken.formUnion(aliases) }
        return virtualHosts.map { vhost in
            guard vhost.redirectsFromToWWW, let from = Self.wwwCounterpart(vhost.host.name) else { return nil }
            return taken.insert(from).inserted ? from : nil
        }
    }
}

extension MigrationCheck {
    /// `portico check` on `from-to-www-redirect`: served as ingress-nginx serves it.
    static func wwwFinding(key: String, name: String, value: String) -> Finding? {
        guard name == "from-to-www-redirect" else { return nil }
        guard let on = RoutingRun.parseBool(value) else {
            return Finding(subject: key, status: .honoured, detail: "not true or false: no redirect, as in ingress-nginx")
        }
        return Finding(
            subject: key, status: .honoured,
            detail: on
                ? "the host's www name (or bare name) answers 308 to it on the scheme and port it came on, one trailing slash "
                    + "dropped, as in ingress-nginx; not when that name is a host or an alias of its own"
                : "")
    }
}
