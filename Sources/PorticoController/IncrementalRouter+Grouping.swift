import Foundation
import PorticoModel
import PorticoRouting

extension IncrementalRouter {
    /// What puts Ingresses in one group: the hosts their rules name (as `Host` spells them) and
    /// whether they route the catch-all server (rules without a host, a default backend).
    struct GroupingKeys {
        var hosts: [String] = []
        var catchAll: Bool

        init(_ ingress: Ingress) {
            catchAll = ingress.spec.defaultBackend != nil
            for rule in ingress.spec.rules {
                let host = rule.host ?? ""
                if host.isEmpty {
                    catchAll = true
                } else {
                    hosts.append(Self.hostKey(host))
                }
            }
        }

        /// Lowercased as `Host` does it (a non-ASCII letter may lowercase to an ASCII one: KELVIN
        /// SIGN to `k`); plain lowercase ASCII as it is.
        static func hostKey(_ host: String) -> String {
            host.utf8.allSatisfy { $0 < 0x80 && !($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) }
                ? host : host.lowercased()
        }
    }

    /// The Ingresses at `positions` in groups, each in the order given.
    static func components(of positions: [Int], in ingresses: [Ingress]) -> [[Int]] {
        var parent = Array(positions.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        func join(_ a: Int, _ b: Int) {
            let (ra, rb) = (root(a), root(b))
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        var hostOwners: [String: Int] = [:]
        hostOwners.reserveCapacity(positions.count)
        var catchAllOwner: Int?
        for (i, p) in positions.enumerated() {
            let keys = GroupingKeys(ingresses[p])
            for host in keys.hosts {
                if let owner = hostOwners[host] { join(owner, i) } else { hostOwners[host] = i }
            }
            if keys.catchAll {
                if let owner = catchAllOwner { join(owner, i) } else { catchAllOwner = i }
            }
        }
        var groupOfRoot = [Int](repeating: -1, count: positions.count)
        var groups: [[Int]] = []
        for i in positions.indices {
            let r = root(i)
            if groupOfRoot[r] < 0 {
                groupOfRoot[r] = groups.count
                groups.append([])
            }
            groups[groupOfRoot[r]].append(positions[i])
        }
        return groups
    }

    /// How a snapshot differs from the last one. Objects are compared in place first: a watch
    /// cache's snapshot lists them in the same order, and one it did not replace compares equal at
    /// once (its strings and arrays are the very same); only when one was added or removed are they
    /// matched by name.
    struct Changes {
        var modified: [(old: Int, new: Int)] = []
        var removed: [Int] = []
        var added: [Int] = []
        /// Each old Ingress's index in the new snapshot (-1: removed); nil when none moved.
        var oldToNew: [Int]?
        /// Services added, removed or changed.
        var services: [ServiceKey] = []
        /// The new snapshot's Services by name, when any moved.
        var serviceIndex: [ServiceKey: Int]?

        var isEmpty: Bool {
            modified.isEmpty && removed.isEmpty && added.isEmpty && oldToNew == nil && services.isEmpty
                && serviceIndex == nil
        }

        /// Nil when the new snapshot gives an object twice.
        init?(from old: (ingresses: [Ingress], services: [Service], serviceIndex: [ServiceKey: Int]), to state: ClusterState) {
            if !diffServices(old.services, old.serviceIndex, state.services) { return nil }
            let new = state.ingresses
            if new.count == old.ingresses.count {
                let inPlace = Self.inPlace(old.ingresses, new, sameName: Self.sameName) { modified.append(($0, $0)) }
                if inPlace { return }
                modified = []
            }
            var newIndex: [ObjectReference: Int] = [:]
            newIndex.reserveCapacity(new.count)
            for (i, ingress) in new.enumerated() {
                guard newIndex.updateValue(i, forKey: ObjectReference(ingress)) == nil else { return nil }
            }
            var kept = [Bool](repeating: false, count: new.count)
            var oldToNew: [Int] = []
            oldToNew.reserveCapacity(old.ingresses.count)
            for (o, ingress) in old.ingresses.enumerated() {
                guard let n = newIndex[ObjectReference(ingress)] else {
                    oldToNew.append(-1)
                    removed.append(o)
                    continue
                }
                oldToNew.append(n)
                kept[n] = true
                if new[n] != ingress { modified.append((o, n)) }
            }
            added = kept.indices.filter { !kept[$0] }
            self.oldToNew = oldToNew
        }

        /// Compares two lists of the same length element by element. Calls `changed` with each
        /// index where they differ; false as soon as one differs by name.
        ///
        /// An object the watch cache did not replace is the very same bits in both snapshots (its
        /// strings, arrays and dictionaries are the same storage), and such values are equal (the
        /// model holds no floating-point values, the one kind that can differ from itself): that is
        /// one `memcmp` instead of `==`, which copies each element, retaining every string in it.
        /// Any other pair, equal or not, is compared with `==`.
        static func inPlace<T: Equatable>(
            _ old: [T], _ new: [T], sameName: (T, T) -> Bool, changed: (Int) -> Void
        ) -> Bool {
            old.withUnsafeBufferPointer { o in
                new.withUnsafeBufferPointer { n in
                    guard let ob = o.baseAddress, let nb = n.baseAddress else { return true }
                    for i in n.indices where memcmp(ob + i, nb + i, MemoryLayout<T>.size) != 0 && n[i] != o[i] {
                        guard sameName(n[i], o[i]) else { return false }
                        changed(i)
                    }
                    return true
                }
            }
        }

        static func sameName(_ a: Ingress, _ b: Ingress) -> Bool {
            a.metadata.name == b.metadata.name && a.metadata.effectiveNamespace == b.metadata.effectiveNamespace
        }

        /// False when a Service is given twice.
        private mutating func diffServices(_ old: [Service], _ oldIndex: [ServiceKey: Int], _ new: [Service]) -> Bool {
            if new.count == old.count {
                let inPlace = Self.inPlace(old, new, sameName: { ServiceKey($0) == ServiceKey($1) }) {
                    services.append(ServiceKey(new[$0]))
                }
                if inPlace { return true }
                services = []
            }
            guard let newIndex = IncrementalRouter.uniqueServices(new) else { return false }
            for (key, o) in oldIndex {
                guard let n = newIndex[key] else {
                    services.append(key)
                    continue
                }
                if new[n] != old[o] { services.append(key) }
            }
            for (key, _) in newIndex where oldIndex[key] == nil { services.append(key) }
            serviceIndex = newIndex
            return true
        }
    }
}
