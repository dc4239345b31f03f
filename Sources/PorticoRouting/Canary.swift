/// A canary Ingress's claim on one route of a main Ingress (ingress-nginx's alternative backend):
/// some of the route's requests go to the canary's Service instead, chosen by `rules`. The route
/// keeps everything else of the main Ingress (its settings, its place), as in ingress-nginx, which
/// merges only a canary's backends.
public struct Canary: Sendable, Hashable {
    /// The canary's Service.
    public var upstream: Upstream
    public var rules: CanaryRules
    /// The canary Ingress and its path (`spec.rules[0].http.paths[0]`).
    public var source: ObjectReference
    public var field: String

    public init(upstream: Upstream, rules: CanaryRules, source: ObjectReference, field: String) {
        self.upstream = upstream
        self.rules = rules
        self.source = source
        self.field = field
    }
}

/// Which requests a canary takes, in ingress-nginx's order: the header decides if it can, then the
/// cookie, then the weight (`route_to_alternative_balancer` in its balancer.lua). Every string has
/// been validated: names are letters, digits, `-` and `_`; a value or pattern holds no quote, `;`,
/// `#`, `{`... that could end its place in nginx.conf.
public struct CanaryRules: Sendable, Hashable {
    /// `canary-by-header` (with `-value` or `-pattern`).
    public var header: CanaryHeader?
    /// `canary-by-cookie`: the cookie's name (letters, digits and `_`, as nginx's `$cookie_` names
    /// it); `always` sends the request to the canary, `never` to the main Service.
    public var cookie: String?
    /// `canary-weight` out of `canary-weight-total`: the share of the other requests the canary
    /// takes, in hundredths of a percent (0 to 10,000), the resolution of nginx's `split_clients`.
    public var share: Int

    public init(header: CanaryHeader? = nil, cookie: String? = nil, share: Int = 0) {
        self.header = header
        self.cookie = cookie
        self.share = share
    }

    /// Every request goes the same way (true: to the canary) when neither header nor cookie can
    /// decide and the weight is none or all; nil when requests differ.
    public var fixedOutcome: Bool? {
        guard header == nil, cookie == nil else { return nil }
        switch share {
        case 0: return false
        case Self.wholeShare: return true
        default: return nil
        }
    }

    /// All requests, in `share`'s units.
    public static let wholeShare = 10_000
}

/// `canary-by-header`: the request header, and which of its values send a request to the canary.
/// A request without the header (or with an empty one) is left to the cookie and the weight.
public struct CanaryHeader: Sendable, Hashable {
    /// As written: letters, digits, `-` and `_` (nginx matches header names without case, `-` and
    /// `_` alike).
    public var name: String
    public var match: Match

    public init(name: String, match: Match) {
        self.name = name
        self.match = match
    }

    public enum Match: Sendable, Hashable {
        /// `always` sends it to the canary, `never` to the main Service, anything else falls through.
        case alwaysOrNever
        /// `canary-by-header-value`: exactly this value (case-sensitive) sends it to the canary,
        /// anything else (`always` and `never` too) falls through. Letters, digits, spaces and
        /// `- . _ ~ / :`.
        case value(String)
        /// `canary-by-header-pattern`: a PCRE regex (unanchored, case-sensitive) whose match sends
        /// it to the canary; no match falls through. It compiles, and uses only ingress-nginx's
        /// regex characters.
        case pattern(String)
        /// A pattern PCRE does not compile: a request with the header goes to the main Service (as
        /// ingress-nginx, whose match fails on it), one without falls through.
        case brokenPattern
    }

    /// The nginx variable with the header's value: `http_` and the name, lowercase, `-` as `_`.
    public var variable: String {
        "http_" + String(name.lowercased().map { $0 == "-" ? "_" : $0 })
    }
}

extension CanaryRules: CustomStringConvertible {
    /// The share as `split_clients` writes it: `30%`, `0.5%`, `33.33%`.
    public var percent: String {
        let whole = share / 100, hundredths = share % 100
        if hundredths == 0 { return "\(whole)%" }
        if hundredths % 10 == 0 { return "\(whole).\(hundredths / 10)%" }
        return "\(whole).\(hundredths < 10 ? "0" : "")\(hundredths)%"
    }

    /// `header X-Canary (always/never), then cookie beta (always/never), then 30% of the rest`:
    /// for comments, `explain` and messages (every part is a validated value).
    public var description: String {
        var parts: [String] = []
        if let header {
            switch header.match {
            case .alwaysOrNever: parts.append("header \(header.name) always/never")
            case .value(let v): parts.append("header \(header.name) = \"\(v)\"")
            case .pattern(let p): parts.append("header \(header.name) ~ \(p)")
            case .brokenPattern: parts.append("header \(header.name) present: main (its pattern does not compile)")
            }
        }
        if let cookie { parts.append("cookie \(cookie) always/never") }
        if parts.isEmpty { return share == 0 ? "no request" : share == Self.wholeShare ? "every request" : "\(percent) of requests" }
        if share > 0 { parts.append("\(percent) of the rest") }
        return parts.joined(separator: ", then ")
    }
}
