/// How the operator configured class selection and naming.
public struct RoutingOptions: Sendable, Equatable {
    /// The `controller` value of IngressClasses that Portico serves.
    public static let controllerName = "portico.io/ingress-controller"

    /// The class this Portico serves (`--ingress-class`).
    public var ingressClass: String
    /// The `spec.controller` values of the IngressClasses this Portico serves (`--controller-class`):
    /// its own, or another controller's to take over its Ingresses (`k8s.io/ingress-nginx`).
    public var controllerClasses: [String]
    /// Serve Ingresses that name no class when no IngressClass is marked default.
    public var serveIngressesWithoutClass: Bool
    /// The cluster's DNS domain (`--cluster-domain`).
    public var clusterDomain: String
    /// At most this many paths per Ingress; more is refused as a whole (a guard against objects made
    /// to exhaust memory or nginx's hash tables).
    public var maxPathsPerIngress: Int
    /// Whether nginx listens for HTTPS: `spec.tls` then picks certificates and redirects plain
    /// HTTP; without it `spec.tls` is reported as not served. Render such a table with
    /// `RenderOptions.httpsPort` set (the CLI sets both from `--https-port`): its redirects and
    /// HSTS use variables that only the HTTPS part of the template defines.
    public var servesHTTPS: Bool
    /// The Secret (kind Secret, namespace, name) whose certificate is the default one
    /// (`--default-ssl-certificate`): served for names without a certificate of their own and
    /// clients without SNI. Nil, or missing or invalid (with a diagnostic): the self-signed one.
    public var defaultCertificate: ObjectReference?
    /// TCP and UDP services (`StreamRoutes.swift`).
    public var streams = StreamOptions()
    /// Services served by label, without an Ingress (`--expose-services`, `ServiceExposure.swift`).
    public var expose: ServiceExposure?
    /// ingress-nginx's global ConfigMap (`--configmap`), kind ConfigMap; nil: none, nginx.conf as without one.
    public var globalConfigMap: ObjectReference?
    /// What `Router` read from it (`GlobalConfig.read`); set by the router for each pass.
    public var global: GlobalConfig?
    /// `--enable-ssl-passthrough`: `ssl-passthrough` Ingresses' hosts get their TLS connections
    /// untouched (`SSLPassthrough.swift`); without it the annotation is reported and ignored.
    public var sslPassthrough = false
    /// The `spec.controllerName` of the GatewayClasses this Portico serves (`--gateway-controller-name`).
    public var gatewayControllerName = RoutingOptions.gatewayControllerName
    public static let gatewayControllerName = "portico.io/gateway-controller"

    public init(
        ingressClass: String = "portico", serveIngressesWithoutClass: Bool = true,
        clusterDomain: String = "cluster.local", maxPathsPerIngress: Int = 1000, servesHTTPS: Bool = false,
        defaultCertificate: ObjectReference? = nil, controllerClasses: [String] = [RoutingOptions.controllerName]
    ) {
        self.controllerClasses = controllerClasses
        self.servesHTTPS = servesHTTPS
        self.defaultCertificate = defaultCertificate
        self.ingressClass = ingressClass
        self.serveIngressesWithoutClass = serveIngressesWithoutClass
        self.clusterDomain = clusterDomain
        self.maxPathsPerIngress = maxPathsPerIngress
    }
}
