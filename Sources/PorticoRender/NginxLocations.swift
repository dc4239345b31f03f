import PorticoRouting

/// Expresses Ingress path matching with nginx `location`s, which match raw prefixes:
/// - `Exact /foo` is `location = /foo`;
/// - `Prefix /foo` is `location = /foo` (unless an Exact rule claims it) plus `location /foo/`, so it
///   matches `/foo`, `/foo/` and `/foo/bar` but never `/foobar`; `Prefix /` is `location /`;
/// - nginx picks the longest matching prefix, which is the specification's "longest path wins";
/// - when no rule covers `/`, `location /` answers the fallback (default backend) or 404, so nginx
///   never falls through to serving files.
enum NginxLocations {
    static func build(_ locations: [Location], fallback: Backend?) -> [LocationView] {
        var views: [(key: String, view: LocationView)] = []
        views.reserveCapacity(locations.count * 2 + 1)
        var exactPaths = Set<String>()
        for l in locations where l.match == .exact { exactPaths.insert(l.path) }
        var coversRoot = false
        for l in locations {
            let comment = "\(l.source) \(l.field)"
            switch l.match {
            case .exact:
                views.append((l.path + "\u{0}", LocationView(location: "= \(l.path)", comment: comment, backend: l.backend, options: l.options)))
            case .prefix where l.path == "/":
                coversRoot = true
                views.append(("/\u{1}", LocationView(location: "/", comment: comment, backend: l.backend, options: l.options)))
            case .prefix:
                if !exactPaths.contains(l.path) {
                    views.append((l.path + "\u{0}", LocationView(location: "= \(l.path)", comment: comment, backend: l.backend, options: l.options)))
                }
                views.append((l.path + "/\u{1}", LocationView(location: "\(l.path)/", comment: comment, backend: l.backend, options: l.options)))
            }
        }
        if !coversRoot {
            let comment = fallback == nil ? "no rule matched: 404" : "no rule matched: default backend"
            views.append(("\u{10FFFF}", LocationView(location: "/", comment: comment, backend: fallback ?? .unavailable(status: 404), options: ProxyOptions())))
        }
        return views.sorted { $0.key < $1.key }.map(\.view)
    }
}
