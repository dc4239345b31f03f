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
    /// The default IngressClass when it is another controller's.
    let defaultClass: String?
    /// Each IngressClass's controller, to say whose an Ingress is.
    let controllers: [String: String]

    init(options: RoutingOptions, classes: [IngressClass]) {
        self.options = options
        var ours: Set<String> = [options.ingressClass]
        let served = Set(options.controllerClasses)
        for c in classes where c.spec.controller.map(served.contains) == true {
            ours.insert(c.metadata.name)
        }
        self.ours = ours
        var controllers: [String: String] = [:]
        for c in classes { if let controller = c.spec.controller { controllers[c.metadata.name] = controller } }
        self.controllers = controllers
        // Several default classes: the API server refuses new classless Ingresses then; prefer ours.
        let defaults = classes.filter(\.isDefault)
        if defaults.isEmpty {
            classless = options.serveIngressesWithoutClass
            defaultClass = nil
        } else {
            classless = defaults.contains { ours.contains($0.metadata.name) }
            defaultClass = classless ? nil : defaults.map(\.metadata.name).min()
        }
    }

    /// Why an Ingress is not this Portico's: the class it names (nil: it names none), the field
    /// that says so, and a sentence for the diagnostic.
    struct Elsewhere {
        var className: String?
        var field: String
        var reason: String
    }

    /// Nil when the Ingress is Portico's to serve.
    func elsewhere(_ ingress: Ingress) -> Elsewhere? {
        if let name = ingress.spec.ingressClassName, !name.isEmpty {
            return ours.contains(name) ? nil : Elsewhere(className: name, field: "spec.ingressClassName", reason: foreign(name))
        }
        if let name = ingress.metadata.annotations?[Self.legacyAnnotation], !name.isEmpty {
            return ours.contains(name)
                ? nil
                : Elsewhere(
                    className: name, field: "metadata.annotations[\"\(Self.legacyAnnotation)\"]", reason: foreign(name))
        }
        guard !classless else { return nil }
        let reason: String
        if let other = defaultClass {
            reason = "names no class, and the default IngressClass \(ObjectReference.printable(other)) is not Portico's; not served"
        } else {
            reason = "names no class and --ignore-ingresses-without-class is set; not served"
        }
        return Elsewhere(className: nil, field: "spec.ingressClassName", reason: reason)
    }

    private func foreign(_ name: String) -> String {
        let printed = quoted(name)
        let served = options.controllerClasses.map { quoted($0) }.joined(separator: " or ")
        if let controller = controllers[name] {
            return "class \(printed) belongs to another controller (its IngressClass names controller "
                + "\(quoted(controller)), Portico serves \(served): see --controller-class); not served"
        }
        return "class \(printed) is not Portico's (Portico serves class \(quoted(options.ingressClass)) and IngressClasses "
            + "whose controller is \(served)); not served"
    }
}
