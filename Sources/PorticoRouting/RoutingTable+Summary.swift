extension RoutingTable {
    /// One line for the end of `portico render`: how many Ingresses are served, how many were left
    /// to other controllers and how to serve them, how many were left out.
    /// `ingresses` is how many distinct Ingresses the input held; `controllers`, each IngressClass's
    /// `spec.controller`, to say which `--controller-class` would serve a class.
    public func summary(ingresses: Int, controllers: [String: String] = [:]) -> String {
        func count(_ n: Int) -> String { n == 1 ? "1 Ingress" : "\(n) Ingresses" }
        var line = "\(count(servedIngresses.count)) served"
        let others = otherClasses.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let elsewhere = others.reduce(0) { $0 + $1.value }
        if !others.isEmpty {
            let parts = others.map { name, n in
                name.isEmpty ? "\(n) without a class" : "\(n) of class \(ObjectReference.printable(name))"
            }
            let listed = parts.count == 1 ? parts[0] : parts.dropLast().joined(separator: ", ") + " and " + (parts.last ?? "")
            line += ", \(listed) left to \(others.count == 1 ? "another controller" : "other controllers")"
            if let (name, _) = others.first(where: { !$0.key.isEmpty }), let controller = controllers[name],
                controller.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._/".contains($0)) })
            {
                line += ": use --controller-class \(controller) to serve \(others.count == 1 ? "them" : "that class")"
            } else if let (name, _) = others.first(where: { !$0.key.isEmpty }), Validation.isSubdomain(name) {
                line += ": use --ingress-class \(name) to serve \(others.count == 1 ? "them" : "that class")"
            } else if others.contains(where: { $0.key.isEmpty }) {
                line += ": see --ignore-ingresses-without-class and the default IngressClass"
            }
        }
        let exposed = exposedHosts.count
        if exposed > 0 { line += "; \(exposed == 1 ? "1 host" : "\(exposed) hosts") of Services exposed by label" }
        if !gatewayHosts.isEmpty {
            let routes = Set(gatewayHosts.flatMap { $0.locations.flatMap(\.candidates).map(\.route) + $0.root.map(\.route) }).count
            line += "; \(routes == 1 ? "1 HTTPRoute" : "\(routes) HTTPRoutes") on \(gatewayHosts.count == 1 ? "1 host" : "\(gatewayHosts.count) hosts")"
        }
        let leftOut = ingresses - servedIngresses.count - elsewhere
        if leftOut > 0 { line += "; \(leftOut) left out (see above)" }
        return "info: " + line
    }

    /// The hosts of Services exposed by label (`--expose-services`), with each Service: a Service's
    /// host has its one location, and an Ingress's host never has one of a Service's.
    public var exposedHosts: [(host: String, service: ObjectReference)] {
        virtualHosts.compactMap { vhost in
            guard let source = vhost.locations.first?.source, source.kind == "Service" else { return nil }
            return (vhost.host.name, source)
        }
    }
}
