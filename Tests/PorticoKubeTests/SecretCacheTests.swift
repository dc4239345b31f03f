import Foundation
import PorticoModel
import Testing

@testable import PorticoKube

/// Watching Secrets costs memory for certificates only: a Secret without `tls.crt` or `tls.key`
/// (a Helm release, a token) is not kept, and of one with them only those two keys are.
@Suite struct SecretCacheTests {
    @Test func onlyCertificatesAreKept() throws {
        let release = Secret(
            metadata: ObjectMeta(name: "sh.helm.release.v1.app.v1", namespace: "default"), type: "helm.sh/release.v1",
            data: ["release": String(repeating: "A", count: 100_000)])
        #expect(Secret.cached(release) == nil)

        var tls = Secret(
            metadata: ObjectMeta(
                name: "site", namespace: "default", labels: ["a": "b"],
                annotations: ["kubectl.kubernetes.io/last-applied-configuration": String(repeating: "x", count: 10_000)]),
            type: "Opaque", data: ["tls.crt": "Y3J0", "tls.key": "a2V5", "password": "c2VjcmV0"])
        tls.stringData = ["notes": "text"]
        let kept = try #require(Secret.cached(tls))
        // As text, a quarter smaller than the base64 it came as.
        #expect(kept.stringData == ["tls.crt": "crt", "tls.key": "key"])
        #expect(kept.data == nil && kept.metadata.annotations == nil && kept.metadata.labels == nil)
        #expect(kept.metadata.name == "site" && kept.type == "Opaque")
        #expect(kept.metadata == ObjectMeta(name: "site", namespace: "default"))

        // Not text, or not base64: kept as it came, for routing to report.
        let binary = Secret(metadata: ObjectMeta(name: "der", namespace: "default"), data: ["tls.crt": "MIIB/w==", "tls.key": "a2V5"])
        #expect(Secret.cached(binary)?.data == ["tls.crt": "MIIB/w==", "tls.key": "a2V5"])
        let garbage = Secret(metadata: ObjectMeta(name: "g", namespace: "default"), data: ["tls.crt": "%%%", "tls.key": "a2V5"])
        #expect(Secret.cached(garbage)?.data == ["tls.crt": "%%%", "tls.key": "a2V5"])

        // Other kinds are kept whole.
        let service = Service(metadata: ObjectMeta(name: "web", namespace: "default", labels: ["a": "b"]), spec: ServiceSpec(ports: []))
        #expect(Service.cached(service) == service)
    }

    /// Basic authentication's Secrets are kept too: an htpasswd file under `auth` (with the
    /// certificate keys, if any), or a Secret whose every value is a password hash (auth-map), as
    /// text; a Secret of plain passwords is not.
    @Test func htpasswdFilesAndAuthMapsAreKept() throws {
        let file = Secret(
            metadata: ObjectMeta(name: "users", namespace: "default"),
            data: ["auth": Data("alice:$apr1$x$y\n".utf8).base64EncodedString(), "notes": "bm90ZXM="])
        #expect(Secret.cached(file)?.stringData == ["auth": "alice:$apr1$x$y\n"])
        let map = Secret(
            metadata: ObjectMeta(name: "map", namespace: "default"),
            data: ["bob": Data("$2y$05$abc".utf8).base64EncodedString(), "amy": Data("{SHA}abc=".utf8).base64EncodedString()])
        #expect(Secret.cached(map)?.stringData == ["bob": "$2y$05$abc", "amy": "{SHA}abc="])
        for data in [["password": "aHVudGVyMg=="], ["bob": Data("$2y$05$abc".utf8).base64EncodedString(), "db": "aHVudGVyMg=="], ["x": "%%%"]] {
            #expect(Secret.cached(Secret(metadata: ObjectMeta(name: "p", namespace: "default"), data: data)) == nil, "\(data)")
        }
    }
}
