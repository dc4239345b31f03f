import Foundation

/// Manifests for end-to-end stages, `PORT` standing for the backends' port (Stage fills it in).
enum Manifest {
    /// A Service in `default` whose one port is the backends'.
    static func service(_ name: String) -> String {
        "apiVersion: v1\nkind: Service\nmetadata: {name: \(name), namespace: default}\nspec: {ports: [{port: PORT}]}\n"
    }

    /// One Ingress for one host: `paths` (path, pathType) to `service`. Annotation values are
    /// written as JSON strings, which YAML reads as they are.
    static func ingress(
        _ name: String, host: String, service: String = "app", annotations: [String: String] = [:], paths: [(String, String)] = [("/", "Prefix")]
    ) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        func quoted(_ s: String) -> String { String(decoding: (try? encoder.encode(s)) ?? Data("\"\"".utf8), as: UTF8.self) }
        let pairs = annotations.sorted { $0.key < $1.key }.map { "\(quoted($0.key)): \(quoted($0.value))" }.joined(separator: ", ")
        return """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: \(name), namespace: default, annotations: {\(pairs)}}
            spec:
              rules:
              - host: \(host)
                http:
                  paths:

            """ + paths.map { "      - {path: \($0.0), pathType: \($0.1), backend: {service: {name: \(service), port: {number: PORT}}}}\n" }.joined()
    }
}
