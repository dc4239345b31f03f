import Foundation
import Testing

@testable import PorticoModel

/// The Gateway API kinds (GatewayClass, Gateway, HTTPRoute, ReferenceGrant) and Namespace decode
/// from manifests like the other kinds, with the specification's defaults applied, unknown fields
/// warned about, and values Portico does not serve kept for status rather than failing the object.
@Suite struct GatewayDecodingTests {
    static func objects(_ text: String) throws -> [KubeObject] {
        try ManifestDecoder.decode(Data(text.utf8), source: "g.yaml")
    }

    static func only<T>(_ text: String, _ pick: (KubeObject) -> T?) throws -> T {
        let objects = try objects(text)
        #expect(objects.count == 1)
        let picked = objects.first.flatMap(pick)
        return try #require(picked)
    }

    static func route(_ text: String) throws -> HTTPRoute {
        try only(text) { if case .httpRoute(let r) = $0 { r } else { nil } }
    }

    static func gateway(_ text: String) throws -> Gateway {
        try only(text) { if case .gateway(let g) = $0 { g } else { nil } }
    }

    @Test func gatewayClassNamesItsController() throws {
        let yaml = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: portico}
            spec:
              controllerName: portico.io/gateway-controller
              description: Portico's nginx
            """
        let c = try Self.only(yaml) { if case .gatewayClass(let c) = $0 { c } else { nil } }
        #expect(c.metadata.name == "portico")
        #expect(c.spec == GatewayClassSpec(controllerName: "portico.io/gateway-controller", description: "Portico's nginx"))
        // Required but left out: no controller, so no one's class.
        let bare = try Self.only("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: x}\n") {
            if case .gatewayClass(let c) = $0 { c } else { nil }
        }
        #expect(bare.spec.controllerName == "")
    }

    @Test func gatewayListenersGetTheSpecificationsDefaults() throws {
        let g = try Self.gateway(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: infra}
            spec:
              gatewayClassName: portico
              addresses: [{value: 10.0.0.1}]
              listeners:
              - name: http
                port: 80
                protocol: HTTP
              - name: https
                hostname: "*.example.com"
                port: 443
                protocol: HTTPS
                tls:
                  certificateRefs: [{name: wildcard}, {name: other, namespace: certs}]
                allowedRoutes:
                  namespaces:
                    from: Selector
                    selector:
                      matchLabels: {team: web}
                      matchExpressions: [{key: env, operator: In, values: [prod, staging]}]
                  kinds: [{kind: HTTPRoute}]
              - {name: raw, port: 9000, protocol: TCP, allowedRoutes: {namespaces: {}}}
            """)
        #expect(g.metadata.effectiveNamespace == "infra")
        #expect(g.spec.gatewayClassName == "portico")
        #expect(g.spec.addresses == [GatewaySpecAddress(type: "IPAddress", value: "10.0.0.1")])
        try #require(g.spec.listeners.count == 3)
        let http = g.spec.listeners[0], https = g.spec.listeners[1], raw = g.spec.listeners[2]
        #expect(http == GatewayListener(name: "http", port: 80, protocol: "HTTP"))
        #expect(http.hostname == nil)
        #expect(http.allowedRoutes.namespaces == RouteNamespaces(from: "Same"))
        #expect(http.allowedRoutes.kinds.isEmpty)
        #expect(http.routeKinds == [RouteGroupKind(group: "gateway.networking.k8s.io", kind: "HTTPRoute")])
        #expect(https.hostname == "*.example.com")
        #expect(https.tls?.mode == "Terminate")
        #expect(
            https.tls?.certificateRefs == [
                SecretObjectReference(group: "", kind: "Secret", name: "wildcard"),
                SecretObjectReference(group: "", kind: "Secret", name: "other", namespace: "certs"),
            ])
        #expect(https.allowedRoutes.namespaces.from == "Selector")
        let selector = try #require(https.allowedRoutes.namespaces.selector)
        #expect(selector.matchLabels == ["team": "web"])
        #expect(selector.matchExpressions == [LabelSelectorRequirement(key: "env", operator: "In", values: ["prod", "staging"])])
        #expect(https.allowedRoutes.kinds == [RouteGroupKind(group: GatewayAPI.group, kind: "HTTPRoute")])
        // An empty `namespaces` is defaulted inside too; TCP is kept as written, for status to refuse.
        #expect(raw.allowedRoutes.namespaces.from == "Same")
        #expect(raw.protocol == "TCP")
        #expect(raw.routeKinds.isEmpty)
    }

    @Test func passthroughAndNullFieldsKeepTheirMeaning() throws {
        let g = try Self.gateway(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge}
            spec:
              gatewayClassName: portico
              listeners:
              - {name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: ~, hostname: ~}
            """)
        let listener = try #require(g.spec.listeners.first)
        #expect(listener.tls == GatewayListenerTLS(mode: "Passthrough"))
        #expect(listener.allowedRoutes == AllowedRoutes())
        #expect(listener.hostname == nil)
    }

    @Test func aRouteWithoutRulesMatchesEveryPath() throws {
        let r = try Self.route(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web, namespace: shop}
            spec:
              parentRefs: [{name: edge, namespace: infra, sectionName: https}]
              hostnames: [shop.example.com, "*.shop.example.com"]
            """)
        #expect(r.spec.hostnames == ["shop.example.com", "*.shop.example.com"])
        #expect(
            r.spec.parentRefs == [
                ParentReference(group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "infra", name: "edge", sectionName: "https")
            ])
        #expect(r.spec.rules.count == 1)
        #expect(r.spec.rules.first?.matches == [HTTPRouteMatch(path: HTTPPathMatch(type: "PathPrefix", value: "/"))])
        #expect(r.spec.rules.first?.backendRefs == [])
    }

    @Test func matchesAndBackendsGetTheSpecificationsDefaults() throws {
        let r = try Self.route(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web}
            spec:
              parentRefs: [{name: edge, port: 8080}]
              rules:
              - backendRefs: [{name: web, port: 80}]
              - matches: []
                backendRefs: [{name: canary, port: 80, weight: 0}, {name: bucket, group: storage.example.com, kind: Bucket}]
              - matches:
                - {path: {value: /api}}
                - {path: {type: Exact}}
                - {headers: [{name: X-Env, value: prod}], queryParams: [{name: v, value: "2", type: RegularExpression}], method: GET}
                - {path: {type: RegularExpression, value: "/v[0-9]+/.*"}}
                backendRefs: [{name: api, namespace: backends, port: 8080, weight: 3}]
            """)
        try #require(r.spec.rules.count == 3)
        #expect(r.spec.parentRefs == [ParentReference(name: "edge", port: 8080)])
        let everything = [HTTPRouteMatch(path: HTTPPathMatch(type: "PathPrefix", value: "/"))]
        #expect(r.spec.rules[0].matches == everything)
        #expect(r.spec.rules[0].backendRefs == [HTTPBackendRef(group: "", kind: "Service", name: "web", port: 80, weight: 1)])
        #expect(r.spec.rules[1].matches == everything)
        #expect(
            r.spec.rules[1].backendRefs == [
                HTTPBackendRef(name: "canary", port: 80, weight: 0),
                HTTPBackendRef(group: "storage.example.com", kind: "Bucket", name: "bucket"),
            ])
        let matches = r.spec.rules[2].matches
        try #require(matches.count == 4)
        #expect(matches[0].path == HTTPPathMatch(type: "PathPrefix", value: "/api"))
        #expect(matches[1].path == HTTPPathMatch(type: "Exact", value: "/"))
        #expect(matches[2].path == HTTPPathMatch())
        #expect(matches[2].headers == [HTTPHeaderMatch(type: "Exact", name: "X-Env", value: "prod")])
        #expect(matches[2].queryParams == [HTTPQueryParamMatch(type: "RegularExpression", name: "v", value: "2")])
        #expect(matches[2].method == "GET")
        #expect(matches[3].path == HTTPPathMatch(type: "RegularExpression", value: "/v[0-9]+/.*"))
        #expect(r.spec.rules[2].backendRefs == [HTTPBackendRef(name: "api", namespace: "backends", port: 8080, weight: 3)])
    }

    @Test func servedFiltersDecodeToTheirSettings() throws {
        let r = try Self.route(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web}
            spec:
              rules:
              - filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier: {set: [{name: X-A, value: "1"}], add: [{name: X-B, value: b}], remove: [X-C]}
                - type: ResponseHeaderModifier
                  responseHeaderModifier: {add: [{name: X-Served-By, value: portico}]}
                - type: RequestRedirect
                  requestRedirect: {scheme: https}
                - type: URLRewrite
                  urlRewrite: {hostname: internal.example, path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}
                backendRefs:
                - name: web
                  port: 80
                  filters: [{type: RequestRedirect, requestRedirect: {statusCode: 301, port: 8443, path: {type: ReplaceFullPath, replaceFullPath: /moved}}}]
            """)
        let rule = try #require(r.spec.rules.first)
        #expect(
            rule.filters == [
                .requestHeaderModifier(
                    HTTPHeaderFilter(set: [HTTPHeader(name: "X-A", value: "1")], add: [HTTPHeader(name: "X-B", value: "b")], remove: ["X-C"])),
                .responseHeaderModifier(HTTPHeaderFilter(add: [HTTPHeader(name: "X-Served-By", value: "portico")])),
                .requestRedirect(HTTPRequestRedirectFilter(scheme: "https", statusCode: 302)),
                .urlRewrite(HTTPURLRewriteFilter(hostname: "internal.example", path: HTTPPathModifier(type: "ReplacePrefixMatch", replacePrefixMatch: "/"))),
            ])
        #expect(
            rule.backendRefs.first?.filters == [
                .requestRedirect(
                    HTTPRequestRedirectFilter(path: HTTPPathModifier(type: "ReplaceFullPath", replaceFullPath: "/moved"), port: 8443, statusCode: 301))
            ])
    }

    @Test(arguments: [
        ("{type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}}}", #"unsupported filter of type "RequestMirror""#),
        ("{type: CORS, cors: {allowOrigins: ['*']}}", #"unsupported filter of type "CORS""#),
        ("{type: ExtensionRef, extensionRef: {group: x.io, kind: K, name: n}}", #"unsupported filter of type "ExtensionRef""#),
        ("{type: requestredirect}", #"unsupported filter of type "requestredirect""#),
        ("{}", #"unsupported filter of type """#),
        ("{type: \"Evil\\nline\\u202e\"}", #"unsupported filter of type "Evil\nline\u{202e}""#),
        ("{type: RequestRedirect}", #"filter of type "RequestRedirect" has no requestRedirect"#),
        ("{type: URLRewrite, requestRedirect: {scheme: https}}", #"filter of type "URLRewrite" has no urlRewrite"#),
    ])
    func otherFiltersAreKeptAsUnsupported(filter: String, expected: String) throws {
        let yaml = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web}
            spec:
              rules:
              - filters: [\(filter), {type: ResponseHeaderModifier, responseHeaderModifier: {remove: [Server]}}]
                backendRefs: [{name: web, port: 80}]
            """
        let rule = try #require(try Self.route(yaml).spec.rules.first)
        try #require(rule.filters.count == 2)
        guard case .unsupported(let unsupported) = rule.filters[0] else {
            Issue.record("decoded as \(rule.filters[0])")
            return
        }
        #expect(unsupported.description == expected)
        // The rest of the rule is intact.
        #expect(rule.filters[1] == .responseHeaderModifier(HTTPHeaderFilter(remove: ["Server"])))
        #expect(rule.backendRefs == [HTTPBackendRef(name: "web", port: 80)])
    }

    @Test(arguments: ["gateway.networking.k8s.io/v1beta1", "gateway.networking.k8s.io/v1"])
    func referenceGrantsDecode(apiVersion: String) throws {
        let yaml = """
            apiVersion: \(apiVersion)
            kind: ReferenceGrant
            metadata: {name: from-shop, namespace: backends}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]
              to: [{group: "", kind: Service}, {group: "", kind: Service, name: api}]
            """
        let g = try Self.only(yaml) { if case .referenceGrant(let g) = $0 { g } else { nil } }
        #expect(g.metadata.effectiveNamespace == "backends")
        #expect(g.spec.from == [ReferenceGrantFrom(group: GatewayAPI.group, kind: "HTTPRoute", namespace: "shop")])
        #expect(g.spec.to == [ReferenceGrantTo(group: "", kind: "Service"), ReferenceGrantTo(group: "", kind: "Service", name: "api")])
    }

    @Test func namespacesKeepTheirLabels() throws {
        let n = try Self.only("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: web}}\nspec: {finalizers: [kubernetes]}\n") {
            if case .namespace(let n) = $0 { n } else { nil }
        }
        #expect(n.metadata.name == "shop")
        #expect(n.metadata.labels == ["team": "web"])
    }

    @Test func anotherProjectsGatewayIsSkipped() throws {
        let yaml = """
            apiVersion: networking.istio.io/v1beta1
            kind: Gateway
            metadata: {name: istio}
            spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 80}}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: ours}
            spec: {gatewayClassName: portico}
            """
        let (objects, warnings) = try ManifestDecoder.decodeWithWarnings(Data(yaml.utf8), source: "g.yaml")
        #expect(objects.count == 1)
        guard case .gateway(let g) = try #require(objects.first) else {
            Issue.record("not a gateway")
            return
        }
        #expect(g.metadata.name == "ours")
        #expect(warnings.isEmpty)
        let json = #"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": "i"}, "spec": {"servers": []}}]}"#
        let decoded = try ManifestDecoder.decodeWithWarnings(Data(json.utf8), source: "g.json")
        #expect(decoded.objects.isEmpty)
        #expect(decoded.warnings.isEmpty)
    }

    @Test func listItemsTakeATypedListsVersionButNotAPlainLists() throws {
        let yaml = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRouteList
            items:
            - {metadata: {name: a}, spec: {hostnames: [a.example]}}
            ---
            apiVersion: networking.istio.io/v1
            kind: GatewayList
            items:
            - {metadata: {name: istio}}
            ---
            apiVersion: v1
            kind: List
            items:
            - {kind: HTTPRoute, metadata: {name: b}}
            - {apiVersion: gateway.networking.k8s.io/v1, kind: GatewayClass, metadata: {name: c}, spec: {controllerName: x/y}}
            """
        let state = ClusterState(try Self.objects(yaml))
        #expect(state.httpRoutes.map(\.metadata.name) == ["a", "b"])
        #expect(state.gateways.isEmpty)
        #expect(state.gatewayClasses.map(\.spec.controllerName) == ["x/y"])
        // The same in JSON, where unknown fields are found by another path.
        let json = #"""
            {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRouteList", "items": [
              {"metadata": {"name": "a"}, "spec": {"hostname": ["a.example"]}}]}
            """#
        let decoded = try ManifestDecoder.decodeWithWarnings(Data(json.utf8), source: "l.json")
        #expect(decoded.objects.count == 1)
        #expect(decoded.warnings.map(\.description) == [#"warning: l.json: document 1: httproute default/a: unknown field "spec.hostname""#])
    }

    @Test func clusterStateCollectsEachKind() throws {
        let yaml = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: portico}
            spec: {controllerName: portico.io/gateway-controller}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge}
            spec: {gatewayClassName: portico}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web}
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: g}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            """
        let state = ClusterState(try Self.objects(yaml))
        #expect(state.namespaces.map(\.metadata.name) == ["shop"])
        #expect(state.gatewayClasses.map(\.metadata.name) == ["portico"])
        #expect(state.gateways.map(\.metadata.name) == ["edge"])
        #expect(state.httpRoutes.map(\.metadata.name) == ["web"])
        #expect(state.referenceGrants.map(\.metadata.name) == ["g"])
        #expect(state.services.map(\.metadata.name) == ["web"])
        #expect(state.ingresses.isEmpty)
    }

    static let routeHead = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web, namespace: shop}\n"
    static let gatewayHead = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: edge, namespace: infra}\n"

    @Test(arguments: [
        (
            routeHead + "spec:\n  hostname: [a.example]\n  rules: [{matches: [{path: {type: Exact, valeu: /x}}], backendRef: []}]\n",
            [
                #"httproute shop/web: unknown field "spec.hostname""#,
                #"httproute shop/web: unknown field "spec.rules[0].backendRef""#,
                #"httproute shop/web: unknown field "spec.rules[0].matches[0].path.valeu""#,
            ]
        ),
        (
            routeHead + "spec:\n  parentRefs: [{name: edge, section: https}]\n  rules: [{filters: [{type: RequestRedirect, requestRedirect: {code: 301}}]}]\n",
            [
                #"httproute shop/web: unknown field "spec.parentRefs[0].section""#,
                #"httproute shop/web: unknown field "spec.rules[0].filters[0].requestRedirect.code""#,
            ]
        ),
        (
            // The fields of filters Portico does not serve are the API's all the same: no warning.
            routeHead + "spec:\n  rules: [{filters: [{type: RequestMirror, requestMirror: {backendRef: {name: s, port: 80}, percent: 5}}],"
                + " backendRefs: [{name: s, port: 80, weight: 2, filters: []}], timeouts: {request: 5s}}]\nstatus: {parents: []}\n",
            []
        ),
        (
            gatewayHead + "spec:\n  gatewayClassName: portico\n  listeners: [{name: h, port: 80, protocol: HTTP, allowedRoute: {}, tls: {certificateRef: []}}]\n",
            [
                #"gateway infra/edge: unknown field "spec.listeners[0].allowedRoute""#,
                #"gateway infra/edge: unknown field "spec.listeners[0].tls.certificateRef""#,
            ]
        ),
        (
            gatewayHead + "spec:\n  listeners: [{allowedRoutes: {namespaces: {from: Selector, selector: {matchLabel: {a: b}}}, kinds: [{kind: HTTPRoute, version: v1}]}}]\n",
            [
                #"gateway infra/edge: unknown field "spec.listeners[0].allowedRoutes.kinds[0].version""#,
                #"gateway infra/edge: unknown field "spec.listeners[0].allowedRoutes.namespaces.selector.matchLabel""#,
            ]
        ),
        (
            "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: p}\nspec: {controller: x, controllerName: a/b}\n",
            [#"gatewayclass p: unknown field "spec.controller""#]
        ),
        (
            "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: b}\nspec:\n  from: [{group: '', kind: HTTPRoute, namespaces: a}]\n  to: [{kind: Service, namespace: b}]\n",
            [
                #"referencegrant b/g: unknown field "spec.from[0].namespaces""#,
                #"referencegrant b/g: unknown field "spec.to[0].namespace""#,
            ]
        ),
        ("apiVersion: v1\nkind: Namespace\nmetadata: {name: ns1, label: {a: b}}\n", [#"namespace ns1: unknown field "metadata.label""#]),
    ] as [(String, [String])])
    func unknownFieldsAreWarnedAbout(yaml: String, expected: [String]) throws {
        let (objects, warnings) = try ManifestDecoder.decodeWithWarnings(Data(yaml.utf8), source: "m.yaml")
        #expect(warnings.map(\.description) == expected.map { "warning: m.yaml: document 1: " + $0 })
        #expect(objects == (try ManifestDecoder.decode(Data(yaml.utf8), source: "m.yaml")))
        // JSON finds the same fields.
        let json = try JSONEncoder().encode(JSONValue(yaml: yaml))
        let fromJSON = try ManifestDecoder.decodeWithWarnings(json, source: "m.yaml")
        #expect(fromJSON.warnings.map(\.description) == expected.map { "warning: m.yaml: document 1: " + $0 })
    }

    @Test(arguments: [
        (routeHead + "spec: {hostnames: a.example}\n", "m.yaml: document 1: spec.hostnames: expected a list, found a string"),
        (routeHead + "spec: {rules: [{backendRefs: [{name: web, port: http}]}]}\n",
         "m.yaml: document 1: spec.rules[0].backendRefs[0].port: expected an integer, found a string"),
        (routeHead + "spec: {rules: [{backendRefs: [{name: web, weight: 1.5}]}]}\n",
         "m.yaml: document 1: spec.rules[0].backendRefs[0].weight: expected an integer, found a number"),
        (routeHead + "spec: {rules: [{filters: {type: URLRewrite}}]}\n", "m.yaml: document 1: spec.rules[0].filters: expected a list, found a mapping"),
        (routeHead + "spec: {rules: [{matches: [{method: 1}]}]}\n", "m.yaml: document 1: spec.rules[0].matches[0].method: expected a string, found an integer"),
        (gatewayHead + "spec: {listeners: [{name: h, port: \"80\"}]}\n", "m.yaml: document 1: spec.listeners[0].port: expected an integer, found a string"),
        (gatewayHead + "spec: {listeners: [{hostname: [a]}]}\n", "m.yaml: document 1: spec.listeners[0].hostname: expected a string, found a list"),
        ("apiVersion: 1\nkind: HTTPRoute\nmetadata: {name: a}\n", "m.yaml: document 1: apiVersion: expected a string, found an integer"),
    ])
    func malformedFieldsNameTheField(input: String, expected: String) {
        #expect {
            _ = try ManifestDecoder.decode(Data(input.utf8), source: "m.yaml")
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }

    @Test func hostileValuesDecodeAsWrittenForValidationToRefuse() throws {
        let r = try Self.route(
            Self.routeHead + """
                spec:
                  hostnames: ["*", "a..b", "UPPER.example", "x\\ny", ""]
                  parentRefs: [{name: "", kind: Service, group: "", port: -1}]
                  rules:
                  - matches: [{path: {type: Glob, value: "/a\\u0000b"}, method: BREW, headers: [{name: "X\\r\\nInjected: 1", value: "v"}]}]
                    backendRefs: [{name: web, port: 99999999, weight: -5}]
                """)
        #expect(r.spec.hostnames == ["*", "a..b", "UPPER.example", "x\ny", ""])
        #expect(r.spec.parentRefs == [ParentReference(group: "", kind: "Service", name: "", port: -1)])
        let match = try #require(r.spec.rules.first?.matches.first)
        #expect(match.path == HTTPPathMatch(type: "Glob", value: "/a\u{0}b"))
        #expect(match.method == "BREW")
        #expect(match.headers.first?.name == "X\r\nInjected: 1")
        #expect(r.spec.rules.first?.backendRefs == [HTTPBackendRef(name: "web", port: 99_999_999, weight: -5)])
    }

    @Test func encodedObjectsDecodeToThemselves() throws {
        let yaml = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web}
            spec:
              parentRefs: [{name: edge}]
              rules:
              - filters:
                - {type: RequestMirror}
                - {type: RequestRedirect, requestRedirect: {scheme: https, port: 443}}
                backendRefs: [{name: web, port: 80, filters: [{type: URLRewrite, urlRewrite: {hostname: x}}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge}
            spec: {gatewayClassName: p, listeners: [{name: h, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: c}]}}]}
            """
        let state = ClusterState(try Self.objects(yaml))
        let route = try #require(state.httpRoutes.first), gateway = try #require(state.gateways.first)
        let routeJSON = try JSONEncoder().encode(route)
        #expect(try ManifestDecoder.decode(routeJSON, source: "r.json") == [.httpRoute(route)])
        let gatewayJSON = try JSONEncoder().encode(gateway)
        #expect(try ManifestDecoder.decode(gatewayJSON, source: "g.json") == [.gateway(gateway)])
    }

    /// Status as the API server stores it: read, with nothing warned about, so that a controller
    /// can compare what it would write with what is there.
    @Test func statusIsRead() throws {
        let json = #"""
            {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
             "metadata": {"name": "site", "namespace": "default", "generation": 2},
             "spec": {"parentRefs": [{"name": "edge"}]},
             "status": {"parents": [
               {"parentRef": {"name": "edge"}, "controllerName": "portico.io/gateway-controller",
                "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted", "message": "ok",
                                "observedGeneration": 2, "lastTransitionTime": "2026-01-01T00:00:00Z"}]}]}}
            """#
        let (objects, warnings) = try ManifestDecoder.decodeWithWarnings(Data(json.utf8), source: "r.json")
        #expect(warnings.isEmpty, "\(warnings)")
        guard case .httpRoute(let route)? = objects.first else {
            Issue.record("not an HTTPRoute: \(objects)")
            return
        }
        let parent = try #require(route.status?.parents.first)
        #expect(parent.parentRef == ParentReference(name: "edge"))
        #expect(parent.controllerName == "portico.io/gateway-controller")
        #expect(
            parent.conditions == [
                StatusCondition(
                    type: "Accepted", status: "True", observedGeneration: 2, lastTransitionTime: "2026-01-01T00:00:00Z",
                    reason: "Accepted", message: "ok")
            ])

        let gateway = try Self.gateway("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge}
            spec: {gatewayClassName: portico, listeners: [{name: http, port: 80, protocol: HTTP}]}
            status:
              addresses: [{type: IPAddress, value: 192.0.2.1}]
              conditions: [{type: Programmed, status: Unknown, reason: Pending, message: Waiting, lastTransitionTime: "1970-01-01T00:00:00Z"}]
              listeners: [{name: http, attachedRoutes: 3, supportedKinds: [{kind: HTTPRoute}], conditions: []}]
            """)
        #expect(gateway.status?.addresses == [GatewayStatusAddress(type: "IPAddress", value: "192.0.2.1")])
        #expect(gateway.status?.conditions.map(\.status) == ["Unknown"])
        #expect(gateway.status?.listeners == [ListenerStatus(name: "http", supportedKinds: [RouteGroupKind(kind: "HTTPRoute")], attachedRoutes: 3)])
    }
}

/// A YAML document re-encoded as JSON, to check that the JSON path finds what the YAML one does.
private enum JSONValue: Encodable {
    case null, bool(Bool), int(Int), double(Double), string(String)
    case array([JSONValue]), object([String: JSONValue])

    init(yaml: String) throws {
        guard let value = try YAMLReader(Data(yaml.utf8)).next() else { throw CocoaError(.coderValueNotFound) }
        self.init(value)
    }

    init(_ value: ManifestValue) {
        switch value {
        case .null: self = .null
        case .bool(let b, _): self = .bool(b)
        case .int(let i, _): self = .int(i)
        case .double(let d, _): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(JSONValue.init))
        case .object(let o): self = .object(o.mapValues(JSONValue.init))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
