import Foundation
import Testing

@testable import PorticoCLI

/// `portico render --configmap`: the example's ConfigMap read from -f, its settings written as
/// the default template's lines, its snippet and unknown key reported, and nothing else changed.
@Suite struct GlobalConfigRenderTests {
    static let arguments = ["-f", RenderCommandTests.example("ingress-nginx"), "--controller-class", "k8s.io/ingress-nginx"] + RenderCommandTests.fixed

    @Test func theExamplesConfigMapIsApplied() throws {
        let out = renderCommand(arguments: Self.arguments + ["--configmap", "ingress-nginx/ingress-nginx-controller"])
        #expect(out.exitCode == 0)
        #expect(ConfigStructure.unexpectedLines(out.config) == [])
        for line in [
            "    server_tokens off;\n", "    real_ip_header X-Forwarded-For;\n", "    set_real_ip_from 10.0.0.0/8;\n",
            "    proxy_set_header X-Forwarded-Proto $portico_forwarded_proto;\n", "    proxy_set_header X-Forwarded-For $remote_addr;\n",
            "\"max-age=15724800; includeSubDomains\"", "client_max_body_size 8m;",
        ] {
            #expect(out.config.contains(line), "\(line)")
        }
        #expect(!out.config.contains("is_bot"))
        let warnings = out.diagnostics.filter { $0.contains("configmap ingress-nginx/ingress-nginx-controller") }
        #expect(warnings.count == 2, "\(out.diagnostics)")
        #expect(warnings.contains { $0.contains("data[\"http-snippet\"]: refused") })
        #expect(warnings.contains { $0.contains("data[\"use-gzip\"]") })
    }

    /// The ConfigMap is in the input either way; only the option reads it.
    @Test func withoutTheOptionTheConfigIsAsBefore() throws {
        let without = renderCommand(arguments: Self.arguments)
        #expect(without.exitCode == 0)
        #expect(without.config.contains("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"))
        #expect(!without.config.contains("real_ip_header") && !without.config.contains("$portico_forwarded_proto"))
        let with = renderCommand(arguments: Self.arguments + ["--configmap", "ingress-nginx/ingress-nginx-controller"])
        func bodySizes(_ config: String) -> Int { config.components(separatedBy: "client_max_body_size 8m;").count - 1 }
        #expect(bodySizes(with.config) > bodySizes(without.config), "the ConfigMap's default reaches Ingresses without the annotation")
        #expect(!without.diagnostics.contains { $0.contains("configmap") })
        let missing = renderCommand(arguments: Self.arguments + ["--configmap", "ingress-nginx/absent"])
        #expect(missing.diagnostics.contains { $0.contains("configmap ingress-nginx/absent: not found; the built-in defaults apply") })
        #expect(renderCommand(arguments: Self.arguments + ["--configmap", "no-slash"]).exitCode == 2)
    }
}
