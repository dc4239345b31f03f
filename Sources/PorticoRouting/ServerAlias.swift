/// `server-alias`, as ingress-nginx reads it: more names for the hosts of an Ingress's rules, each
/// answering every path of the host, whichever Ingress defines it.
extension RoutingRun {
    /// The Ingress's aliases, sorted and without repeats; names that are not exact host names are
    /// reported and left out (ingress-nginx took nginx `server_name` regexes and wildcards; Portico
    /// serves exact names, the ones a DNS record points at).
    mutating func serverAliases(_ annotations: Annotations, ref: ObjectReference) -> [String] {
        guard let (key, value) = Self.lookup("server-alias", in: annotations) else { return [] }
        let (names, refused) = Self.aliasNames(value)
        for name in refused {
            diagnose(
                .invalidAnnotation, ref, Self.field(key),
                "\(quoted(name)) is not an exact host name (Portico serves no wildcard or regex alias); left out")
        }
        return names
    }

    /// A `server-alias` value's exact host names (lowercased, sorted, once each), and the items
    /// that are not one.
    static func aliasNames(_ value: String) -> (names: [String], refused: [String]) {
        var names = Set<String>(), refused: [String] = []
        for item in value.split(separator: ",", omittingEmptySubsequences: true) {
            let name = String(item).trimmingSpaces.lowercased()
            guard !name.isEmpty else { continue }
            if !name.hasPrefix("*."), Validation.isHost(name) { names.insert(name) } else { refused.append(name) }
        }
        return (names.sorted(), refused)
    }

    /// The first Ingress (oldest) with aliases for `host` decides them, as in ingress-nginx.
    mutating func claimAliases(_ names: [String], host: Host?, ref: ObjectReference, field: String) {
        guard !names.isEmpty else { return }
        guard let host else {
            diagnose(.invalidAnnotation, ref, field, "server-alias names other hosts of a rule's host; this rule has none, ignored")
            return
        }
        guard !host.isWildcard else {
            diagnose(
                .unsupportedAnnotation, ref, field,
                "server-alias of a wildcard host (\(host)) is not served: its names would need a server of their own; ignored")
            return
        }
        let names = names.filter { $0 != host.name }
        if let first = aliasClaims[host] {
            if first.names != names {
                diagnose(
                    .conflict, ref, field,
                    "\(first.source) is older and already sets server-alias for host \(host); ignored for it")
            }
            return
        }
        aliasClaims[host] = (names, ref)
    }
}

extension RoutingTable {
    /// Each virtual host's aliases as nginx.conf serves them, in host order: none that is a host of
    /// the table or an earlier host's alias (ingress-nginx drops them too, so that a name always
    /// has one server).
    public var servedAliases: [[String]] {
        guard virtualHosts.contains(where: { !$0.aliases.isEmpty }) else { return Array(repeating: [], count: virtualHosts.count) }
        var taken = Set(virtualHosts.map(\.host.name))
        return virtualHosts.map { vhost in
            vhost.aliases.filter { taken.insert($0).inserted }
        }
    }
}
