import Foundation
import Testing

@testable import PorticoModel

@Suite struct ManifestDecoderTests {
    static let echomapV1beta1 = """
        # An Ingress with 2 hosts and 3 endpoints
        apiVersion: extensions/v1beta1
        kind: Ingress
        metadata:
          name: echomap
        spec:
          rules:
          - host: foo.bar.com
            http:
              paths:
              - path: /foo
                backend:
                  serviceName: django-x
                  servicePort: 18111
          - host: bar.baz.com
            http:
              paths:
              - path: /bar
                backend:
                  serviceName: django-y
                  servicePort: http
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: django-x
        spec:
          ports:
          - port: 18111
            targetPort: 8111
            name: http
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ignored
        ---
        """

    @Test func legacyIngressIsNormalisedToV1Shape() throws {
        let objects = try ManifestDecoder.decode(Data(Self.echomapV1beta1.utf8), source: "echomap.yaml")
        #expect(objects.count == 2)
        guard case .ingress(let ingress) = objects[0], case .service(let service) = objects[1] else {
            Issue.record("unexpected kinds: \(objects)")
            return
        }
        #expect(ingress.metadata.name == "echomap")
        #expect(ingress.metadata.effectiveNamespace == "default")
        #expect(ingress.spec.rules.count == 2)
        let first = try #require(ingress.spec.rules[0].http?.paths.first)
        #expect(first.backend.service == IngressServiceBackend(name: "django-x", port: .init(number: 18111)))
        #expect(first.pathType == nil)
        let second = try #require(ingress.spec.rules[1].http?.paths.first)
        #expect(second.backend.service?.port == ServiceBackendPort(name: "http"))
        #expect(service.spec.ports == [ServicePort(name: "http", port: 18111, targetPort: .int(8111))])
    }

    @Test func jsonListWithTypedItemsInheritsKind() throws {
        let json = """
            {"kind":"IngressList","apiVersion":"networking.k8s.io/v1","items":[
              {"metadata":{"name":"a","namespace":"n"},"spec":{"ingressClassName":"portico",
               "defaultBackend":{"service":{"name":"s","port":{"name":"web"}}}}}]}
            """
        let objects = try ManifestDecoder.decode(Data(json.utf8), source: "list.json")
        guard case .ingress(let ingress) = try #require(objects.first) else {
            Issue.record("not an ingress")
            return
        }
        #expect(ingress.spec.ingressClassName == "portico")
        #expect(ingress.spec.defaultBackend?.service?.port.name == "web")
    }

    @Test func kindListHoldsMixedKinds() throws {
        let yaml = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Service
              metadata: {name: a, namespace: x}
              spec: {type: ExternalName, externalName: example.org}
            - apiVersion: networking.k8s.io/v1
              kind: IngressClass
              metadata:
                name: portico
                annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
              spec: {controller: portico.io/ingress-controller}
            """
        let objects = try ManifestDecoder.decode(Data(yaml.utf8), source: "list.yaml")
        #expect(objects.count == 2)
        if case .ingressClass(let c) = objects[1] { #expect(c.isDefault) } else { Issue.record("kind") }
    }

    @Test(arguments: [
        ("kind: Ingress\nmetadata: {name: a}\n---\nkind: Service\nmetadata: {name: b}\nspec: {ports: [{port: eighty}]}\n",
         "m.yaml: document 2: spec.ports[0].port: expected an integer, found a string"),
        ("kind: Ingress\nmetadata: {name: a}\nspec: {rules: {host: x}}\n",
         "m.yaml: document 1: spec.rules: expected a list, found a mapping"),
        ("metadata: {name: a}\n", "m.yaml: document 1: object has no kind"),
        ("- a\n- b\n", "m.yaml: document 1: expected a Kubernetes object (a mapping), found a list"),
        ("kind: Service\nmetadata: {name: [x\n", "m.yaml: document 1: not valid YAML"),
        ("{\"kind\": \"Service\", ", "m.yaml: document 1: not valid JSON"),
        ("kind: Service\nmetadata:\n  name: a\n  name: b\n",
         "m.yaml: document 1: metadata: key \"name\" appears twice"),
        ("kind: List\nitems:\n- kind: Service\n  metadata: {name: a}\n- kind: Service\n  metadata: {name: b, name: c}\n",
         "m.yaml: document 1: items[1].metadata: key \"name\" appears twice"),
        ("kind: List\nitems:\n- kind: Service\n  metadata: {name: a}\n- kind: Service\n  metadata: {name: b}\n  spec: {ports: [{port: x}]}\n",
         "m.yaml: document 1: items[1].spec.ports[0].port: expected an integer, found a string"),
        (#"{"kind": "Service", "metadata": {"name": "a", "name": "b"}}"#, "m.yaml: document 1: metadata: key \"name\" appears twice"),
        (#"{"kind": "List", "items": [{"kind": "Service"}, {"kind": "Service", "metadata": {"name": "a", "na\u006de": "b"}}]}"#,
         "m.yaml: document 1: items[1].metadata: key \"name\" appears twice"),
        (#"[{"kind": "Service", "spec": {"ports": [{"port": 80}, {"port": 81, "port": 82}]}}]"#,
         "m.yaml: document 1: [0].spec.ports[1]: key \"port\" appears twice"),
        ("kind: Service\u{0}\n", "m.yaml: document 1: not valid YAML: byte 14: control characters are not allowed"),
        ("kind: Service\nmetadata: {name: *nowhere}\n", "m.yaml: document 1: not valid YAML: line 2, column 18: alias *nowhere names no anchor"),
        ("kind: Service\n? [a, b]\n: c\n", "m.yaml: document 1: not valid YAML: a key must be a plain value"),
        ("kind: Ingress\nmetadata: {name: a}\n---\nkind: Service\n  bad: indent\n", "m.yaml: document 2: not valid YAML: line 5"),
    ])
    func malformedDocumentsNameFileDocumentAndField(input: String, expected: String) {
        #expect {
            _ = try ManifestDecoder.decode(Data(input.utf8), source: "m.yaml")
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }

    @Test func typedYAMLListItemsInheritTheKindAndAnchorsResolve() throws {
        let yaml = """
            apiVersion: v1
            items:
            - metadata: {name: a, namespace: x}
              spec: &spec
                ports: [{name: http, port: 0x50, targetPort: "8080"}]
            - metadata: {name: b, namespace: x}
              spec: *spec
            kind: ServiceList
            metadata: {resourceVersion: ""}
            """
        let objects = try ManifestDecoder.decode(Data(yaml.utf8), source: "list.yaml")
        let services = objects.compactMap { if case .service(let s) = $0 { s } else { nil } }
        #expect(services.map(\.metadata.name) == ["a", "b"])
        // 0x50 is YAML's integer 80; "8080" quoted stays a string.
        #expect(services.allSatisfy { $0.spec.ports == [ServicePort(name: "http", port: 80, targetPort: .string("8080"))] })
    }

    @Test func secretsDecodeTheirTLSData() throws {
        let yaml = """
            apiVersion: v1
            kind: Secret
            metadata: {name: tls, namespace: web}
            type: kubernetes.io/tls
            data:
              tls.crt: Y2VydA==
              tls.key: a2V5
            """
        guard case .secret(let secret) = try #require(try ManifestDecoder.decode(Data(yaml.utf8), source: "s.yaml").first) else {
            Issue.record("not a secret")
            return
        }
        #expect(secret.metadata.name == "tls")
        #expect(secret.type == "kubernetes.io/tls")
        #expect(secret.data?["tls.crt"] == "Y2VydA==")
    }

    @Test func deepNestingIsRefusedBeforeAnythingWalksIt() {
        let depth = 100_000
        let yaml = "kind: Service\nmetadata: {name: a}\nspec: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect {
            _ = try ManifestDecoder.decode(Data(yaml.utf8), source: "deep.yaml")
        } throws: { error in
            "\(error)".hasPrefix("deep.yaml: document 1: not valid YAML: line 3, column 262: nested more than 256 levels deep")
        }
    }

    /// The unknown-field scanner reads JSON beside JSONDecoder, before JSONDecoder has judged it: deep
    /// nesting (closed or not) is JSONDecoder's error, never a crash of the scanner's thread.
    @Test(arguments: [true, false]) func deepJSONNestingIsAnErrorWithWarningsOn(closed: Bool) {
        let depth = 100_000
        let json = #"{"kind": "Service", "apiVersion": "v1", "metadata": {"name": "a"}, "spec": {"ports": "#
            + String(repeating: "[", count: depth) + (closed ? String(repeating: "]", count: depth) + "}}" : "")
        #expect {
            _ = try ManifestDecoder.decodeWithWarnings(Data(json.utf8), source: "deep.json")
        } throws: { error in
            "\(error)".hasPrefix("deep.json: document 1: not valid JSON")
        }
    }

    @Test func aliasesThatExpandBeyondReasonAreRefused() throws {
        // Ten levels of ten aliases each: ten billion strings for whatever walks the value.
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<10 {
            yaml += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        yaml += "kind: Service\nmetadata: {name: a}\n"
        #expect {
            _ = try ManifestDecoder.decode(Data(yaml.utf8), source: "lol.yaml")
        } throws: { error in
            "\(error)" == "lol.yaml: document 1: not valid YAML: aliases stand for more than 100000 values"
        }
        // A few aliases, as hand-written manifests use them, are fine.
        let modest = "kind: Service\nmetadata: {name: a, labels: &l {app: web}, annotations: *l}\nspec: {ports: [{port: 80}]}\n"
        #expect(try ManifestDecoder.decode(Data(modest.utf8), source: "ok.yaml").count == 1)
    }

    @Test func jsonKeysRepeatedOnlyInsideStringsOrOtherObjectsAreFine() throws {
        let json = #"""
            {"kind": "List", "items": [
              {"kind": "Service", "metadata": {"name": "a", "annotations": {"x": "{\"a\": 1, \"a\": 2} \\\" , }"}},
               "spec": {"ports": [{"name": "name", "port": 80}]}},
              {"kind": "Service", "metadata": {"name": "b"}, "spec": {"ports": [{"port": 80}]}}]}
            """#
        let objects = try ManifestDecoder.decode(Data(json.utf8), source: "ok.json")
        #expect(objects.count == 2)
        if case .service(let a) = objects[0] { #expect(a.metadata.annotations?["x"] == #"{"a": 1, "a": 2} \" , }"#) }
    }

    @Test func emptyInputAndEmptyDocumentsYieldNothing() throws {
        #expect(try ManifestDecoder.decode(Data("---\n# nothing\n---\n".utf8), source: "e").isEmpty)
        #expect(try ManifestDecoder.decode(Data(), source: "e").isEmpty)
    }
}
