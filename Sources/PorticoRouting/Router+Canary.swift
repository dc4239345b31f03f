import Foundation
import PorticoModel
import PorticoPCRE

/// Canary Ingresses (`canary: "true"`) as ingress-nginx merges them (`mergeAlternativeBackends`):
/// a canary serves nothing of its own. Each of its paths finds the main Ingress's route with the
/// same host, the same path as written and the same path type (Exact, else Prefix), and some of
/// that route's requests go to the canary's Service instead; the route keeps its place and the main
/// Ingress's settings, and the canary's other annotations are ignored. A path that matches no main
/// route serves nothing, so a host with only a canary is not served. The oldest canary of a route
/// wins, as ingress-nginx applies one canary per route.
extension RoutingRun {
    static let canarySettings = [
        "canary", "canary-by-header", "canary-by-header-value", "canary-by-header-pattern", "canary-by-cookie", "canary-weight",
        "canary-weight-total",
    ]

    /// Whether an Ingress is a canary: `canary` is true as Go's `ParseBool` reads it.
    static func isCanary(_ ingress: Ingress) -> Bool {
        isTrue(ingress.metadata.annotations.flatMap { $0[annotationPrefix + "canary"] ?? $0[ingressNginxPrefix + "canary"] })
    }

    /// The annotations ingress-nginx reads from a canary Ingress for the canary's own Service (all
    /// others come from the main Ingress): Portico implements none of them.
    static func readFromCanary(_ name: String) -> Bool {
        name == "load-balance" || name.hasPrefix("upstream-hash-by") || name.hasPrefix("affinity") || name.hasPrefix("session-cookie-")
    }

    /// A main route a canary path can find: its host, its path as written (`/` for an empty one)
    /// and whether it is Exact (ingress-nginx makes every other type Prefix).
    struct CanaryTarget: Hashable {
        var host: Host?
        var path: String
        var exact: Bool
    }

    struct PendingCanary {
        var ingress: Ingress
        var ref: ObjectReference
        var rules: CanaryRules
        /// Where its diagnostics end: what applying it finds goes there too, so that each Ingress's
        /// diagnostics stay together in the run's order.
        var diagnosticsEnd: Int
    }

    /// Makes the run record its main routes for canaries, when `ingresses` hold one.
    mutating func expectCanaries(_ ingresses: [Ingress]) {
        if ingresses.contains(where: Self.isCanary) { canaryTargets = [:] }
    }

    /// Notes a main route at `index` of its host's locations, for the canaries to find.
    mutating func recordCanaryTarget(host: Host?, path: HTTPIngressPath, raw: String, index: Int) {
        guard canaryTargets != nil else { return }
        let key = CanaryTarget(host: host, path: raw, exact: path.pathType == "Exact")
        if canaryTargets?[key] == nil { canaryTargets?[key] = index }
    }

    /// Takes a canary Ingress in: its rules are read now (with their diagnostics) and applied once
    /// every main route is known.
    mutating func addCanary(_ ingress: Ingress, ref: ObjectReference) {
        let annotations = Annotations(ingress.metadata.annotations ?? [:])
        let reading = Self.canaryReading(annotations)
        for problem in reading.problems {
            diagnose(.invalidAnnotation, ref, Self.field(problem.key), problem.message)
        }
        for key in annotations.keys.sorted() {
            guard let prefix = [Self.annotationPrefix, Self.ingressNginxPrefix].first(where: key.hasPrefix) else { continue }
            let name = String(key.dropFirst(prefix.count))
            if Self.readFromCanary(name), let instead = Self.notImplemented(name, value: annotations[key] ?? "") {
                diagnose(.unsupportedAnnotation, ref, Self.field(key), "ingress-nginx annotation not implemented by Portico yet; \(instead)")
            }
        }
        if ingress.spec.defaultBackend != nil {
            diagnose(
                .canaryNotServed, ref, "spec.defaultBackend",
                "a canary's default backend is not implemented: the main Ingresses keep the requests it would take")
        }
        served.insert(ref)
        pendingCanaries.append(PendingCanary(ingress: ingress, ref: ref, rules: reading.rules, diagnosticsEnd: diagnostics.count))
    }

    /// Puts every canary on the main routes its paths find, oldest canary first.
    mutating func applyCanaries() {
        let pending = pendingCanaries
        pendingCanaries = []
        var found: [(at: Int, diagnostics: [Diagnostic])] = []
        for canary in pending {
            let start = diagnostics.count
            apply(canary)
            if diagnostics.count > start {
                found.append((canary.diagnosticsEnd, Array(diagnostics[start...])))
                diagnostics.removeSubrange(start...)
            }
        }
        // From the last place back, so that each insertion leaves the places before it where they were.
        for (at, more) in found.reversed() { diagnostics.insert(contentsOf: more, at: at) }
        canaryTargets = nil
    }

    private mutating func apply(_ canary: PendingCanary) {
        let ref = canary.ref
        let namespace = canary.ingress.metadata.effectiveNamespace
        for (i, rule) in canary.ingress.spec.rules.enumerated() {
            var host: Host?
            if let raw = rule.host, !raw.isEmpty {
                guard let valid = Host(raw) else {
                    diagnose(
                        .invalidHost, ref, "spec.rules[\(i)].host",
                        "\(quoted(raw)) is not a valid host (a DNS name, optionally with a leading \"*.\"); rule left out")
                    continue
                }
                host = valid
            }
            for (j, path) in (rule.http?.paths ?? []).enumerated() {
                let field = pathField(rule: i, path: j)
                let exact: Bool
                switch path.pathType {
                case "Exact": exact = true
                case "Prefix", "ImplementationSpecific", nil: exact = false
                case let other?:
                    diagnose(
                        .invalidPathType, ref, "\(field).pathType",
                        "\(quoted(other)) is not Exact, Prefix or ImplementationSpecific; path left out")
                    continue
                }
                let raw = (path.path ?? "").isEmpty ? "/" : path.path ?? "/"
                let scope = host.map { "host \($0)" } ?? "rules without host"
                let written = "\(exact ? "Exact" : "Prefix") \(quoted(raw))"
                guard let index = canaryTargets?[CanaryTarget(host: host, path: raw, exact: exact)] else {
                    diagnose(
                        .canaryNotServed, ref, field,
                        "no main Ingress has \(written) for \(scope): this path takes no requests, as in ingress-nginx")
                    continue
                }
                guard let main = location(host: host, index: index), case .upstream(let mainUpstream) = main.backend else {
                    diagnose(
                        .canaryNotServed, ref, field,
                        "the main route for \(written) of \(scope) answers without its Service (a redirect or 503): no canary")
                    continue
                }
                if let older = main.canary {
                    diagnose(
                        .conflict, ref, field,
                        "\(older.source) \(older.field) is older and already the canary of \(written) for \(scope); ignored "
                            + "(one canary per route, as in ingress-nginx)")
                    continue
                }
                let before = diagnostics.count
                let backend = resolve(path.backend, namespace: namespace, ref: ref, field: field, backendField: "\(field).backend")
                guard case .upstream(let upstream) = backend else {
                    // The same findings as a main path's, with what they mean for a canary.
                    for d in before..<diagnostics.count { diagnostics[d].message = Self.forCanary(diagnostics[d].message) }
                    continue
                }
                guard upstream != mainUpstream else {
                    diagnose(
                        .canaryNotServed, ref, field,
                        "the canary's Service is the main route's own (\(upstream.address)): nothing to split")
                    continue
                }
                setCanary(Canary(upstream: upstream, rules: canary.rules, source: ref, field: field), host: host, index: index)
            }
        }
    }

    private func location(host: Host?, index: Int) -> Location? {
        let locations = host.map { hosts[$0]?.locations ?? [] } ?? catchAll.locations
        return locations.indices.contains(index) ? locations[index] : nil
    }

    private mutating func setCanary(_ canary: Canary, host: Host?, index: Int) {
        if let host { hosts[host]?.locations[index].canary = canary } else { catchAll.locations[index].canary = canary }
    }

    /// A backend diagnostic of a canary path: the main route keeps the requests.
    static func forCanary(_ message: String) -> String {
        for ending in ["; answers 503", "; path left out"] where message.hasSuffix(ending) {
            return String(message.dropLast(ending.count)) + "; no canary, the main route keeps all of its requests"
        }
        return message
    }

    /// What a canary's annotations ask for, as ingress-nginx reads them (values trimmed, ints as Go's
    /// `Atoi`), and the values that are not valid, each with what applies instead.
    struct CanaryReading {
        var rules = CanaryRules()
        var problems: [Problem] = []

        struct Problem {
            var key: String
            var message: String
            /// ingress-nginx took the value: Portico does less with it than ingress-nginx did.
            var ingressNginxTakes = false
        }
    }

    static func canaryReading(_ annotations: Annotations) -> CanaryReading {
        var reading = CanaryReading()
        func trimmed(_ name: String) -> (key: String, value: String)? {
            lookup(name, in: annotations).map { ($0.key, $0.value.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        func problem(_ key: String, _ value: String, _ why: String, takes: Bool = false) {
            reading.problems.append(.init(key: key, message: "\(quoted(value)) \(why)", ingressNginxTakes: takes))
        }
        if let (key, name) = trimmed("canary-by-header"), !name.isEmpty {
            if isHeaderName(name) {
                var match = CanaryHeader.Match.alwaysOrNever
                if let (valueKey, value) = trimmed("canary-by-header-value"), !value.isEmpty {
                    if isHeaderValue(value) {
                        match = .value(value)
                    } else {
                        problem(valueKey, value, "is not a header value of letters, digits, spaces and - . _ ~ / :; ignored")
                    }
                }
                // ingress-nginx ignores the pattern when a value is set.
                if match == .alwaysOrNever, let (patternKey, pattern) = trimmed("canary-by-header-pattern"), !pattern.isEmpty {
                    if let why = headerPatternCharactersProblem(pattern) {
                        problem(patternKey, pattern, "\(why); ignored, always and never decide")
                    } else if let error = headerPatternCompileError(pattern) {
                        match = .brokenPattern
                        problem(
                            patternKey, pattern,
                            "is not a regular expression PCRE compiles (\(error)): a request with header \(name) goes to the main "
                                + "Service, as in ingress-nginx")
                    } else {
                        match = .pattern(pattern)
                    }
                }
                reading.rules.header = CanaryHeader(name: name, match: match)
            } else {
                problem(
                    key, name,
                    "is not a header name of letters, digits, - and _ (the names nginx's $http_ variables read); no header rule",
                    takes: isIngressNginxName(name))
            }
        }
        if let (key, name) = trimmed("canary-by-cookie"), !name.isEmpty {
            if isCookieName(name) {
                reading.rules.cookie = name
            } else {
                problem(
                    key, name, "is not a cookie name of letters, digits and _ (the names nginx's $cookie_ variables read); no cookie rule",
                    takes: isIngressNginxName(name))
            }
        }
        var weight = 0
        if let (key, value) = lookup("canary-weight", in: annotations) {
            if let n = Int(value) { weight = n } else { problem(key, value, "is not a whole number; 0 applies") }
        }
        var total = 100
        if let (key, value) = lookup("canary-weight-total", in: annotations) {
            if let n = Int(value) { total = n } else { problem(key, value, "is not a whole number; 100 applies") }
        }
        reading.rules.share = canaryShare(weight: weight, total: total)
        return reading
    }

    /// The canary's share of requests in hundredths of a percent: ingress-nginx's balancer draws
    /// from 1 to the total (100 unless the total is larger) and takes the canary up to the weight.
    static func canaryShare(weight: Int, total: Int) -> Int {
        let whole = max(total, 100)
        let taken = min(max(weight, 0), whole)
        return Int((Double(taken) * Double(CanaryRules.wholeShare) / Double(whole)).rounded())
    }

    /// Whether `canaryShare` is the balancer's exact chance (else it is rounded to 0.01%).
    static func canaryShareIsExact(weight: Int, total: Int) -> Bool {
        let whole = max(total, 100)
        let taken = min(max(weight, 0), whole)
        let (product, overflow) = taken.multipliedReportingOverflow(by: CanaryRules.wholeShare)
        return !overflow && product % whole == 0
    }

    /// A name ingress-nginx's validation takes (`BasicCharsRegex`, spaces aside), within Portico's length.
    static func isIngressNginxName(_ s: String) -> Bool {
        s.utf8.count <= maxCanaryName && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._~/:".contains($0)) }
    }

    static let maxCanaryName = 256
    static let maxCanaryValue = 1024

    static func isHeaderName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= maxCanaryName
            && s.utf8.allSatisfy { Validation.isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    static func isCookieName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= maxCanaryName && s.utf8.allSatisfy { Validation.isAlnum($0) || $0 == UInt8(ascii: "_") }
    }

    /// ingress-nginx's characters for a header value (letters, digits, `- . _ ~ / :`) and spaces
    /// inside it.
    static func isHeaderValue(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= maxCanaryValue && s.utf8.allSatisfy { Validation.isAlnum($0) || headerValuePunctuation.contains($0) }
    }

    private static let headerValuePunctuation = Set(" -._~/:".utf8)

    /// Why a header pattern is refused before PCRE sees it: ingress-nginx's regex characters only
    /// (no quote, space, `;`, `#`, `<` or `'`: a named group would set an nginx variable).
    static func headerPatternCharactersProblem(_ s: String) -> String? {
        guard s.utf8.count <= maxCanaryValue else { return "is longer than \(maxCanaryValue) bytes" }
        for b in s.utf8 where !Validation.isAlnum(b) && !patternPunctuation.contains(b) {
            return "contains a character that is not allowed in a pattern (allowed: letters, digits and / - . _ ~ : ^ $ [ ] ( ) { } * + ? | & = \\)"
        }
        return nil
    }

    private static let patternPunctuation = Set(#"/-._~:^$[](){}*+?|&=\"#.utf8)

    /// PCRE's complaint about a pattern, or nil when it compiles (case-sensitive, as nginx's `~`).
    static func headerPatternCompileError(_ s: String) -> String? {
        do {
            _ = try PCRE(s)
            return nil
        } catch {
            return error.message
        }
    }
}
