/// A rule's or a backend's `filters[]`. The four kinds Portico maps onto nginx decode to their
/// settings; any other type (`RequestMirror`, `CORS`, `ExtensionRef`, a misspelling), or one of
/// the four without its settings, decodes to `unsupported`, so that the route still decodes and
/// its status can say `UnsupportedValue` about that filter alone.
public enum HTTPRouteFilter: Codable, Sendable, Equatable {
    case requestHeaderModifier(HTTPHeaderFilter)
    case responseHeaderModifier(HTTPHeaderFilter)
    case requestRedirect(HTTPRequestRedirectFilter)
    case urlRewrite(HTTPURLRewriteFilter)
    case unsupported(UnsupportedHTTPRouteFilter)

    enum CodingKeys: String, CodingKey {
        case type, requestHeaderModifier, responseHeaderModifier, requestRedirect, urlRewrite
    }

    /// The field holding a served type's settings: `requestRedirect` for `RequestRedirect`.
    static func settingsField(of type: String) -> String? {
        switch type {
        case "RequestHeaderModifier": CodingKeys.requestHeaderModifier.rawValue
        case "ResponseHeaderModifier": CodingKeys.responseHeaderModifier.rawValue
        case "RequestRedirect": CodingKeys.requestRedirect.rawValue
        case "URLRewrite": CodingKeys.urlRewrite.rawValue
        default: nil
        }
    }

    /// The `type` as written.
    public var type: String {
        switch self {
        case .requestHeaderModifier: "RequestHeaderModifier"
        case .responseHeaderModifier: "ResponseHeaderModifier"
        case .requestRedirect: "RequestRedirect"
        case .urlRewrite: "URLRewrite"
        case .unsupported(let filter): filter.type
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        func settings<T: Decodable>(_: T.Type, _ key: CodingKeys) throws -> T? {
            try c.decodeIfPresent(T.self, forKey: key)
        }
        let missing = UnsupportedHTTPRouteFilter(type: type, missingSettings: true)
        switch type {
        case "RequestHeaderModifier":
            self = try settings(HTTPHeaderFilter.self, .requestHeaderModifier).map(Self.requestHeaderModifier) ?? .unsupported(missing)
        case "ResponseHeaderModifier":
            self = try settings(HTTPHeaderFilter.self, .responseHeaderModifier).map(Self.responseHeaderModifier) ?? .unsupported(missing)
        case "RequestRedirect":
            self = try settings(HTTPRequestRedirectFilter.self, .requestRedirect).map(Self.requestRedirect) ?? .unsupported(missing)
        case "URLRewrite":
            self = try settings(HTTPURLRewriteFilter.self, .urlRewrite).map(Self.urlRewrite) ?? .unsupported(missing)
        default:
            self = .unsupported(UnsupportedHTTPRouteFilter(type: type, missingSettings: false))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        switch self {
        case .requestHeaderModifier(let f): try c.encode(f, forKey: .requestHeaderModifier)
        case .responseHeaderModifier(let f): try c.encode(f, forKey: .responseHeaderModifier)
        case .requestRedirect(let f): try c.encode(f, forKey: .requestRedirect)
        case .urlRewrite(let f): try c.encode(f, forKey: .urlRewrite)
        case .unsupported: break
        }
    }
}

/// A filter Portico cannot apply, kept for the route's status.
public struct UnsupportedHTTPRouteFilter: Sendable, Equatable, CustomStringConvertible {
    /// As written; may hold any character.
    public var type: String
    /// True when the type is one Portico serves but the field with its settings was left out.
    public var missingSettings: Bool

    public init(type: String, missingSettings: Bool = false) {
        self.type = type
        self.missingSettings = missingSettings
    }

    /// `unsupported filter of type "RequestMirror"`, the type quoted safely for one line.
    public var description: String {
        let type = MessageText.quoted(type)
        guard missingSettings else { return "unsupported filter of type \(type)" }
        return "filter of type \(type) has no \(HTTPRouteFilter.settingsField(of: self.type) ?? "settings")"
    }
}

/// `RequestHeaderModifier` and `ResponseHeaderModifier`: headers to set (replacing), to add
/// (appending) and to remove, by name.
public struct HTTPHeaderFilter: Codable, Sendable, Equatable {
    public var set: [HTTPHeader]
    public var add: [HTTPHeader]
    public var remove: [String]

    public init(set: [HTTPHeader] = [], add: [HTTPHeader] = [], remove: [String] = []) {
        self.set = set
        self.add = add
        self.remove = remove
    }

    enum CodingKeys: String, CodingKey { case set, add, remove }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        set = try c.decodeIfPresent([HTTPHeader].self, forKey: .set)?.compacted() ?? []
        add = try c.decodeIfPresent([HTTPHeader].self, forKey: .add)?.compacted() ?? []
        remove = try c.decodeIfPresent([String].self, forKey: .remove)?.compacted() ?? []
    }
}

public struct HTTPHeader: Codable, Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    enum CodingKeys: String, CodingKey { case name, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        value = try c.decodeIfPresent(String.self, forKey: .value) ?? ""
    }
}

/// `RequestRedirect`: what to change in the redirect's location; `statusCode` defaults to 302.
public struct HTTPRequestRedirectFilter: Codable, Sendable, Equatable {
    /// `http` or `https`; nil keeps the request's.
    public var scheme: String?
    public var hostname: String?
    public var path: HTTPPathModifier?
    public var port: Int?
    public var statusCode: Int

    public init(
        scheme: String? = nil, hostname: String? = nil, path: HTTPPathModifier? = nil, port: Int? = nil,
        statusCode: Int = 302
    ) {
        self.scheme = scheme
        self.hostname = hostname
        self.path = path
        self.port = port
        self.statusCode = statusCode
    }

    enum CodingKeys: String, CodingKey { case scheme, hostname, path, port, statusCode }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scheme = try c.decodeIfPresent(String.self, forKey: .scheme)
        hostname = try c.decodeIfPresent(String.self, forKey: .hostname)
        path = try c.decodeIfPresent(HTTPPathModifier.self, forKey: .path)
        port = try c.decodeIfPresent(Int.self, forKey: .port)
        statusCode = try c.decodeIfPresent(Int.self, forKey: .statusCode) ?? 302
    }
}

/// `URLRewrite`: the Host and path the backend is sent.
public struct HTTPURLRewriteFilter: Codable, Sendable, Equatable {
    public var hostname: String?
    public var path: HTTPPathModifier?

    public init(hostname: String? = nil, path: HTTPPathModifier? = nil) {
        self.hostname = hostname
        self.path = path
    }
}

/// `type` is `ReplaceFullPath` (with `replaceFullPath`) or `ReplacePrefixMatch` (with
/// `replacePrefixMatch`); kept as text, the pairing unchecked, for validation to report.
public struct HTTPPathModifier: Codable, Sendable, Equatable {
    public var type: String
    public var replaceFullPath: String?
    public var replacePrefixMatch: String?

    public init(type: String, replaceFullPath: String? = nil, replacePrefixMatch: String? = nil) {
        self.type = type
        self.replaceFullPath = replaceFullPath
        self.replacePrefixMatch = replacePrefixMatch
    }

    enum CodingKeys: String, CodingKey { case type, replaceFullPath, replacePrefixMatch }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        replaceFullPath = try c.decodeIfPresent(String.self, forKey: .replaceFullPath)
        replacePrefixMatch = try c.decodeIfPresent(String.self, forKey: .replacePrefixMatch)
    }
}
