import Foundation
import Testing

@testable import PorticoModel

/// Fields a kind's Kubernetes schema does not have are warnings, as `kubectl apply` prints them
/// (`Warning: unknown field "spec.rules[0].http.paths[0].pathtype"`); the object still decodes.
@Suite struct UnknownFieldTests {
    static func ingress(_ apiVersion: String = "networking.k8s.io/v1", path: String) -> String {
        """
        apiVersion: \(apiVersion)
        kind: Ingress
        metadata: {name: web, namespace: shop}
        spec:
          rules:
          - host: shop.example.com
            http:
              paths:
        \(path)
        """
    }

    static let v1Path = "      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}"

    @Test(arguments: [
        (
            ingress(path: "      - {path: /, pathtype: Prefix, backend: {service: {name: web, port: {number: 80}}}}"),
            [#"ingress shop/web: unknown field "spec.rules[0].http.paths[0].pathtype""#]
        ),
        (
            ingress(path: "      - {path: /, pathType: Prefix, backend: {servicename: web, servicePort: 80}}"),
            [
                #"ingress shop/web: unknown field "spec.rules[0].http.paths[0].backend.servicePort""#,
                #"ingress shop/web: unknown field "spec.rules[0].http.paths[0].backend.servicename""#,
            ]
        ),
        (
            ingress("extensions/v1beta1", path: "      - {path: /, backend: {serviceName: web, servicePort: 80, service: {name: x}}}")
                + "\n  defaultBackend: {serviceName: web, servicePort: 80}",
            [
                #"ingress shop/web: unknown field "spec.defaultBackend""#,
                #"ingress shop/web: unknown field "spec.rules[0].http.paths[0].backend.service""#,
            ]
        ),
        (ingress(path: v1Path) + "\n  rule: []\n  tls: [{hosts: [a], secret: x}]", [
            #"ingress shop/web: unknown field "spec.rule""#, #"ingress shop/web: unknown field "spec.tls[0].secret""#,
        ]),
        (
            "kind: Service\nmetadata: {name: api, annotation: {a: b}, clusterName: c}\nspec:\n  topologyKeys: [x]\n  ports: [{port: 80, targetport: 8080}]\n",
            [
                #"service default/api: unknown field "metadata.annotation""#,
                #"service default/api: unknown field "metadata.clusterName""#,
                #"service default/api: unknown field "spec.ports[0].targetport""#,
                #"service default/api: unknown field "spec.topologyKeys""#,
            ]
        ),
        (
            "kind: Service\nmetadata: {name: api}\nspec:\n  \"bad\\nkey\\u202e\": x\n",
            [#"service default/api: unknown field "spec.bad\nkey\u{202e}""#]
        ),
        (
            "kind: Service\nmetadata: {name: api}\nspec:\n  " + String(repeating: "k", count: 300) + ": x\n",
            [#"service default/api: unknown field "spec."# + String(repeating: "k", count: 195) + #"…" (305 bytes)"#]
        ),
        (
            "kind: Secret\nmetadata: {name: tls, namespace: a}\nspec: {}\nstatus: {}\ndata: {x: eA==}\nimmutable: true\n",
            [#"secret a/tls: unknown field "spec""#, #"secret a/tls: unknown field "status""#]
        ),
        (
            "kind: IngressClass\nmetadata: {name: portico}\nspec: {controller: c, parameters: {kind: K, name: n, namespce: x}}\n",
            [#"ingressclass portico: unknown field "spec.parameters.namespce""#]
        ),
        (
            "kind: Service\nmetadata: {name: \"We b\"}\nspec: {prots: []}\n",
            [#"service default/"We b": unknown field "spec.prots""#]
        ),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {anything: 1}\n", []),
        ("kind: Service\nmetadata: {name: a}\nstatus: {whatever: {the: server}}\nspec: {ports: [{port: 80}]}\n", []),
    ] as [(String, [String])])
    func unknownFieldsAreWarnedAbout(yaml: String, expected: [String]) throws {
        let (objects, warnings) = try ManifestDecoder.decodeWithWarnings(Data(yaml.utf8), source: "m.yaml")
        #expect(warnings.map(\.description) == expected.map { "warning: m.yaml: document 1: " + $0 })
        #expect(objects == (try ManifestDecoder.decode(Data(yaml.utf8), source: "m.yaml")))
    }

    @Test func theWarningNamesItsParts() throws {
        let yaml = "kind: Service\nmetadata: {name: a}\n---\n" + Self.ingress(path: "      - {path: /, pathtype: Prefix, backend: {}}")
        let (objects, warnings) = try ManifestDecoder.decodeWithWarnings(Data(yaml.utf8), source: "m.yaml")
        #expect(objects.count == 2)
        #expect(
            warnings == [
                ManifestWarning(source: "m.yaml", document: 2, object: "ingress shop/web", field: "spec.rules[0].http.paths[0].pathtype")
            ])
        #expect(
            warnings.first?.description
                == #"warning: m.yaml: document 2: ingress shop/web: unknown field "spec.rules[0].http.paths[0].pathtype""#)
        // Still decoded: the path is there, with no pathType.
        guard case .ingress(let ingress) = objects[1] else {
            Issue.record("not an ingress")
            return
        }
        #expect(ingress.spec.rules.first?.http?.paths.first?.path == "/")
        #expect(ingress.spec.rules.first?.http?.paths.first?.pathType == nil)
    }

    @Test func listItemsAreNamedByTheirOwnObject() throws {
        let yaml = """
            apiVersion: v1
            kind: List
            items:
            - {kind: Service, metadata: {name: a, namespace: x}, spec: {prts: []}}
            - {kind: Service, metadata: {name: b, namespace: x}}
            - {apiVersion: extensions/v1beta1, kind: Ingress, metadata: {name: c}, spec: {backend: {serviceName: s, servicePort: 80}}}
            - {kind: Ingress, metadata: {name: d}, spec: {backend: {serviceName: s, servicePort: 80}}}
            - {kind: List, items: [{kind: Service, metadata: {name: f}}]}
            ---
            apiVersion: networking.k8s.io/v1beta1
            kind: IngressList
            items:
            - {metadata: {name: e}, spec: {backend: {serviceName: s, servicePort: 80}}, bogus: 1}
            """
        let warnings = try ManifestDecoder.decodeWithWarnings(Data(yaml.utf8), source: "l.yaml").warnings
        #expect(
            warnings.map(\.description) == [
                #"warning: l.yaml: document 1: service x/a: unknown field "spec.prts""#,
                #"warning: l.yaml: document 1: ingress default/d: unknown field "spec.backend""#,
                #"warning: l.yaml: document 2: ingress default/e: unknown field "bogus""#,
            ])
    }

    @Test func jsonIsCheckedToo() throws {
        let json = #"""
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "namespace": "shop", "uid": "u"},
               "spec": {"rules": [{"host": "a.example", "http": {"paths": [
                 {"path": "/", "pathtype": "Prefix", "backend": {"serviceName": "web", "servicePort": 80}}]}}]},
               "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1", "ports": []}]}}},
              {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop", "annotation": {}},
               "spec": {"clusterIP": "10.96.0.1", "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}}]}
            """#
        let (objects, warnings) = try ManifestDecoder.decodeWithWarnings(Data(json.utf8), source: "c.json")
        #expect(objects.count == 2)
        #expect(
            warnings.map(\.description) == [
                #"warning: c.json: document 1: ingress shop/web: unknown field "spec.rules[0].http.paths[0].backend.serviceName""#,
                #"warning: c.json: document 1: ingress shop/web: unknown field "spec.rules[0].http.paths[0].backend.servicePort""#,
                #"warning: c.json: document 1: ingress shop/web: unknown field "spec.rules[0].http.paths[0].pathtype""#,
                #"warning: c.json: document 1: service shop/web: unknown field "metadata.annotation""#,
            ])
        let array = #"[{"kind": "IngressClass", "metadata": {"name": "p"}, "spec": {"controler": "x"}}]"#
        #expect(
            try ManifestDecoder.decodeWithWarnings(Data(array.utf8), source: "a.json").warnings.map(\.description) == [
                #"warning: a.json: document 1: ingressclass p: unknown field "spec.controler""#
            ])
    }

    @Test func jsonWarningsNameTheRightObjectPastSkippedKindsAndNestedLists() throws {
        // Unknown fields are found in the text and matched to the decoded objects by order: kinds
        // Portico skips, typed lists and escaped keys must not shift them.
        let json = #"""
            [{"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 1}},
             {"kind": "Service", "metadata": {"name": "a", "namespace": "n"}, "spec": {"p\u006frts": [], "bogus": [1, {"x": "]}"}]}},
             {"apiVersion": "networking.k8s.io/v1beta1", "kind": "IngressList", "items": [
               {"metadata": {"name": "b"}, "spec": {"backend": {"serviceName": "s", "servicePort": 80}, "tls": [{"secret": "x"}]}},
               {"kind": "Deployment", "metadata": {"name": "e"}},
               {"metadata": {"name": "c"}, "spec": {"rules": [{"http": {"paths": [{"backend": {}, "pathtype": "Prefix"}]}}]}}]},
             {"kind": "List", "items": [{"kind": "Secret", "metadata": {"name": "s"}, "dat": {}}]}]
            """#
        let (objects, warnings) = try ManifestDecoder.decodeWithWarnings(Data(json.utf8), source: "n.json")
        #expect(objects.count == 4)
        #expect(
            warnings.map(\.description) == [
                #"warning: n.json: document 1: service n/a: unknown field "spec.bogus""#,
                #"warning: n.json: document 1: ingress default/b: unknown field "spec.tls[0].secret""#,
                #"warning: n.json: document 1: ingress default/c: unknown field "spec.rules[0].http.paths[0].pathtype""#,
                #"warning: n.json: document 1: secret default/s: unknown field "dat""#,
            ])
    }

    /// `kubectl get ing,svc,ingressclass,secret -o yaml` as a v1.32 cluster prints it: every field
    /// the API server fills in is known, so there is nothing to warn about.
    static let kubectlOutput = """
        apiVersion: v1
        items:
        - apiVersion: networking.k8s.io/v1
          kind: Ingress
          metadata:
            annotations:
              kubectl.kubernetes.io/last-applied-configuration: |
                {"apiVersion":"networking.k8s.io/v1","kind":"Ingress"}
              nginx.ingress.kubernetes.io/whitelist-source-range: 0.0.0.0/0,::/0
            creationTimestamp: "2026-01-01T00:00:00Z"
            deletionGracePeriodSeconds: 0
            deletionTimestamp: "2026-01-02T00:00:00Z"
            finalizers:
            - example.com/cleanup
            generateName: cm-acme-http-solver-
            generation: 1
            labels:
              acme.cert-manager.io/http01-solver: "true"
            managedFields:
            - apiVersion: networking.k8s.io/v1
              fieldsType: FieldsV1
              fieldsV1:
                f:metadata:
                  f:annotations:
                    .: {}
                    f:nginx.ingress.kubernetes.io/whitelist-source-range: {}
                f:spec:
                  f:rules: {}
              manager: cert-manager-challenges
              operation: Update
              time: "2026-01-01T00:00:00Z"
            - apiVersion: networking.k8s.io/v1
              fieldsType: FieldsV1
              fieldsV1:
                f:status:
                  f:loadBalancer:
                    f:ingress: {}
              manager: portico
              operation: Update
              subresource: status
              time: "2026-01-01T00:00:01Z"
            name: cm-acme-http-solver-7tz2x
            namespace: default
            ownerReferences:
            - apiVersion: acme.cert-manager.io/v1
              blockOwnerDeletion: true
              controller: true
              kind: Challenge
              name: www-example-com-1-2-3
              uid: 3a5c2b1e-0000-4000-8000-000000000001
            resourceVersion: "4242"
            selfLink: /apis/networking.k8s.io/v1/namespaces/default/ingresses/cm-acme-http-solver-7tz2x
            uid: 7a2d3b5f-0000-4000-8000-000000000001
          spec:
            defaultBackend:
              resource:
                apiGroup: k8s.example.com
                kind: StorageBucket
                name: static-assets
            ingressClassName: portico
            rules:
            - host: www.example.com
              http:
                paths:
                - backend:
                    service:
                      name: cm-acme-http-solver-qqbcb
                      port:
                        number: 8089
                  path: /.well-known/acme-challenge/Z2-GnFtUJsAtKdFNJ0zfOuqlc2hl1uq6SYcDN8-NuG0
                  pathType: ImplementationSpecific
                - backend:
                    service:
                      name: web
                      port:
                        name: http
                  path: /
                  pathType: Prefix
            tls:
            - hosts:
              - www.example.com
              secretName: www-tls
          status:
            loadBalancer:
              ingress:
              - ip: 10.0.0.1
                ports:
                - error: none
                  port: 443
                  protocol: TCP
        - apiVersion: v1
          kind: Service
          metadata:
            creationTimestamp: "2026-01-01T00:00:00Z"
            labels:
              app: web
            name: web
            namespace: default
            resourceVersion: "100"
            uid: 6f1c2a4e-0000-4000-8000-000000000001
          spec:
            allocateLoadBalancerNodePorts: true
            clusterIP: 10.96.0.17
            clusterIPs:
            - 10.96.0.17
            - fd00::17
            externalIPs:
            - 192.0.2.10
            externalTrafficPolicy: Local
            healthCheckNodePort: 31000
            internalTrafficPolicy: Cluster
            ipFamilies:
            - IPv4
            - IPv6
            ipFamilyPolicy: PreferDualStack
            loadBalancerClass: example.com/lb
            loadBalancerIP: 192.0.2.11
            loadBalancerSourceRanges:
            - 0.0.0.0/0
            ports:
            - appProtocol: http
              name: http
              nodePort: 30080
              port: 80
              protocol: TCP
              targetPort: 8080
            publishNotReadyAddresses: false
            selector:
              app: web
            sessionAffinity: ClientIP
            sessionAffinityConfig:
              clientIP:
                timeoutSeconds: 10800
            trafficDistribution: PreferClose
            type: LoadBalancer
          status:
            conditions:
            - lastTransitionTime: "2026-01-01T00:00:00Z"
              message: ""
              observedGeneration: 1
              reason: Ready
              status: "True"
              type: Ready
            loadBalancer:
              ingress:
              - ip: 192.0.2.11
                ipMode: VIP
        - apiVersion: v1
          kind: Service
          metadata:
            name: external
            namespace: default
          spec:
            externalName: example.org
            type: ExternalName
        - apiVersion: networking.k8s.io/v1
          kind: IngressClass
          metadata:
            annotations:
              ingressclass.kubernetes.io/is-default-class: "true"
            creationTimestamp: "2026-01-01T00:00:00Z"
            generation: 1
            name: portico
            resourceVersion: "7"
            uid: 1b2c3d4e-0000-4000-8000-000000000001
          spec:
            controller: portico.io/ingress-controller
            parameters:
              apiGroup: k8s.example.com
              kind: IngressParameters
              name: external-lb
              namespace: default
              scope: Namespace
        - apiVersion: v1
          data:
            tls.crt: Y2VydA==
            tls.key: a2V5
          immutable: true
          kind: Secret
          metadata:
            name: www-tls
            namespace: default
          stringData:
            extra: text
          type: kubernetes.io/tls
        kind: List
        metadata:
          resourceVersion: ""
        """

    @Test func kubectlsOwnOutputHasNothingToWarnAbout() throws {
        let (objects, warnings) = try ManifestDecoder.decodeWithWarnings(Data(Self.kubectlOutput.utf8), source: "get.yaml")
        #expect(objects.count == 5)
        #expect(warnings.map(\.description) == [])
    }

    @Test func kubectlsJSONOutputHasNothingToWarnAboutEither() throws {
        // The same objects as JSON, as `kubectl get -o json` prints them.
        let value = try #require(try YAMLReader(Data(Self.kubectlOutput.utf8)).next())
        let json = try JSONSerialization.data(withJSONObject: Self.plain(value))
        let (objects, warnings) = try ManifestDecoder.decodeWithWarnings(json, source: "get.json")
        #expect(objects.count == 5)
        #expect(warnings.map(\.description) == [])
    }

    static func plain(_ value: ManifestValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let b, _): b
        case .int(let i, _): i
        case .double(let d, _): d
        case .string(let s): s
        case .array(let a): a.map(plain)
        case .object(let o): o.mapValues(plain)
        }
    }
}
