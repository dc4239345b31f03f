import PorticoModel
import PorticoRouting

extension IncrementalRouter {
    /// The whole routing table as the sum of its groups' parts, each part kept in `Router`'s order
    /// as groups are taken out and put back.
    struct Totals {
        /// Sorted by host.
        var virtualHosts: [VirtualHost] = []
        var catchAll = CatchAll()
        /// Sorted; with how many groups reach each.
        var upstreams: [Upstream] = []
        var upstreamUse: [Upstream: Int] = [:]
        /// Each Ingress's diagnostics, in `Router`'s order, with the group that said them.
        var blocks: [Block] = []
        var served = Set<ObjectReference>()
        var otherClasses: [String: Int] = [:]
        var hostDigest = Digest()
        /// `blocks` laid end to end, until they change.
        private var flattened: [Diagnostic]?

        struct Block {
            var order: RoutingOrder
            var group: Int
            var diagnostics: [Diagnostic]
        }

        var digest: Digest {
            var sum = hostDigest
            sum += Digest(catchAll, salt: Digest.catchAllSalt)
            return sum
        }

        mutating func diagnostics() -> [Diagnostic] {
            if let flattened { return flattened }
            let all = blocks.flatMap(\.diagnostics)
            flattened = all
            return all
        }

        /// Adds a group's parts; `incrementally`: each in its place (else `sort()` once at the end).
        mutating func add(_ group: Group, virtualHosts added: [VirtualHost], id: Int, incrementally: Bool) {
            for vhost in added {
                if incrementally {
                    virtualHosts.insert(vhost, at: Self.firstIndex(in: virtualHosts) { $0.host >= vhost.host })
                } else {
                    virtualHosts.append(vhost)
                }
            }
            if Self.routes(group.catchAll) { catchAll = group.catchAll }
            for upstream in group.upstreams {
                upstreamUse[upstream, default: 0] += 1
                guard upstreamUse[upstream] == 1 else { continue }
                if incrementally {
                    upstreams.insert(upstream, at: Self.firstIndex(in: upstreams) { $0 >= upstream })
                } else {
                    upstreams.append(upstream)
                }
            }
            for block in group.blocks {
                let b = Block(order: block.order, group: id, diagnostics: block.diagnostics)
                if incrementally {
                    blocks.insert(b, at: Self.firstIndex(in: blocks) { !($0.order < b.order) })
                } else {
                    blocks.append(b)
                }
                flattened = nil
            }
            served.formUnion(group.served)
            otherClasses.merge(group.otherClasses, uniquingKeysWith: +)
            hostDigest += group.digest
        }

        /// Takes a group's parts out, but for its diagnostics (`removeBlocks`, once for all groups).
        mutating func remove(_ group: Group) {
            for host in group.hosts {
                let i = Self.firstIndex(in: virtualHosts) { $0.host >= host }
                if i < virtualHosts.count, virtualHosts[i].host == host { virtualHosts.remove(at: i) }
            }
            if Self.routes(group.catchAll) { catchAll = CatchAll() }
            for upstream in group.upstreams {
                let left = (upstreamUse[upstream] ?? 1) - 1
                upstreamUse[upstream] = left > 0 ? left : nil
                guard left == 0 else { continue }
                let i = Self.firstIndex(in: upstreams) { $0 >= upstream }
                if i < upstreams.count, upstreams[i] == upstream { upstreams.remove(at: i) }
            }
            served.subtract(group.served)
            for (name, count) in group.otherClasses {
                let left = (otherClasses[name] ?? count) - count
                otherClasses[name] = left > 0 ? left : nil
            }
            hostDigest -= group.digest
        }

        mutating func removeBlocks(ofGroups ids: Set<Int>) {
            guard !ids.isEmpty, blocks.contains(where: { ids.contains($0.group) }) else { return }
            blocks.removeAll { ids.contains($0.group) }
            flattened = nil
        }

        /// After adding groups all at once; the arrays, grown by appends, kept at their size.
        mutating func sort() {
            virtualHosts = virtualHosts.sorted { $0.host < $1.host }.compacted()
            upstreams = upstreams.sorted().compacted()
            blocks = blocks.sorted { $0.order < $1.order }.compacted()
            flattened = nil
        }

        static func routes(_ catchAll: CatchAll) -> Bool { !catchAll.locations.isEmpty || catchAll.fallback != nil }

        /// The first index whose element satisfies `atOrAfter` (false before it, true from it on).
        static func firstIndex<T>(in sorted: [T], where atOrAfter: (T) -> Bool) -> Int {
            var (low, high) = (0, sorted.count)
            while low < high {
                let mid = (low + high) / 2
                if atOrAfter(sorted[mid]) { high = mid } else { low = mid + 1 }
            }
            return low
        }
    }
}
