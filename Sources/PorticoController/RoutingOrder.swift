import PorticoModel
import PorticoRouting

/// Where `Router` takes an Ingress: oldest `creationTimestamp` first (its digits compared in order;
/// none sorts last), then namespace and name.
struct RoutingOrder: Comparable {
    var time: [UInt8]?
    var namespace: String
    var name: String

    init(time: [UInt8]?, namespace: String, name: String) {
        self.time = time
        self.namespace = namespace
        self.name = name
    }

    init(_ ingress: Ingress) {
        let text = ingress.metadata.creationTimestamp ?? ""
        time = text.isEmpty ? nil : text.utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        namespace = ingress.metadata.effectiveNamespace
        name = ingress.metadata.name
    }

    static func < (a: Self, b: Self) -> Bool {
        if a.time != b.time {
            switch (a.time, b.time) {
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?): return x.lexicographicallyPrecedes(y)
            }
        }
        return (a.namespace, a.name) < (b.namespace, b.name)
    }
}
