import PorticoRouting

/// Rate limits in nginx.conf: one zone per distinct rate (`portico_rps_10`, `portico_rpm_300`) and
/// one for connections, all counting by `$portico_limit_key`, which each route sets to its
/// Ingress's id and the client's address (empty for an exempt address), so that every Ingress
/// keeps a budget of its own as in ingress-nginx, without a zone per Ingress (a zone's shared
/// memory and its named location's cost, at 1,000 Ingresses 10 GB mapped and reloads of 0.6-1.7 s).
struct RateLimitView: TemplateContext {
    let limit: RateLimit

    func value(for key: String) -> TemplateValue? {
        func optional(_ v: Int?) -> TemplateValue { v.map { .string("\($0)") } ?? .bool(false) }
        switch key {
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

    /// The http context's zones and exemption geos; nil when no route is limited.
    static func zones(_ proxies: [DataPlane.Proxy], _ table: RoutingTable) -> Zones? {
        let limits = proxies.compactMap { $0.options.rateLimit }.filter(\.usesZones)
        guard !limits.isEmpty else { return nil }
        var exemptions: [String: [SourceRange]] = [:]
        func collect(_ locations: [Location]) {
            for j in locations.indices {
                if let exempt = locations[j].options.rateLimit?.exempt, !exempt.isEmpty { exemptions[RateLimit.exemptionID(exempt)] = exempt }
            }
        }
        collect(table.catchAll.locations)
        for i in table.virtualHosts.indices { collect(table.virtualHosts[i].locations) }
        return Zones(
            connections: limits.contains { $0.connections != nil },
            perSecond: Set(limits.compactMap { $0.perSecond?.rate }).sorted(),
            perMinute: Set(limits.compactMap { $0.perMinute?.rate }).sorted(),
            exemptions: exemptions.keys.sorted().map { ($0, exemptions[$0] ?? []) })
    }

    struct Zones: TemplateContext {
        let connections: Bool
        let perSecond: [Int]
        let perMinute: [Int]
        let exemptions: [(id: String, ranges: [SourceRange])]

        func value(for key: String) -> TemplateValue? {
            switch key {
            case "conn_zone": return .bool(connections)
            case "rps_zones": return .list(perSecond.map { .string("\($0)") })
            case "rpm_zones": return .list(perMinute.map { .string("\($0)") })
            case "exemptions": return .list(exemptions.map { .context(Exemption(id: $0.id, ranges: $0.ranges)) })
            default: return nil
            }
        }
    }

    struct Exemption: TemplateContext {
        let id: String
        let ranges: [SourceRange]

        func value(for key: String) -> TemplateValue? {
            switch key {
            case "exempt_id": return .string(id)
            case "exempt_ranges": return .list(ranges.map { .string($0.text) })
            default: return nil
            }
        }
    }
}
