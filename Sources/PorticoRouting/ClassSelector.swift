import PorticoModel

/// Decides whether an Ingress belongs to this Portico: by `spec.ingressClassName`, else the legacy
/// `kubernetes.io/ingress.class` annotation, else the IngressClass marked default, else the
/// operator's choice for Ingresses without a class.
struct ClassSelector {
    static let legacyAnnotation = "kubernetes.io/ingress.class"

    let options: RoutingOptions
    /// Names of IngressClasses whose controller is Portico, plus the configured class name.
    let ours: Set<String>
    /// Whether an Ingress without a class is ours: decided by the default IngressClass if any.
    let classless: Bool

    init(options: RoutingOptions, classes: [IngressClass]) {
        self.options = options
        var ours: Set<String> = [options.ingressClass]
        for c in classes where c.spec.controller == RoutingOptions.controllerName {
            ours.insert(c.metadata.name)
        }
        self.ours = ours
        // Several default classes: the API server refuses new classless Ingresses then; prefer ours.
        let defaults = classes.filter(\.isDefault)
        if defaults.isEmpty {
            classless = options.serveIngressesWithoutClass
        } else {
            classless = defaults.contains { ours.contains($0.metadata.name) }
        }
    }

    func serves(_ ingress: Ingress) -> Bool {
        if let name = ingress.spec.ingressClassName, !name.isEmpty { return ours.contains(name) }
        if let name = ingress.metadata.annotations?[Self.legacyAnnotation], !name.isEmpty {
            return ours.contains(name)
        }
        return classless
    }
}
