import PorticoModel
import PorticoPCRE

/// ingress-nginx's regex matching: `use-regex: "true"` (paths are regexes) and `rewrite-target`
/// (the backend receives another path), and what they do to a host. As in ingress-nginx, once one
/// Ingress of a host sets either, every path of that host, whichever Ingress it comes from, is a
/// case-insensitive regex matched from the start of the path (`~* "^PATH"`), tried longest first;
/// Prefix paths of the other Ingresses become `PATH/` and `PATH` as its `updateServerLocations`
/// makes them, so `/foo` also takes `/foobar`. Hosts without either keep the Ingress
/// specification's matching.
extension RoutingRun {
    /// An Ingress's `use-regex` and `rewrite-target`.
    struct RegexSettings {
        var useRegex = false
        /// Validated (`rewriteTargetProblem`).
        var rewriteTarget: String?

        /// Whether a path of this Ingress is a regex, left as written: ingress-nginx leaves a path
        /// alone when the Ingress uses regexes or rewrites it to something else.
        func keepsAsWritten(_ raw: String) -> Bool {
            useRegex || (rewriteTarget.map { $0 != raw } ?? false)
        }

        /// The target a path's requests are rewritten to, if any.
        func target(for raw: String) -> String? {
            rewriteTarget.flatMap { $0 == raw ? nil : $0 }
        }
    }

    /// The settings, with a diagnostic for each value that is not valid (its default applies).
    mutating func regexSettings(_ annotations: Annotations, ref: ObjectReference) -> RegexSettings {
        if let (key, value) = Self.lookup("use-regex", in: annotations), Self.parseBool(value) == nil {
            diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) is not true or false; false applies")
        }
        if let (key, value) = Self.lookup("rewrite-target", in: annotations), !value.isEmpty, let why = Self.rewriteTargetProblem(value) {
            diagnose(
                .invalidAnnotation, ref, Self.field(key), "\(quoted(value)) \(why); no rewrite, the backend receives the client's path")
        }
        return Self.regexSettings(annotations)
    }

    /// The settings as routing applies them: an invalid value is its default.
    static func regexSettings(_ annotations: Annotations) -> RegexSettings {
        var settings = RegexSettings()
        if let (_, value) = lookup("use-regex", in: annotations) { settings.useRegex = parseBool(value) ?? false }
        if let (_, value) = lookup("rewrite-target", in: annotations), !value.isEmpty, rewriteTargetProblem(value) == nil {
            settings.rewriteTarget = value
        }
        return settings
    }

    /// Go's `strconv.ParseBool`, as ingress-nginx reads boolean annotations; nil: neither.
    static func parseBool(_ value: String) -> Bool? {
        isTrue(value) ? true : isFalse(value) ? false : nil
    }

    /// Why a `rewrite-target` is refused, or nil. ingress-nginx's own rule (letters, digits,
    /// `/ - . _ ~ :` and `$`), stricter where nginx would read more into it: it is a path, and `$`
    /// only ever introduces a group number (`$1`), never a variable.
    static func rewriteTargetProblem(_ value: String) -> String? {
        guard value.utf8.count <= Validation.maxPathLength else { return "is longer than \(Validation.maxPathLength) bytes" }
        guard value.hasPrefix("/") || value.hasPrefix("$") else { return "must start with \"/\" or a group such as $1" }
        let bytes = Array(value.utf8)
        for (i, b) in bytes.enumerated() {
            if Validation.isAlnum(b) || targetPunctuation.contains(b) { continue }
            if b == UInt8(ascii: "$") {
                guard i + 1 < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i + 1]) else {
                    return "has a $ that is not a group number ($1 to $9); nginx variables are not allowed"
                }
                continue
            }
            return "contains a character that is not allowed (allowed: letters, digits, / - . _ ~ : and $1 to $9)"
        }
        return nil
    }

    private static let targetPunctuation = Set("/-._~:".utf8)

    /// The host's routes as ingress-nginx orders them when the host has a regex path: each one a
    /// regex, longest first (ties: the greater string first, as its two stable sorts give), the
    /// first of equal regexes kept; app-root's Exact `/` stays exact (it answers before any
    /// location in ingress-nginx too).
    static func ingressNginxOrder(_ routes: HostRoutes, hasAppRoot: Bool) -> [Location] {
        var result: [Location] = []
        var seen = Set<String>()
        func add(_ l: Location, path: String) {
            guard seen.insert(path).inserted else { return }
            var regex = l
            regex.path = path
            regex.match = .regex
            result.append(regex)
        }
        for (i, l) in routes.locations.enumerated() {
            switch l.match {
            case .exact where hasAppRoot && l.path == "/":
                result.append(l)
            case .regex, .exact:
                add(l, path: l.path)
            case .prefix where l.path == "/":
                add(l, path: "/")
            case .prefix:
                // `updateServerLocations`: PATH/, and PATH itself unless an Exact path has it.
                add(l, path: l.path + "/")
                if !routes.slashed.contains(i), !routes.exactPaths.contains(l.path) { add(l, path: l.path) }
            }
        }
        result.sort { a, b in
            if a.match != b.match { return a.match < b.match }
            let (la, lb) = (a.path.utf8.count, b.path.utf8.count)
            return la != lb ? la > lb : b.path.utf8.lexicographicallyPrecedes(a.path.utf8)
        }
        return result
    }
}

extension Validation {
    /// The characters ingress-nginx allows in a regex path (`IsValidRegex`): those of a path and
    /// `^ $ [ ] ( ) { } * + ? | & = \`. No quote, `<` or `'` (a named group would set an nginx
    /// variable), space, `;` or `#`.
    static func regexPathProblem(_ s: String) -> String? {
        guard s.hasPrefix("/") else { return "must start with \"/\"" }
        guard s.utf8.count <= maxPathLength else { return "is longer than \(maxPathLength) bytes" }
        for b in s.utf8 where !isAlnum(b) && !regexPunctuation.contains(b) {
            return "contains a character that is not allowed in a regex path (allowed: letters, digits and / - . _ ~ : ^ $ [ ] ( ) { } * + ? | & = \\)"
        }
        do {
            _ = try PCRE(s, caseless: true)
        } catch {
            return "is not a regular expression PCRE compiles (\(error.message))"
        }
        return nil
    }

    private static let regexPunctuation = Set(#"/-._~:^$[](){}*+?|&=\"#.utf8)
}
