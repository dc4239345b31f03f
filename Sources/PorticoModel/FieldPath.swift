/// Where a field sits in an object: `spec.rules[0].http.paths[0].pathtype`.
struct FieldPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    var components: [Component] = []

    func appending(_ component: Component) -> FieldPath {
        FieldPath(components: components + [component])
    }

    /// Keys joined by `.`, indices in brackets, as the API server names fields.
    var description: String {
        var out = ""
        for component in components {
            switch component {
            case .key(let key): out += out.isEmpty ? key : ".\(key)"
            case .index(let index): out += "[\(index)]"
            }
        }
        return out
    }

    /// Depth first, keys in byte order and indices in number order: the order in which the API
    /// server meets them in the JSON kubectl sends it, whose keys Go sorts.
    static func < (a: FieldPath, b: FieldPath) -> Bool {
        for (x, y) in zip(a.components, b.components) where x != y {
            switch (x, y) {
            case (.key(let p), .key(let q)): return Array(p.utf8).lexicographicallyPrecedes(Array(q.utf8))
            case (.index(let i), .index(let j)): return i < j
            case (.index, .key): return true
            case (.key, .index): return false
            }
        }
        return a.components.count < b.components.count
    }
}
