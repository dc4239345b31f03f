/// How a route's requests are proxied to its backend, from ingress-nginx's proxying annotations
/// (`proxy-buffering`, `proxy-next-upstream`, `upstream-vhost`, ...). A nil field keeps
/// nginx.conf's own setting. Every value has been validated: sizes and numbers in range, tokens
/// from nginx's own lists, a host name, a path.
public struct UpstreamOptions: Sendable, Hashable {
    /// `proxy_buffering`: responses are buffered (true) or passed to the client as they arrive.
    public var buffering: Bool?
    /// `proxy_buffer_size` and `proxy_buffers`, always written together as ingress-nginx does.
    public var buffers: ProxyBuffers?
    /// `proxy_request_buffering`: the request body is read whole before it is sent (true) or streamed.
    public var requestBuffering: Bool?
    /// `proxy_http_version`: "1.0" or "1.1".
    public var httpVersion: String?
    /// `proxy_next_upstream` conditions, nginx's tokens in the order given (`non_idempotent` last),
    /// or `["off"]`.
    public var nextUpstream: [String]?
    /// `proxy_next_upstream_tries`; 0 is no limit.
    public var nextUpstreamTries: Int?
    /// `proxy_next_upstream_timeout` in seconds; 0 is no limit.
    public var nextUpstreamTimeoutSeconds: Int?
    /// `upstream-vhost`: the Host header sent to the backend instead of the client's (lowercase,
    /// a DNS name with an optional port).
    public var host: String?
    /// `x-forwarded-prefix`: an `X-Forwarded-Prefix` header sent to the backend (path characters).
    public var forwardedPrefix: String?
    /// `enable-access-log: "false"`: the route's requests are not written to the access log.
    public var accessLogOff: Bool
    /// `backend-protocol`; nil is plain HTTP.
    public var backendProtocol: BackendProtocol?
    /// `proxy-ssl-*` (ProxySSL.swift): only with `backendProtocol` HTTPS or GRPCS.
    public var ssl: ProxySSL?

    public init(
        buffering: Bool? = nil, buffers: ProxyBuffers? = nil, requestBuffering: Bool? = nil, httpVersion: String? = nil,
        nextUpstream: [String]? = nil, nextUpstreamTries: Int? = nil, nextUpstreamTimeoutSeconds: Int? = nil,
        host: String? = nil, forwardedPrefix: String? = nil, accessLogOff: Bool = false, backendProtocol: BackendProtocol? = nil,
        ssl: ProxySSL? = nil
    ) {
        self.ssl = ssl
        self.backendProtocol = backendProtocol
        self.buffering = buffering
        self.buffers = buffers
        self.requestBuffering = requestBuffering
        self.httpVersion = httpVersion
        self.nextUpstream = nextUpstream
        self.nextUpstreamTries = nextUpstreamTries
        self.nextUpstreamTimeoutSeconds = nextUpstreamTimeoutSeconds
        self.host = host
        self.forwardedPrefix = forwardedPrefix
        self.accessLogOff = accessLogOff
    }

    public var isDefault: Bool { self == UpstreamOptions() }

    /// Headers other than nginx.conf's are sent: the named location then repeats all of them
    /// (setting one `proxy_set_header` drops every inherited one).
    /// gRPC always does: the http context's `proxy_set_header`s are the proxy module's only.
    public var setsHeaders: Bool { host != nil || forwardedPrefix != nil || backendProtocol?.isGRPC == true }
}

/// How nginx speaks to the backend, other than plain HTTP. Over TLS the backend's certificate is
/// not verified and no SNI is sent unless `proxy-ssl-*` says otherwise (ingress-nginx's defaults:
/// `proxy-ssl-verify` and `proxy-ssl-server-name` off).
public enum BackendProtocol: String, Sendable, Hashable {
    /// `proxy_pass https://`.
    case https
    /// `grpc_pass grpc://`: HTTP/2 without TLS.
    case grpc
    /// `grpc_pass grpcs://`: HTTP/2 over TLS.
    case grpcs

    /// The scheme of `proxy_pass` or `grpc_pass`.
    public var scheme: String { rawValue }
    /// Proxied by nginx's grpc module (`grpc_pass`, `grpc_set_header`, `grpc_*_timeout`).
    public var isGRPC: Bool { self != .https }
}

/// `proxy_buffer_size SIZE` and `proxy_buffers COUNT SIZE`: ingress-nginx's `proxy-buffer-size`
/// (default 4k) and `proxy-buffers-number` (default 4) share one size.
public struct ProxyBuffers: Sendable, Hashable {
    /// nginx size syntax, lowercase: digits with an optional `k` or `m`.
    public var size: String
    public var count: Int

    public init(size: String = "4k", count: Int = 4) {
        self.size = size
        self.count = count
    }
}

extension ProxyOptions {
    /// Changes the upstream settings, keeping `upstream` nil while they are all defaults (so that
    /// `isDefault` stays true).
    mutating func updateUpstream(_ change: (inout UpstreamOptions) -> Void) {
        var u = upstream ?? UpstreamOptions()
        change(&u)
        upstream = u.isDefault ? nil : u
    }
}
