/// The fields of the kinds Portico decodes, from the Kubernetes API types (k8s.io/api
/// `networking/v1`, `networking/v1beta1`, `extensions/v1beta1`, `core/v1`, and apimachinery's
/// `ObjectMeta`). Fields Portico ignores are here too: knowing them is what keeps `kubectl get -o
/// yaml` output free of warnings. Fields removed from the API (`spec.topologyKeys`,
/// `spec.ipFamily`, `metadata.clusterName`) are unknown to the API server, so they are here too.
extension FieldSchema {
    /// The schema for a decoded object. `apiVersion` is the list's, for an item of a typed list
    /// that names none.
    static func schema(for object: KubeObject, apiVersion: String?) -> FieldSchema {
        switch object {
        case .ingress(let object): ingress(apiVersion: object.apiVersion ?? apiVersion)
        case .service: service
        case .ingressClass: ingressClass
        case .secret: secret
        case .configMap: configMap
        case .namespace: namespace
        case .gatewayClass: gatewayClass
        case .gateway: gateway
        case .httpRoute: httpRoute
        case .referenceGrant: referenceGrant
        }
    }

    /// The same by kind; nil for kinds Portico does not decode, which are not checked.
    static func schema(kind: String, apiVersion: String?) -> FieldSchema? {
        guard KubeObject.decodes(kind: kind, apiVersion: apiVersion) else { return nil }
        return switch kind {
        case "Ingress": ingress(apiVersion: apiVersion)
        case "Service": service
        case "IngressClass": ingressClass
        case "Secret": secret
        case "ConfigMap": configMap
        case "Namespace": namespace
        case "GatewayClass": gatewayClass
        case "Gateway": gateway
        case "HTTPRoute": httpRoute
        case "ReferenceGrant": referenceGrant
        default: nil
        }
    }

    private static func ingress(apiVersion: String?) -> FieldSchema {
        switch apiVersion {
        case "extensions/v1beta1", "networking.k8s.io/v1beta1": ingressV1beta1
        default: ingressV1
        }
    }

    static let objectMeta = FieldSchema.fields([
        "name": .any, "generateName": .any, "namespace": .any, "selfLink": .any, "uid": .any,
        "resourceVersion": .any, "generation": .any, "creationTimestamp": .any, "deletionTimestamp": .any,
        "deletionGracePeriodSeconds": .any, "labels": .any, "annotations": .any, "finalizers": .any,
        "ownerReferences": .list(
            .fields([
                "apiVersion": .any, "kind": .any, "name": .any, "uid": .any, "controller": .any,
                "blockOwnerDeletion": .any,
            ])),
        "managedFields": .list(
            .fields([
                "manager": .any, "operation": .any, "apiVersion": .any, "time": .any, "fieldsType": .any,
                "fieldsV1": .any, "subresource": .any,
            ])),
    ])

    /// apiVersion, kind, metadata, and the kind's own top-level fields. `status` is the API
    /// server's to write and is not looked into.
    static func object(_ fields: [String: FieldSchema]) -> FieldSchema {
        .fields(fields.merging(["apiVersion": .any, "kind": .any, "metadata": objectMeta]) { own, _ in own })
    }

    private static let typedLocalObjectReference = FieldSchema.fields(["apiGroup": .any, "kind": .any, "name": .any])
    private static let ingressTLS = FieldSchema.list(.fields(["hosts": .any, "secretName": .any]))

    private static func ingressSpec(backend: String, _ backendSchema: FieldSchema) -> FieldSchema {
        .fields([
            "ingressClassName": .any, backend: backendSchema, "tls": ingressTLS,
            "rules": .list(
                .fields([
                    "host": .any,
                    "http": .fields(["paths": .list(.fields(["path": .any, "pathType": .any, "backend": backendSchema]))]),
                ])),
        ])
    }

    static let ingressV1 = object([
        "spec": ingressSpec(
            backend: "defaultBackend",
            .fields([
                "service": .fields(["name": .any, "port": .fields(["name": .any, "number": .any])]),
                "resource": typedLocalObjectReference,
            ])),
        "status": .any,
    ])

    /// `extensions/v1beta1` and `networking.k8s.io/v1beta1`.
    static let ingressV1beta1 = object([
        "spec": ingressSpec(
            backend: "backend",
            .fields(["serviceName": .any, "servicePort": .any, "resource": typedLocalObjectReference])),
        "status": .any,
    ])

    static let service = object([
        "spec": .fields([
            "ports": .list(
                .fields([
                    "name": .any, "protocol": .any, "appProtocol": .any, "port": .any, "targetPort": .any,
                    "nodePort": .any,
                ])),
            "selector": .any, "clusterIP": .any, "clusterIPs": .any, "type": .any, "externalIPs": .any,
            "sessionAffinity": .any, "loadBalancerIP": .any, "loadBalancerSourceRanges": .any,
            "externalName": .any, "externalTrafficPolicy": .any, "healthCheckNodePort": .any,
            "publishNotReadyAddresses": .any,
            "sessionAffinityConfig": .fields(["clientIP": .fields(["timeoutSeconds": .any])]),
            "ipFamilies": .any, "ipFamilyPolicy": .any, "allocateLoadBalancerNodePorts": .any,
            "loadBalancerClass": .any, "internalTrafficPolicy": .any, "trafficDistribution": .any,
        ]),
        "status": .any,
    ])

    /// IngressClass has no status.
    static let ingressClass = object([
        "spec": .fields([
            "controller": .any,
            "parameters": .fields(["apiGroup": .any, "kind": .any, "name": .any, "namespace": .any, "scope": .any]),
        ])
    ])

    /// Secret has neither spec nor status.
    static let secret = object(["data": .any, "stringData": .any, "type": .any, "immutable": .any])

    /// ConfigMap has neither spec nor status.
    static let configMap = object(["data": .any, "binaryData": .any, "immutable": .any])

    static let namespace = object(["spec": .fields(["finalizers": .any]), "status": .any])
}
