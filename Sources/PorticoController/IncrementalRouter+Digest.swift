import PorticoRouting

extension IncrementalRouter {
    /// A fingerprint of what a table routes: equal for tables that `routesLike` each other (the
    /// upstreams follow from the locations). The sum of 128-bit SipHash digests (the process's random
    /// key) of each virtual host and of the catch-all server, so that a group's share can be taken
    /// out and put back without hashing the rest; each host appears once in a table, so two
    /// different tables digest alike with odds of about 2^-128.
    struct Digest: Hashable {
        var first: UInt64 = 0
        var second: UInt64 = 0

        static let virtualHostSalt = 0x11
        static let catchAllSalt = 0x22
        static let streamSalt = 0x33
        static let globalSalt = 0x44
        static let passthroughSalt = 0x55
        static let gatewaySalt = 0x66
        static let certificateSalt = 0x77

        init() {}

        init(_ value: some Hashable, salt: Int) {
            func pass(_ salt: Int) -> UInt64 {
                var hasher = Hasher()
                hasher.combine(salt)
                hasher.combine(value)
                return UInt64(bitPattern: Int64(hasher.finalize()))
            }
            first = pass(salt)
            second = pass(salt ^ 0x5A5A)
        }

        static func += (a: inout Digest, b: Digest) {
            a.first &+= b.first
            a.second &+= b.second
        }

        static func -= (a: inout Digest, b: Digest) {
            a.first &-= b.first
            a.second &-= b.second
        }

        static func of(virtualHosts: [VirtualHost]) -> Digest {
            var sum = Digest()
            for vhost in virtualHosts { sum += Digest(vhost, salt: virtualHostSalt) }
            return sum
        }

        /// What a whole table routes: its hosts and catch-all, the ConfigMap's settings and the streams.
        static func of(_ table: RoutingTable) -> Digest {
            var sum = ofRoutes(table)
            if let global = table.global { sum += Digest(global, salt: globalSalt) }
            if !table.streams.isEmpty { sum += Digest(table.streams, salt: streamSalt) }
            if let tls = certificates(table) { sum += tls }
            return sum
        }

        /// The certificates no host names (the default one, the Gateways' listeners'), when any.
        static func certificates(_ table: RoutingTable) -> Digest? {
            guard table.defaultCertificate != nil || !table.gatewayCertificates.isEmpty else { return nil }
            return Digest([AnyHashable(table.defaultCertificate), AnyHashable(table.gatewayCertificates)], salt: certificateSalt)
        }

        /// The Ingresses' part: hosts and catch-all (`route(_:)` adds the rest once per pass).
        static func ofRoutes(_ table: RoutingTable) -> Digest {
            var sum = of(virtualHosts: table.virtualHosts)
            sum += Digest(table.catchAll, salt: catchAllSalt)
            return sum
        }
    }
}
