import PorticoModel

/// ingress-nginx's global ConfigMap (`--configmap NAMESPACE/NAME`), read as ingress-nginx reads
/// it (`internal/ingress/controller/config`): defaults for the annotations of every Ingress that
/// does not set them, and settings of the http context (the client's real address, keep-alive,
/// `server_tokens`, HSTS, the status of limited requests). Every value is validated, the
/// annotations' with the annotations' own parsers; an invalid one is a diagnostic naming
/// `data[KEY]` and the built-in default applies. No text of the ConfigMap reaches nginx.conf but
/// validated numbers, booleans, ranges and header names; snippets are refused.
public struct GlobalConfig: Sendable, Hashable {
    /// Annotation defaults (names after the prefix, values as valid annotations): an Ingress that
    /// sets neither `portico.io/NAME` nor `nginx.ingress.kubernetes.io/NAME` is routed as if it
    /// set `nginx.ingress.kubernetes.io/NAME` to this.
    public var annotationDefaults: [String: String] = [:]
    /// `server-tokens`: nginx's version in `Server` and its error pages (ingress-nginx: off).
    public var serverTokens = false
    /// `keep-alive` (`keepalive_timeout`, seconds) and `keep-alive-requests`; nil: nginx's
    /// (75 s and 1000, ingress-nginx's defaults too).
    public var keepAliveSeconds: Int?
    public var keepAliveRequests: Int?
    /// `limit-req-status-code`, `limit-conn-status-code`; nil: 503.
    public var limitReqStatus: Int?
    public var limitConnStatus: Int?
    /// `use-forwarded-headers`: the client's `X-Forwarded-For` (`forwarded-for-header`) gives its
    /// address when it comes from `proxy-real-ip-cidr`, and its `X-Forwarded-Proto` and
    /// `X-Forwarded-Host` are passed on.
    public var useForwardedHeaders = false
    /// A header name (letters, digits, `-`, `_`).
    public var forwardedForHeader = "X-Forwarded-For"
    /// `compute-full-forwarded-for` (with `use-forwarded-headers`): the backend gets the client's
    /// `X-Forwarded-For` with the connection's address appended, instead of the client's address alone.
    public var computeFullForwardedFor = false
    /// `use-proxy-protocol`: every HTTP and HTTPS listener reads a PROXY protocol header first, and
    /// its address is the client's.
    public var useProxyProtocol = false
    /// `proxy-real-ip-cidr`: whom the address in a header (or PROXY header) is believed from.
    public var realIPFrom: [SourceRange] = GlobalConfig.everyAddress
    /// `hsts`, `hsts-max-age`, `hsts-include-subdomains`, `hsts-preload`.
    public var hsts = true
    public var hstsMaxAge = 31_536_000
    public var hstsIncludeSubdomains = true
    public var hstsPreload = false
    /// A valid `hsts*` key was given: the ConfigMap's Strict-Transport-Security replaces `--hsts-*`'s.
    public var setsHSTS = false
    public init() {}

    static let everyAddress: [SourceRange] = ["0.0.0.0/0"].compactMap { SourceRange($0[...]) }

    /// The Strict-Transport-Security value, or nil with `hsts: "false"`.
    public var strictTransportSecurity: String? {
        guard hsts else { return nil }
        return "max-age=\(hstsMaxAge)" + (hstsIncludeSubdomains ? "; includeSubDomains" : "") + (hstsPreload ? "; preload" : "")
    }

    /// `real_ip_header`, or nil when nginx takes the connection's address (neither forwarded
    /// headers nor PROXY protocol). With both, the PROXY header's: Portico has no
    /// `more_set_input_headers` to combine them as ingress-nginx does.
    public var realIPHeader: String? {
        if useProxyProtocol { return "proxy_protocol" }
        return useForwardedHeaders ? forwardedForHeader : nil
    }

    /// The `X-Forwarded-For` sent to backends: the client's address (after the real-IP module),
    /// or with `compute-full-forwarded-for` the client's header with the connection's address appended.
    public var forwardedForValue: String {
        useForwardedHeaders && computeFullForwardedFor ? "$portico_full_forwarded_for" : "$remote_addr"
    }

    /// What the `$portico_full_forwarded_for` map appends: the connection's address.
    public var connectionAddress: String { useProxyProtocol ? "$proxy_protocol_addr" : "$realip_remote_addr" }

    /// An Ingress's annotations with these defaults for what it does not set.
    func withDefaults(_ annotations: [String: String]) -> [String: String] {
        if annotationDefaults.isEmpty { return annotations }
        var merged = annotations
        let set = Annotations(annotations)
        for (name, value) in annotationDefaults where set.lookup(name) == nil {
            merged[RoutingRun.ingressNginxPrefix + name] = value
        }
        return merged
    }
}

extension GlobalConfig {
    /// How Portico treats a ConfigMap key (for `portico check` and the README).
    public enum Support: String, Sendable, Hashable {
        case honoured
        case honouredDifferently = "honoured differently"
        case unsupported
        case refused
    }

    /// The annotations whose defaults the ConfigMap sets, read by the annotations' parsers.
    static let proxyDefaults = [
        "proxy-body-size", "proxy-connect-timeout", "proxy-read-timeout", "proxy-send-timeout", "proxy-buffering", "proxy-buffer-size",
        "proxy-buffers-number", "proxy-request-buffering", "proxy-http-version", "proxy-next-upstream", "proxy-next-upstream-tries",
        "proxy-next-upstream-timeout",
    ]

    /// Keys read for what they ask of the http context.
    static let httpKeys = [
        "server-tokens", "keep-alive", "keep-alive-requests", "limit-req-status-code", "limit-conn-status-code", "use-forwarded-headers",
        "forwarded-for-header", "compute-full-forwarded-for", "use-proxy-protocol", "proxy-real-ip-cidr", "hsts", "hsts-max-age",
        "hsts-include-subdomains", "hsts-preload",
    ]

    /// Accepted and validated, with no effect nginx could have: Portico proxies to each Service's DNS
    /// name through a variable, and nginx keeps upstream connections alive only for an `upstream {}` block.
    static let upstreamKeepaliveKeys = [
        "upstream-keepalive-connections", "upstream-keepalive-timeout", "upstream-keepalive-requests", "upstream-keepalive-time",
    ]

    /// Every key Portico reads, with how it honours it.
    public static func support(_ key: String) -> (Support, String) {
        if key.hasSuffix("-snippet") || key.hasSuffix("snippets") {
            return (.refused, "snippets are never copied into nginx.conf")
        }
        switch key {
        case "allow-snippet-annotations":
            return (.refused, "\"true\" is refused: snippet annotations stay refused (\"false\" is what Portico does)")
        case _ where proxyDefaults.contains(key): return (.honoured, "the default of the annotation of the same name")
        case "custom-http-errors":
            return (.honoured, "the default of the annotation: without a default-backend annotation the codes answer 404")
        case "ssl-redirect", "force-ssl-redirect": return (.honoured, "the default of the annotation (with HTTPS)")
        case "use-forwarded-headers":
            return (.honouredDifferently, "X-Forwarded-For/-Proto/-Host are passed on; the Host sent stays the client's, X-Forwarded-Port is not sent")
        case "use-proxy-protocol":
            return (.honouredDifferently, "with use-forwarded-headers too, the PROXY header's address is the client's")
        case _ where httpKeys.contains(key): return (.honoured, "the http context's setting")
        case _ where upstreamKeepaliveKeys.contains(key):
            return (.honouredDifferently, "validated, no effect: Portico proxies to DNS names through a variable, so nginx opens a connection per request")
        case _ where knownKeys.contains(key): return (.unsupported, "not implemented by Portico; ignored")
        default: return (.unsupported, "not a key of ingress-nginx's ConfigMap; ignored")
        }
    }

    /// The ConfigMap's keys in ingress-nginx (its `Configuration` and its defaults for annotations),
    /// to tell a setting Portico does not implement from a typing mistake.
    static let knownKeys: Set<String> = [
        "add-headers", "allow-backend-server-header", "access-log-params", "enable-access-log-for-default-backend", "enable-auth-access-log",
        "access-log-path", "http-access-log-path", "stream-access-log-path", "worker-cpu-affinity", "error-log-path", "enable-modsecurity",
        "enable-ocsp", "enable-owasp-modsecurity-crs", "client-header-buffer-size", "client-header-timeout", "client-body-buffer-size",
        "client-body-timeout", "disable-access-log", "disable-http-access-log", "disable-stream-access-log", "disable-ipv6-dns",
        "disable-ipv6", "enable-underscores-in-headers", "ignore-invalid-headers", "retry-non-idempotent", "error-log-level",
        "http2-max-field-size", "http2-max-header-size", "http2-max-requests", "http2-max-concurrent-streams", "large-client-header-buffers",
        "log-format-escape-none", "log-format-escape-json", "log-format-upstream", "log-format-stream", "enable-multi-accept",
        "max-worker-connections", "max-worker-open-files", "map-hash-bucket-size", "nginx-status-ipv4-whitelist",
        "nginx-status-ipv6-whitelist", "proxy-set-headers", "server-name-hash-max-size", "server-name-hash-bucket-size",
        "proxy-headers-hash-max-size", "proxy-headers-hash-bucket-size", "ssl-ciphers", "ssl-ecdh-curve", "ssl-dh-param", "ssl-protocols",
        "ssl-early-data", "ssl-session-cache", "ssl-session-cache-size", "ssl-session-tickets", "ssl-session-ticket-key",
        "ssl-session-timeout", "ssl-buffer-size", "ssl-reject-handshake", "proxy-protocol-header-timeout", "enable-aio-write", "use-gzip",
        "use-geoip2", "geoip2-autoreload-in-minutes", "enable-brotli", "brotli-level", "brotli-min-length", "brotli-types", "use-http2",
        "gzip-disable", "gzip-level", "gzip-min-length", "gzip-types", "worker-processes", "enable-serial-reloads",
        "worker-shutdown-timeout", "variables-hash-bucket-size", "variables-hash-max-size", "limit-conn-zone-variable",
        "proxy-stream-timeout", "proxy-stream-next-upstream", "proxy-stream-next-upstream-timeout", "proxy-stream-next-upstream-tries",
        "proxy-stream-responses", "disable-proxy-intercept-errors", "relative-redirects", "bind-address-ipv4", "bind-address-ipv6",
        "enable-real-ip", "forwarded-for-proxy-protocol-header", "forwarded-host-header", "generate-request-id",
        "proxy-add-original-uri-header", "enable-opentelemetry", "opentelemetry-config", "opentelemetry-operation-name",
        "opentelemetry-trust-incoming-span", "otlp-collector-host", "otlp-collector-port", "otel-service-name", "otel-sampler",
        "otel-sampler-ratio", "otel-sampler-parent-based", "otel-max-queuesize", "otel-schedule-delay-millis",
        "otel-max-export-batch-size", "reuse-port", "hide-headers", "enable-syslog", "syslog-host", "syslog-port",
        "no-tls-redirect-locations", "no-auth-locations", "http-redirect-code", "global-auth-url", "global-auth-method", "global-auth-signin",
        "global-auth-signin-redirect-param", "global-auth-response-headers", "global-auth-request-redirect", "global-auth-snippet",
        "global-auth-cache-key", "global-auth-cache-duration", "global-auth-always-set-cookie", "enable-global-auth", "block-cidrs",
        "block-user-agents", "block-referers", "lua-shared-dicts", "proxy-ssl-location-only", "default-type", "debug-connections",
        "strict-validate-path-type", "grpc-buffer-size-kb", "allow-cross-namespace-resources", "annotations-risk-level",
        "annotation-value-word-blocklist", "app-root", "preserve-trailing-slash", "proxy-busy-buffers-size", "proxy-cookie-path",
        "proxy-cookie-domain", "proxy-redirect-from", "proxy-redirect-to", "skip-access-log-urls", "use-port-in-redirects",
        "upstream-hash-by", "upstream-hash-by-subset", "upstream-hash-by-subset-size", "load-balance", "whitelist-source-range",
        "denylist-source-range", "limit-rate", "limit-rate-after", "proxy-max-temp-file-size", "service-upstream",
        "global-allowed-response-headers", "global-rate-limit-memcached-host", "plugins",
    ]
}
