import Foundation
import TestSupport
import Testing

/// `portico run --expose-services` against the test API server: `kubectl label` on a Service makes
/// its host answer, and taking the label off makes it stop, each within a deadline.
@Suite("End to end: portico run with Services exposed by label", .serialized, .enabled(if: PorticoBinary.path != nil, "portico is not built"))
struct ExposeServicesRunEndToEndTests {
    @Test func labellingAServiceExposesItAndUnlabellingItStops() async throws {
        let rig = try RunEndToEndTests.Rig(extraArguments: [
            "--no-https", "--expose-services", "portico.io/expose=true", "--expose-services-domain", "apps.test",
        ])
        try await rig.serveSite()
        try await rig.server.create(RunEndToEndTests.services, rig.service("api"))
        let host = "api.default.apps.test"
        let kubeconfig = rig.runtime.file("kubeconfig").path
        func kubectl(_ arguments: String...) throws {
            let result = try runCommand(
                "kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", rig.runtime.file("kube-cache").path, "--request-timeout", "10s"] + arguments,
                timeout: 30)
            guard result.status == 0 else { throw TestSupportError("kubectl \(arguments): \(result.stderr)") }
        }
        // Not labelled: its name is no host.
        #expect(rig.who(host, "/") == "404")

        try kubectl("label", "service", "api", "portico.io/expose=true")
        let labelled = Date()
        try await eventually(timeout: .seconds(20), "the labelled Service never answered: \(rig.log)") { rig.who(host, "/x") == "api" }
        #expect(Date().timeIntervalSince(labelled) < 5, "\(Date().timeIntervalSince(labelled)) s from the label to the host")
        #expect(rig.who("a.test", "/") == "web")

        try kubectl("label", "service", "api", "portico.io/expose-")
        let unlabelled = Date()
        try await eventually(timeout: .seconds(20), "the unlabelled Service still answers: \(rig.log)") { rig.who(host, "/x") == "404" }
        #expect(Date().timeIntervalSince(unlabelled) < 5, "\(Date().timeIntervalSince(unlabelled)) s from the unlabel to 404")
        #expect(rig.who("a.test", "/") == "web")
    }
}
