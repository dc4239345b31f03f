import Foundation
import TestSupport
import Testing

/// The one-server shape (docs/data-plane.md) on real nginx: what it does differently from a server
/// per host must not show. Paths that differ only in case, more paths than share one regex, a path
/// too long for the route map, a missing Service among grouped paths, settings on `Prefix /` that
/// must stay on it, and body sizes checked for Content-Length and chunked bodies alike.
@Suite("End to end: the one-server data plane")
struct DataPlaneEndToEndTests {
    static let longPath = "/" + String(repeating: "l", count: 240)

    static var manifests: String {
        var text = ""
        for name in ["lower", "upper", "many", "long", "root", "free", "small"] {
            text += """
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: \(name), namespace: default}
                spec: {ports: [{port: PORT}]}

                """
        }
        var paths = ""
        for i in 0..<20 {
            paths += "      - {path: /p\(i), pathType: Prefix, backend: {service: {name: many, port: {number: PORT}}}}\n"
            paths += "      - {path: /p\(i)/deep, pathType: Prefix, backend: {service: {name: \(i == 7 ? "missing" : "long"), port: {number: PORT}}}}\n"
        }
        text += """
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: shape, namespace: default}
            spec:
              rules:
              - host: shape.test
                http:
                  paths:
                  - {path: /case, pathType: Prefix, backend: {service: {name: lower, port: {number: PORT}}}}
                  - {path: /Case, pathType: Prefix, backend: {service: {name: upper, port: {number: PORT}}}}
                  - {path: "\(longPath)", pathType: Prefix, backend: {service: {name: long, port: {number: PORT}}}}
            \(paths)
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: settings
              namespace: default
              annotations: {portico.io/proxy-body-size: "100"}
            spec:
              rules:
              - host: sized.test
                http:
                  paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: root, port: {number: PORT}}}}
                  - {path: /small, pathType: Prefix, backend: {service: {name: small, port: {number: PORT}}}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: free, namespace: default}
            spec:
              rules:
              - host: sized.test
                http:
                  paths:
                  - {path: /free, pathType: Prefix, backend: {service: {name: free, port: {number: PORT}}}}

            """
        return text
    }

    @Test func pathsCaseGroupsLongPathsAndMissingServices() throws {
        let stage = try Stage(manifests: Self.manifests, services: ["lower", "upper", "many", "long", "root", "free", "small"])
        defer { stage.stop() }
        #expect(stage.diagnostics.count == 1, "\(stage.diagnostics)")  // the missing Service
        var rows: [(String, String, String)] = [
            ("shape.test", "/case", "lower"), ("shape.test", "/case/x", "lower"), ("shape.test", "/Case", "upper"),
            ("SHAPE.test", "/Case/x", "upper"), ("shape.test", "/CASE", "404"), ("shape.test", "/cases", "404"),
            ("shape.test", Self.longPath, "long"), ("shape.test", Self.longPath + "/x", "long"), ("shape.test", Self.longPath + "x", "404"),
            ("shape.test", "/p7/deep", "503"), ("shape.test", "/p7/deeper", "many"), ("shape.test", "/p7", "many"),
            ("other.test", "/case", "404"),
        ]
        for i in [0, 1, 15, 16, 19] {
            rows += [
                ("shape.test", "/p\(i)", "many"), ("shape.test", "/p\(i)/x", "many"), ("shape.test", "/p\(i)/deep/x", "long"),
                ("shape.test", "/p\(i)x", "404"),
            ]
        }
        for (host, path, expected) in rows {
            #expect(try stage.who(host, path) == expected, "\(host)\(path)\n\(stage.context)")
        }
        // More paths than one regex holds: the host still has only a few locations.
        let regexes = stage.config.components(separatedBy: "location ~ ^(?<portico_route>/shape\\.test").count - 1
        #expect((2...5).contains(regexes), "\(regexes) grouped regexes")
    }

    /// Settings apply to the routes of the Ingress that sets them, for both ways a body is framed.
    @Test(arguments: [false, true])
    func bodySizesApplyPerRoute(chunked: Bool) throws {
        let stage = try Stage(manifests: Self.manifests, services: ["lower", "upper", "many", "long", "root", "free", "small"])
        defer { stage.stop() }
        func status(_ path: String, bytes: Int) throws -> Int {
            let body = Data(repeating: UInt8(ascii: "b"), count: bytes)
            if chunked {
                let framed = Data(String(bytes, radix: 16).utf8) + Data("\r\n".utf8) + body + Data("\r\n0\r\n\r\n".utf8)
                return try stage.request(path, host: "sized.test", method: "POST", headers: [("Transfer-Encoding", "chunked")], body: framed).status
            }
            return try stage.request(path, host: "sized.test", method: "POST", body: body).status
        }
        for (path, bytes, expected) in [
            ("/", 50, 200), ("/", 500, 413), ("/anything", 500, 413), ("/small", 50, 200), ("/small/x", 500, 413),
            ("/free", 500, 200), ("/free", 100_000, 200),
        ] {
            #expect(try status(path, bytes: bytes) == expected, "\(path) \(bytes) bytes, chunked: \(chunked)\n\(stage.context)")
        }
    }
}
