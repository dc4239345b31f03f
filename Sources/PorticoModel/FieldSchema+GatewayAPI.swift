/// The fields of the Gateway API kinds Portico decodes, from `sigs.k8s.io/gateway-api`
/// `apis/v1` (standard and experimental channels both: a field of either is known to some API
/// server, and warning about a field that is merely not served here would be noise). `status`
/// is the controller's to write and is not looked into.
extension FieldSchema {
    static let gatewayClass = object([
        "spec": .fields([
            "controllerName": .any, "description": .any,
            "parametersRef": .fields(["group": .any, "kind": .any, "name": .any, "namespace": .any]),
        ]),
        "status": .any,
    ])

    private static let labelSelector = FieldSchema.fields([
        "matchLabels": .any,
        "matchExpressions": .list(.fields(["key": .any, "operator": .any, "values": .any])),
    ])

    private static let secretObjectReference = FieldSchema.fields(["group": .any, "kind": .any, "name": .any, "namespace": .any])
    private static let objectReference = secretObjectReference

    private static let frontendTLSConfig = FieldSchema.fields([
        "validation": .fields([
            "caCertificateRefs": .list(objectReference), "mode": .any,
        ])
    ])

    static let gateway = object([
        "spec": .fields([
            "gatewayClassName": .any,
            "listeners": .list(
                .fields([
                    "name": .any, "hostname": .any, "port": .any, "protocol": .any,
                    "tls": .fields(["mode": .any, "certificateRefs": .list(secretObjectReference), "options": .any]),
                    "allowedRoutes": .fields([
                        "namespaces": .fields(["from": .any, "selector": labelSelector]),
                        "kinds": .list(.fields(["group": .any, "kind": .any])),
                    ]),
                ])),
            "addresses": .list(.fields(["type": .any, "value": .any])),
            "infrastructure": .fields([
                "labels": .any, "annotations": .any,
                "parametersRef": .fields(["group": .any, "kind": .any, "name": .any]),
            ]),
            "allowedListeners": .fields(["namespaces": .fields(["from": .any, "selector": labelSelector])]),
            "tls": .fields([
                "backend": .fields(["clientCertificateRef": secretObjectReference]),
                "frontend": .fields([
                    "default": frontendTLSConfig,
                    "perPort": .list(.fields(["port": .any, "tls": frontendTLSConfig])),
                ]),
            ]),
            "defaultScope": .any,
        ]),
        "status": .any,
    ])

    private static let pathModifier = FieldSchema.fields(["type": .any, "replaceFullPath": .any, "replacePrefixMatch": .any])
    private static let headerFilter = FieldSchema.fields([
        "set": .list(.fields(["name": .any, "value": .any])),
        "add": .list(.fields(["name": .any, "value": .any])),
        "remove": .any,
    ])
    private static let backendObjectReference = FieldSchema.fields([
        "group": .any, "kind": .any, "name": .any, "namespace": .any, "port": .any,
    ])

    /// Every filter type's settings, served or not: an unsupported filter is reported by type,
    /// and its fields are the API's all the same.
    private static let filters = FieldSchema.list(
        .fields([
            "type": .any,
            "requestHeaderModifier": headerFilter,
            "responseHeaderModifier": headerFilter,
            "requestMirror": .fields([
                "backendRef": backendObjectReference, "percent": .any,
                "fraction": .fields(["numerator": .any, "denominator": .any]),
            ]),
            "requestRedirect": .fields([
                "scheme": .any, "hostname": .any, "path": pathModifier, "port": .any, "statusCode": .any,
            ]),
            "urlRewrite": .fields(["hostname": .any, "path": pathModifier]),
            "cors": .fields([
                "allowOrigins": .any, "allowCredentials": .any, "allowMethods": .any, "allowHeaders": .any,
                "exposeHeaders": .any, "maxAge": .any,
            ]),
            "externalAuth": .fields([
                "protocol": .any, "backendRef": backendObjectReference,
                "grpc": .fields(["allowedHeaders": .any]),
                "http": .fields(["path": .any, "allowedHeaders": .any, "allowedResponseHeaders": .any]),
                "forwardBody": .fields(["maxSize": .any]),
            ]),
            "extensionRef": .fields(["group": .any, "kind": .any, "name": .any]),
        ]))

    private static let valueMatches = FieldSchema.list(.fields(["type": .any, "name": .any, "value": .any]))

    static let httpRoute = object([
        "spec": .fields([
            "parentRefs": .list(
                .fields([
                    "group": .any, "kind": .any, "namespace": .any, "name": .any, "sectionName": .any, "port": .any,
                ])),
            "useDefaultGateways": .any,
            "hostnames": .any,
            "rules": .list(
                .fields([
                    "name": .any,
                    "matches": .list(
                        .fields([
                            "path": .fields(["type": .any, "value": .any]),
                            "headers": valueMatches, "queryParams": valueMatches, "method": .any,
                        ])),
                    "filters": filters,
                    "backendRefs": .list(
                        .fields([
                            "group": .any, "kind": .any, "name": .any, "namespace": .any, "port": .any, "weight": .any,
                            "filters": filters,
                        ])),
                    "timeouts": .fields(["request": .any, "backendRequest": .any]),
                    "retry": .fields(["codes": .any, "attempts": .any, "backoff": .any]),
                    "sessionPersistence": .fields([
                        "sessionName": .any, "absoluteTimeout": .any, "idleTimeout": .any, "type": .any,
                        "cookieConfig": .fields(["lifetimeType": .any]),
                        "cookie": .fields(["name": .any, "path": .any, "lifetimeType": .any]),
                        "header": .fields(["name": .any]),
                    ]),
                ])),
        ]),
        "status": .any,
    ])

    /// ReferenceGrant has no status.
    static let referenceGrant = object([
        "spec": .fields([
            "from": .list(.fields(["group": .any, "kind": .any, "namespace": .any])),
            "to": .list(.fields(["group": .any, "kind": .any, "name": .any])),
        ])
    ])
}
