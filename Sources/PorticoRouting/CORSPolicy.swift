/// `enable-cors` and its `cors-*` settings, as ingress-nginx reads them: which origins are answered,
/// and the values of the `Access-Control-*` headers sent with every response of the Ingress's paths
/// (errors included) to an allowed origin; a preflight (`OPTIONS` from an allowed origin) is
/// answered 204 by nginx itself. Every value is validated to a character set that means nothing
/// to nginx's parser.
public struct CORSPolicy: Sendable, Hashable {
    /// `["*"]`: any origin, answered `Access-Control-Allow-Origin: *` (ingress-nginx's default).
    /// Else origins as `scheme://host[:port]` (a host may start with `*.`, one label) or `null`.
    public var origins: [String]
    public var methods: String
    public var headers: String
    public var exposeHeaders: String?
    public var maxAge: Int
    /// `Access-Control-Allow-Credentials: true` (ingress-nginx's default, with `*` too).
    public var credentials: Bool

    public static let defaultMethods = "GET, PUT, POST, DELETE, PATCH, OPTIONS"
    public static let defaultHeaders =
        "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization"
    public static let defaultMaxAge = 1_728_000

    public init(
        origins: [String] = ["*"], methods: String = defaultMethods, headers: String = defaultHeaders, exposeHeaders: String? = nil,
        maxAge: Int = defaultMaxAge, credentials: Bool = true
    ) {
        self.origins = origins
        self.methods = methods
        self.headers = headers
        self.exposeHeaders = exposeHeaders
        self.maxAge = maxAge
        self.credentials = credentials
    }

    public var allowsAnyOrigin: Bool { origins == ["*"] }

    /// ingress-nginx's `corsOriginRegex`: a lowercase scheme, `://`, an optional `*.`, letters,
    /// digits, `-` and `.`, an optional port; or `null`.
    public static func isOrigin(_ origin: String) -> Bool {
        if origin == "null" { return true }
        // The scheme: lowercase letters up to `://`.
        let utf8 = origin.utf8
        guard let colon = utf8.firstIndex(where: { $0 < UInt8(ascii: "a") || $0 > UInt8(ascii: "z") }), colon > utf8.startIndex,
            utf8[colon...].starts(with: "://".utf8)
        else { return false }
        var rest = origin[utf8.index(colon, offsetBy: 3)...]
        if rest.hasPrefix("*.") { rest = rest.dropFirst(2) }
        var host = rest
        if let colon = rest.firstIndex(of: ":") {
            let port = rest[rest.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
            host = rest[..<colon]
        }
        return host.utf8.allSatisfy { Validation.isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }
}

extension RoutingRun {
    static let corsSettings = [
        "enable-cors", "cors-allow-origin", "cors-allow-methods", "cors-allow-headers", "cors-allow-credentials",
        "cors-expose-headers", "cors-max-age",
    ]

    /// The Ingress's CORS policy (nil unless `enable-cors` is true). An invalid value is reported
    /// and its default applies, as in ingress-nginx; an origin that is not one is dropped from the
    /// list (a list left empty answers no origin, the same as CORS off: nothing is widened).
    mutating func corsPolicy(_ annotations: Annotations, ref: ObjectReference) -> CORSPolicy? {
        guard let (enableKey, enable) = Self.lookup("enable-cors", in: annotations) else { return nil }
        guard let enabled = Self.parseBool(enable) else {
            diagnose(.invalidAnnotation, ref, Self.field(enableKey), "\(quoted(enable)) is not true or false; CORS stays off")
            return nil
        }
        guard enabled else { return nil }
        var policy = CORSPolicy()
        func invalid(_ key: String, _ value: String, _ why: String, _ instead: String) {
            diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) \(why); \(instead)")
        }
        if let (key, value) = Self.lookup("cors-allow-origin", in: annotations), value.contains(where: { $0 != " " && $0 != "," }) {
            var origins: [String] = []
            for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                let origin = Self.trimmingBlanks(item)
                if origin.isEmpty { continue }
                if origin == "*" {
                    origins = ["*"]
                    break
                }
                guard origin.utf8.count <= 253 + 20, CORSPolicy.isOrigin(origin) else {
                    invalid(key, origin, "is not an origin (scheme://host[:port], *. for one label, or null)", "dropped from the list")
                    continue
                }
                if !origins.contains(origin) { origins.append(origin) }
                if origins.count > 100 {
                    invalid(key, "", "lists more than 100 origins", "the rest are dropped")
                    break
                }
            }
            policy.origins = origins
        }
        if let (key, value) = Self.lookup("cors-allow-methods", in: annotations) {
            if Self.isTokenList(value, extra: "") { policy.methods = value } else {
                invalid(key, value, "is not a list of methods (letters, separated by commas)", "the default applies")
            }
        }
        if let (key, value) = Self.lookup("cors-allow-headers", in: annotations) {
            if Self.isTokenList(value, extra: "0123456789-_") { policy.headers = value } else {
                invalid(key, value, "is not a list of header names (letters, digits, - and _, separated by commas)", "the default applies")
            }
        }
        if let (key, value) = Self.lookup("cors-expose-headers", in: annotations), !value.isEmpty {
            if Self.isTokenList(value, extra: "0123456789-_*") { policy.exposeHeaders = value } else {
                invalid(key, value, "is not a list of header names (letters, digits, -, _ and *, separated by commas)", "none are exposed")
            }
        }
        if let (key, value) = Self.lookup("cors-allow-credentials", in: annotations) {
            if let flag = Self.parseBool(value) { policy.credentials = flag } else {
                invalid(key, value, "is not true or false", "true applies")
            }
        }
        if let (key, value) = Self.lookup("cors-max-age", in: annotations) {
            if value.utf8.count <= 9, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(value) { policy.maxAge = n } else {
                invalid(key, value, "is not a whole number of seconds", "\(CORSPolicy.defaultMaxAge) applies")
            }
        }
        // No origin left: none is ever answered, as with CORS off (ingress-nginx too).
        return policy.origins.isEmpty ? nil : policy
    }

    /// `item` without spaces and tabs at either end (most have none: copied as they are).
    static func trimmingBlanks(_ item: Substring) -> String {
        func blank(_ byte: UInt8?) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard blank(item.utf8.first) || blank(item.utf8.last) else { return String(item) }
        return String(item.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    /// Comma-separated tokens of letters and `extra`, with optional spaces after commas; at most 1 KB.
    static func isTokenList(_ value: String, extra: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 1024 else { return false }
        let allowed = Set(extra.utf8)
        return value.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { item in
            let token = item.drop { $0 == " " }
            return !token.isEmpty
                && token.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || allowed.contains($0) }
        }
    }
}
