import Foundation
import TestSupport
import Testing

/// `portico render` output served by real nginx: who answers which host and path.
@Suite("End to end: routing")
struct RoutingEndToEndTests {
    static let services = """
        apiVersion: v1
        kind: Service
        metadata: {name: django-x}
        spec:
          ports: [{port: PORT, targetPort: 8111, protocol: TCP, name: http}]
          selector: {app: django-x}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: django-y}
        spec:
          ports: [{port: PORT, targetPort: 8111, protocol: TCP, name: http}]
          selector: {app: django-y}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: django-default}
        spec:
          ports: [{port: PORT, targetPort: 8111, protocol: TCP, name: http}]
          selector: {app: django-default}

        """

    /// The seed's echomap, as written in 2016.
    static let echomapV1beta1 = services + """
        ---
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
                  servicePort: PORT
          - host: bar.baz.com
            http:
              paths:
              - path: /bar
                backend:
                  serviceName: django-y
                  servicePort: PORT
              - path: /foo
                backend:
                  serviceName: django-x
                  servicePort: PORT

        """

    /// The same, in networking.k8s.io/v1.
    static let echomapV1 = services + """
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: echomap
          namespace: default
        spec:
          rules:
          - host: foo.bar.com
            http:
              paths:
              - path: /foo
                pathType: Prefix
                backend: {service: {name: django-x, port: {number: PORT}}}
          - host: bar.baz.com
            http:
              paths:
              - path: /bar
                pathType: Prefix
                backend: {service: {name: django-y, port: {number: PORT}}}
              - path: /foo
                pathType: Prefix
                backend: {service: {name: django-x, port: {number: PORT}}}

        """

    @Test("echomap routes the same in extensions/v1beta1 and networking.k8s.io/v1", arguments: ["v1beta1", "v1"])
    func echomap(version: String) throws {
        let stage = try Stage(
            manifests: version == "v1" ? Self.echomapV1 : Self.echomapV1beta1,
            services: ["django-x", "django-y", "django-default"])
        defer { stage.stop() }
        #expect(stage.diagnostics.isEmpty, "\(stage.diagnostics)")
        let table: [(host: String, path: String, expected: String)] = [
            ("foo.bar.com", "/foo", "django-x"),
            ("foo.bar.com", "/foo/x?y=1", "django-x"),
            ("bar.baz.com", "/bar", "django-y"),
            ("bar.baz.com", "/foo", "django-x"),
            ("foo.bar.com", "/bar", "404"),
            ("unknown.example", "/foo", "404"),
            ("FOO.BAR.COM", "/foo", "django-x"),
            ("Bar.Baz.Com", "/bar", "django-y"),
        ]
        for row in table {
            #expect(try stage.who(row.host, row.path) == row.expected, "\(row.host)\(row.path)\n\(stage.context)")
        }
    }

    @Test func pathTypesExactPrefixLongestAndTrailingSlash() throws {
        let manifests = """
            apiVersion: v1
            kind: Service
            metadata: {name: prefix, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: exact, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: longer, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: trail, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: paths, namespace: default}
            spec:
              rules:
              - host: paths.test
                http:
                  paths:
                  - {path: /foo, pathType: Prefix, backend: {service: {name: prefix, port: {number: PORT}}}}
                  - {path: /foo, pathType: Exact, backend: {service: {name: exact, port: {number: PORT}}}}
                  - {path: /foo/bar, pathType: Prefix, backend: {service: {name: longer, port: {number: PORT}}}}
                  - {path: /only, pathType: Exact, backend: {service: {name: exact, port: {number: PORT}}}}
                  - {path: /trail/, pathType: Prefix, backend: {service: {name: trail, port: {number: PORT}}}}

            """
        let stage = try Stage(manifests: manifests, services: ["prefix", "exact", "longer", "trail"])
        defer { stage.stop() }
        #expect(stage.diagnostics.isEmpty, "\(stage.diagnostics)")
        let table: [(path: String, expected: String)] = [
            ("/foo", "exact"),
            ("/foo/", "prefix"),
            ("/foo/x", "prefix"),
            ("/foobar", "404"),
            ("/foo/bar", "longer"),
            ("/foo/bar/", "longer"),
            ("/foo/bar/baz", "longer"),
            ("/foo/barx", "prefix"),
            ("/only", "exact"),
            ("/only/", "404"),
            ("/onlyx", "404"),
            ("/trail", "trail"),
            ("/trail/", "trail"),
            ("/trail/x", "trail"),
            ("/trailx", "404"),
        ]
        for row in table {
            #expect(try stage.who("paths.test", row.path) == row.expected, "\(row.path)\n\(stage.context)")
        }
    }

    @Test func wildcardHostsRulesWithoutHostAndDefaultBackend() throws {
        let manifests = """
            apiVersion: v1
            kind: Service
            metadata: {name: wild, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: exact, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: catchall, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: fallback, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: hosts, namespace: default}
            spec:
              defaultBackend: {service: {name: fallback, port: {number: PORT}}}
              rules:
              - host: "*.example.com"
                http:
                  paths:
                  - {path: /app, pathType: Prefix, backend: {service: {name: wild, port: {number: PORT}}}}
              - host: exact.example.com
                http:
                  paths:
                  - {path: /app, pathType: Prefix, backend: {service: {name: exact, port: {number: PORT}}}}
              - http:
                  paths:
                  - {path: /catch, pathType: Prefix, backend: {service: {name: catchall, port: {number: PORT}}}}

            """
        let stage = try Stage(manifests: manifests, services: ["wild", "exact", "catchall", "fallback"])
        defer { stage.stop() }
        #expect(stage.diagnostics.isEmpty, "\(stage.diagnostics)")
        let table: [(host: String, path: String, expected: String)] = [
            ("a.example.com", "/app", "wild"),
            ("A.Example.Com", "/app/x", "wild"),
            ("exact.example.com", "/app", "exact"),
            ("example.com", "/app", "fallback"),
            ("a.b.example.com", "/app", "fallback"),
            ("unknown.test", "/catch", "catchall"),
            ("unknown.test", "/catch/x", "catchall"),
            ("unknown.test", "/zzz", "fallback"),
            ("exact.example.com", "/other", "fallback"),
            // Rules without host serve hosts that have no rules of their own, not every host.
            ("exact.example.com", "/catch", "fallback"),
            ("a.example.com", "/catch", "fallback"),
            ("a.example.com", "/other", "fallback"),
        ]
        for row in table {
            #expect(try stage.who(row.host, row.path) == row.expected, "\(row.host)\(row.path)\n\(stage.context)")
        }
    }

    @Test func missingServicesAndPortsAnswer503NamedExternalNameAndHeadlessServe() throws {
        let manifests = """
            apiVersion: v1
            kind: Service
            metadata: {name: ok, namespace: shop}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: named, namespace: shop}
            spec: {ports: [{name: web, port: PORT, targetPort: 8080}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: ext, namespace: shop}
            spec: {type: ExternalName, externalName: partner.external.test}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: headless, namespace: shop}
            spec: {clusterIP: None, ports: [{port: PORT}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: web, namespace: shop}
            spec:
              rules:
              - host: svc.test
                http:
                  paths:
                  - {path: /ok, pathType: Prefix, backend: {service: {name: ok, port: {number: PORT}}}}
                  - {path: /missing, pathType: Prefix, backend: {service: {name: nope, port: {number: PORT}}}}
                  - {path: /badport, pathType: Prefix, backend: {service: {name: ok, port: {number: 9}}}}
                  - {path: /badname, pathType: Prefix, backend: {service: {name: named, port: {name: nosuch}}}}
                  - {path: /named, pathType: Prefix, backend: {service: {name: named, port: {name: web}}}}
                  - {path: /ext, pathType: Prefix, backend: {service: {name: ext, port: {number: PORT}}}}
                  - {path: /headless, pathType: Prefix, backend: {service: {name: headless, port: {number: PORT}}}}

            """
        let stage = try Stage(
            manifests: manifests,
            services: ["shop/ok", "shop/named", "shop/external", "shop/headless"],
            extraNames: ["partner.external.test": "external"])
        defer { stage.stop() }
        let table: [(path: String, expected: String)] = [
            ("/ok", "ok"),
            ("/missing", "503"),
            ("/badport", "503"),
            ("/badname", "503"),
            ("/named", "named"),
            ("/ext", "external"),
            ("/headless", "headless"),
        ]
        for row in table {
            #expect(try stage.who("svc.test", row.path) == row.expected, "\(row.path)\n\(stage.context)")
        }
        // Each broken backend is reported, naming the Ingress and the field.
        for index in 1...3 {
            #expect(
                stage.diagnostics.contains { $0.contains("ingress shop/web") && $0.contains("spec.rules[0].http.paths[\(index)]") },
                "paths[\(index)]: \(stage.diagnostics)")
        }
        #expect(stage.diagnostics.contains { $0.contains("\"nope\"") && $0.contains("503") }, "\(stage.diagnostics)")
        #expect(stage.diagnostics.count == 3, "\(stage.diagnostics)")
    }

    @Test func ingressesForOneHostMergeAndTheOlderWinsAConflict() throws {
        let manifests = """
            apiVersion: v1
            kind: Service
            metadata: {name: svc-a, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: svc-b, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: newer, namespace: default, creationTimestamp: "2024-05-01T00:00:00Z"}
            spec:
              rules:
              - host: merge.test
                http:
                  paths:
                  - {path: /b, pathType: Prefix, backend: {service: {name: svc-b, port: {number: PORT}}}}
                  - {path: /same, pathType: Prefix, backend: {service: {name: svc-b, port: {number: PORT}}}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: older, namespace: default, creationTimestamp: "2020-01-01T00:00:00Z"}
            spec:
              rules:
              - host: merge.test
                http:
                  paths:
                  - {path: /a, pathType: Prefix, backend: {service: {name: svc-a, port: {number: PORT}}}}
                  - {path: /same, pathType: Prefix, backend: {service: {name: svc-a, port: {number: PORT}}}}

            """
        let stage = try Stage(manifests: manifests, services: ["svc-a", "svc-b"])
        defer { stage.stop() }
        #expect(try stage.who("merge.test", "/a") == "svc-a", "\(stage.context)")
        #expect(try stage.who("merge.test", "/b") == "svc-b", "\(stage.context)")
        #expect(try stage.who("merge.test", "/same") == "svc-a", "\(stage.context)")
        #expect(try stage.who("merge.test", "/same/x") == "svc-a", "\(stage.context)")
        #expect(stage.diagnostics.count == 1, "\(stage.diagnostics)")
        #expect(
            stage.diagnostics.first.map { $0.contains("ingress default/newer") && $0.contains("spec.rules[0].http.paths[1]") } == true,
            "\(stage.diagnostics)")
    }
}

/// Objects change, Portico renders again, nginx reloads: routes follow without a restart.
@Suite("End to end: re-render and reload")
struct ReloadEndToEndTests {
    static func manifests(withService: Bool, extraPath: Bool) -> String {
        var text = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: web, namespace: default}
            spec:
              rules:
              - host: web.test
                http:
                  paths:
                  - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: PORT}}}}

            """
        if extraPath {
            text += """
                      - {path: /new, pathType: Exact, backend: {service: {name: api, port: {number: PORT}}}}

                """
        }
        if withService {
            text += """
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: api, namespace: default}
                spec: {ports: [{port: PORT}]}

                """
        }
        return text
    }

    @Test func aServiceThatAppearsStartsAnsweringAfterReload() throws {
        let stage = try Stage(manifests: Self.manifests(withService: false, extraPath: false), services: ["api"])
        defer { stage.stop() }
        #expect(try stage.who("web.test", "/api") == "503", "\(stage.context)")
        #expect(stage.diagnostics.count == 1, "\(stage.diagnostics)")

        try stage.rerender(Self.manifests(withService: true, extraPath: true))
        #expect(stage.diagnostics.isEmpty, "\(stage.diagnostics)")
        #expect(try stage.who("web.test", "/api") == "api", "\(stage.context)")
        #expect(try stage.who("web.test", "/new") == "api", "\(stage.context)")
        #expect(try stage.who("web.test", "/new/") == "404", "\(stage.context)")

        try stage.rerender(Self.manifests(withService: false, extraPath: false))
        #expect(try stage.who("web.test", "/api") == "503", "\(stage.context)")
        #expect(try stage.who("web.test", "/new") == "404", "\(stage.context)")
    }
}
