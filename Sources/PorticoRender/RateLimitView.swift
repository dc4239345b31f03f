import PorticoRouting

/// One Ingress's rate limits, for its zones in the http context (`rate_limits`) and the
/// directives of the named location its routes proxy with (`rate_limit`).
struct RateLimitView: TemplateContext {
    let limit: RateLimit

    func value(for key: String) -> TemplateValue? {
        func optional(_ v: Int?) -> TemplateValue { v.map { .string("\($0)") } ?? .bool(false) }
        switch key {
        case "id": return .string(limit.id)
        case "ingress": return .string(limit.ingress.description)
        // The zones' key: the client's address, or "" (not counted) for an exempt one.
        case "key": return .string(limit.exempt.isEmpty ? "$binary_remote_addr" : "$portico_limit_key_\(limit.id)")
        case "exempt": return .bool(!limit.exempt.isEmpty)
        case "exempt_ranges": return .list(limit.exempt.map { .string($0.text) })
        case "conn": return optional(limit.connections)
        case "rps": return optional(limit.perSecond?.rate)
        // nginx takes no `burst=0`: without one, the burst is none.
        case "rps_burst": return optional(limit.perSecond.flatMap { $0.burst > 0 ? $0.burst : nil })
        case "rpm": return optional(limit.perMinute?.rate)
        case "rpm_burst": return optional(limit.perMinute.flatMap { $0.burst > 0 ? $0.burst : nil })
        case "rate": return optional(limit.rateKiB)
        case "rate_after": return optional(limit.rateAfterKiB)
        default: return nil
        }
    }

    /// The limits with zones of the table's named locations, one per Ingress, in id order.
    static func zones(_ proxies: [DataPlane.Proxy]) -> [RateLimit] {
        var byID: [String: RateLimit] = [:]
        for p in proxies {
            if let limit = p.options.rateLimit, limit.usesZones { byID[limit.id] = limit }
        }
        return byID.keys.sorted().compactMap { byID[$0] }
    }
}
