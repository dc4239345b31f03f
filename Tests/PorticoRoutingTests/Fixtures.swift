import PorticoModel

@testable import PorticoRouting

/// Small builders so each test states only what it is about.
enum F {
    static func service(
        _ name: String, ns: String = "default", ports: [ServicePort] = [ServicePort(name: "http", port: 80)],
        type: String? = nil, clusterIP: String? = nil, externalName: String? = nil
    ) -> Service {
        Service(
            metadata: ObjectMeta(name: name, namespace: ns),
            spec: ServiceSpec(type: type, clusterIP: clusterIP, externalName: externalName, ports: ports))
    }

    static func path(_ path: String?, _ type: String? = "Prefix", svc: String = "web", port: Int? = 80, portName: String? = nil)
        -> HTTPIngressPath
    {
        HTTPIngressPath(
            path: path, pathType: type,
            backend: .service(svc, port: ServiceBackendPort(name: portName, number: portName == nil ? port : nil)))
    }

    static func ingress(
        _ name: String, ns: String = "default", created: String? = nil, className: String? = nil,
        annotations: [String: String]? = nil, defaultBackend: IngressBackend? = nil, rules: [IngressRule]
    ) -> Ingress {
        Ingress(
            metadata: ObjectMeta(name: name, namespace: ns, creationTimestamp: created, annotations: annotations),
            spec: IngressSpec(ingressClassName: className, defaultBackend: defaultBackend, rules: rules))
    }

    static func rule(_ host: String?, _ paths: HTTPIngressPath...) -> IngressRule {
        IngressRule(host: host, paths: paths)
    }

    static func upstream(_ svc: String, ns: String = "default", _ port: Int = 80) -> Backend {
        .upstream(Upstream(host: "\(svc).\(ns).svc.cluster.local", port: port))
    }
}

extension RoutingTable {
    func vhost(_ name: String) -> VirtualHost? { virtualHosts.first { $0.host.name == name } }

    /// `"= /foo -> web.default...:80"` lines for one virtual host, in order.
    func summary(_ host: String?) -> [String] {
        let locations = host.map { vhost($0)?.locations ?? [] } ?? catchAll.locations
        return locations.map { l in
            let target: String
            switch l.backend {
            case .upstream(let u): target = u.address
            case .unavailable(let s): target = "\(s)"
            case .redirect(let s, let url): target = "\(s) \(url)"
            }
            let rewrite = l.options.rewriteTarget.map { " rewrite \($0)" } ?? ""
            return "\(l.match == .exact ? "=" : l.match == .prefix ? "^" : "~*") \(l.path) -> \(target)\(rewrite)"
        }
    }
}
