/// ingress-nginx's rate limits of one Ingress (`limit-rps`, `limit-rpm`, `limit-connections`,
/// `limit-burst-multiplier`, `limit-whitelist`/`limit-allowlist`, `limit-rate`,
/// `limit-rate-after`): per client address, a budget of that Ingress's own, shared by its paths
/// (in zones shared by rate, counted by a key of the Ingress's id and the client). Requests over a limit (and its burst, served without delay) are answered 503, as
/// ingress-nginx's default `limit-req-status-code`.
public struct RateLimit: Sendable, Hashable {
    /// Starts the key its routes count by (`ID:client`): 16 hex digits of its namespace/name;
    /// empty for limits without zones (`limit-rate` alone) and in a named location's settings.
    public var id: String
    /// The Ingress, for the config's comments.
    public var ingress: ObjectReference
    /// Requests per second and the burst above them; nil: no such limit.
    public var perSecond: Limit?
    /// Requests per minute and the burst above them.
    public var perMinute: Limit?
    /// Connections at once from one address.
    public var connections: Int?
    /// Client addresses never limited.
    public var exempt: [SourceRange]
    /// `limit_rate`: response bytes per second per request, in KiB (ingress-nginx's `k`).
    public var rateKiB: Int?
    /// `limit_rate_after`: KiB sent before `limit_rate` applies.
    public var rateAfterKiB: Int?

    public struct Limit: Sendable, Hashable {
        public var rate: Int
        public var burst: Int

        public init(rate: Int, burst: Int) {
            self.rate = rate
            self.burst = burst
        }
    }

    public init(
        id: String, ingress: ObjectReference, perSecond: Limit? = nil, perMinute: Limit? = nil, connections: Int? = nil,
        exempt: [SourceRange] = [], rateKiB: Int? = nil, rateAfterKiB: Int? = nil
    ) {
        self.id = id
        self.ingress = ingress
        self.perSecond = perSecond
        self.perMinute = perMinute
        self.connections = connections
        self.exempt = exempt
        self.rateKiB = rateKiB
        self.rateAfterKiB = rateAfterKiB
    }

    /// Equal limits are equal whichever Ingress they are named after in comments (`id` is its).
    public static func == (a: RateLimit, b: RateLimit) -> Bool {
        a.id == b.id && a.perSecond == b.perSecond && a.perMinute == b.perMinute && a.connections == b.connections
            && a.exempt == b.exempt && a.rateKiB == b.rateKiB && a.rateAfterKiB == b.rateAfterKiB
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(perSecond)
        hasher.combine(perMinute)
        hasher.combine(connections)
        hasher.combine(exempt)
        hasher.combine(rateKiB)
        hasher.combine(rateAfterKiB)
    }

    /// Whether it counts requests or connections in zones (`limit-rate` alone needs none).
    public var usesZones: Bool { perSecond != nil || perMinute != nil || connections != nil }

    /// The zone id of an Ingress: FNV-1a of `namespace/name`, the same in every process.
    public static func id(_ ingress: ObjectReference) -> String {
        FNV1a.hex("\(ingress.namespace)/\(ingress.name)")
    }

    /// Names the geo of an exemption list: FNV-1a of its ranges.
    public static func exemptionID(_ ranges: [SourceRange]) -> String {
        FNV1a.hex(ranges.map(\.text).joined(separator: ","))
    }

    /// ingress-nginx's default `limit-burst-multiplier`.
    public static let defaultBurstMultiplier = 5
    /// Larger limits than any real one: nginx's rate arithmetic stays far from overflow.
    public static let maxRate = 1_000_000
    public static let maxKiB = 1 << 30
}

extension RoutingRun {
    static let rateLimitSettings = [
        "limit-rps", "limit-rpm", "limit-connections", "limit-burst-multiplier", "limit-whitelist", "limit-allowlist",
        "limit-rate", "limit-rate-after",
    ]

    /// An Ingress's rate limits, or nil for none. Numbers are Go's `strconv.Atoi` as ingress-nginx
    /// reads them: 0 or less is no limit; an invalid one is reported and no limit applies (the
    /// default). An exemption list that cannot be read exempts nobody.
    mutating func rateLimit(_ annotations: Annotations, ref: ObjectReference) -> RateLimit? {
        func number(_ name: String, max: Int) -> Int? {
            guard let (key, raw) = Self.lookup(name, in: annotations) else { return nil }
            let value = raw.trimmingSpaces
            let digits = value.hasPrefix("-") || value.hasPrefix("+") ? value.dropFirst() : Substring(value)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), digits.count <= 18, let n = Int(value) else {
                diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(raw)) is not a whole number; no such limit")
                return nil
            }
            guard n <= max else {
                diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(raw)) is more than \(max); no such limit")
                return nil
            }
            return n > 0 ? n : nil
        }
        let rps = number("limit-rps", max: RateLimit.maxRate)
        let rpm = number("limit-rpm", max: RateLimit.maxRate)
        let connections = number("limit-connections", max: RateLimit.maxRate)
        let rate = number("limit-rate", max: RateLimit.maxKiB)
        let rateAfter = number("limit-rate-after", max: RateLimit.maxKiB)
        var multiplier = RateLimit.defaultBurstMultiplier
        if let (key, raw) = Self.lookup("limit-burst-multiplier", in: annotations) {
            // ingress-nginx takes any integer here; a burst below zero means nothing to nginx.
            if let n = Int(raw.trimmingSpaces), n >= 0, n <= 1000 {
                multiplier = n
            } else {
                diagnose(
                    .invalidAnnotation, ref, Self.field(key),
                    "\(quoted(raw)) is not a whole number from 0 to 1000; the default \(RateLimit.defaultBurstMultiplier) applies")
            }
        }
        var limit = RateLimit(id: RateLimit.id(ref), ingress: ref, connections: connections, rateKiB: rate, rateAfterKiB: rateAfter)
        limit.perSecond = rps.map { RateLimit.Limit(rate: $0, burst: $0 * multiplier) }
        limit.perMinute = rpm.map { RateLimit.Limit(rate: $0, burst: $0 * multiplier) }
        // Read (and reported) with or without limits, as ingress-nginx does; kept only with zones.
        if let (key, value) = ["limit-allowlist", "limit-whitelist"].lazy.compactMap({ Self.lookup($0, in: annotations) }).first,
            value.contains(where: { $0 != " " && $0 != "," })
        {
            switch SourceRange.parseList(value) {
            case .success(let ranges): if limit.usesZones { limit.exempt = ranges }
            case .failure(let problem):
                diagnose(
                    .invalidAnnotation, ref, Self.field(key),
                    "\(quoted(value)) is not a list of IP addresses or CIDR ranges (\(problem.reason)); no address is exempt from the limits")
            }
        }
        // Without zones nothing is named after the Ingress: equal response rates share a proxy.
        if !limit.usesZones { limit.id = "" }
        return limit.usesZones || rate != nil || rateAfter != nil ? limit : nil
    }
}
