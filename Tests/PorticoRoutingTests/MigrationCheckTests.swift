import Foundation
import PorticoModel
import Testing

@testable import PorticoRouting

/// `MigrationCheck` says what `Router` does: an Ingress the check calls honoured routes without a
/// word about its annotations, and one it says is left out is left out.
@Suite struct MigrationCheckTests {
    static let cases: [[String: String]] = [
        [:],
        ["nginx.ingress.kubernetes.io/proxy-body-size": "8m", "nginx.ingress.kubernetes.io/proxy-read-timeout": "120"],
        ["nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8"],
        ["nginx.ingress.kubernetes.io/whitelist-source-range": "not a range"],
        ["nginx.ingress.kubernetes.io/rewrite-target": "/$1"],
        ["nginx.ingress.kubernetes.io/auth-type": "basic"],
        ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "10"],
        ["nginx.ingress.kubernetes.io/canary": "false", "nginx.ingress.kubernetes.io/canary-weight": "10"],
        ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
         "nginx.ingress.kubernetes.io/canary-by-header-pattern": "[][**da?$&*", "nginx.ingress.kubernetes.io/canary-by-cookie": "beta",
         "nginx.ingress.kubernetes.io/proxy-read-timeout": "5", "nginx.ingress.kubernetes.io/auth-type": "basic"],
        ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-by-header": "X.Canary"],
        ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-by-cookie": "my-cookie"],
        ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "1",
         "nginx.ingress.kubernetes.io/canary-weight-total": "300"],
        ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/affinity": "cookie"],
        ["nginx.ingress.kubernetes.io/server-snippet": "return 200;"],
        ["nginx.ingress.kubernetes.io/ssl-redirect": "false", "nginx.ingress.kubernetes.io/service-upstream": "true"],
        ["nginx.ingress.kubernetes.io/ssl-redirect": "true"],
        ["portico.io/proxy-send-timeout": "5", "nginx.ingress.kubernetes.io/proxy-send-timeout": "50k"],
        ["portico.io/made-up": "x"],
        ["nginx.ingress.kubernetes.io/proxy-buffering": "off", "nginx.ingress.kubernetes.io/proxy-next-upstream": "error http_502",
         "nginx.ingress.kubernetes.io/upstream-vhost": "api.internal", "nginx.ingress.kubernetes.io/enable-access-log": "false"],
        ["nginx.ingress.kubernetes.io/proxy-buffers-number": "2", "nginx.ingress.kubernetes.io/proxy-http-version": "2.0"],
        ["nginx.ingress.kubernetes.io/x-forwarded-prefix": "/shop"],
        ["nginx.ingress.kubernetes.io/x-forwarded-prefix": "/shop", "nginx.ingress.kubernetes.io/rewrite-target": "/x"],
        ["nginx.ingress.kubernetes.io/backend-protocol": "HTTPS"],
        ["nginx.ingress.kubernetes.io/backend-protocol": "GRPC"],
        ["nginx.ingress.kubernetes.io/backend-protocol": "HTTPS", "nginx.ingress.kubernetes.io/proxy-ssl-secret": "default/ssl",
         "nginx.ingress.kubernetes.io/proxy-ssl-verify": "maybe", "portico.io/proxy-ssl-protocols": "TLSv1.3", "nginx.ingress.kubernetes.io/proxy-ssl-name": "a;b"],
        ["nginx.ingress.kubernetes.io/backend-protocol": "HTTPS", "nginx.ingress.kubernetes.io/proxy-ssl-secret": "default/ssl\"; #"],
        ["nginx.ingress.kubernetes.io/service-upstream": "false"],
        ["nginx.ingress.kubernetes.io/use-regex": "true"], ["nginx.ingress.kubernetes.io/use-regex": "maybe"],
        ["portico.io/rewrite-target": "/$1", "nginx.ingress.kubernetes.io/rewrite-target": "/x"],
        ["nginx.ingress.kubernetes.io/rewrite-target": "/$host"], ["nginx.ingress.kubernetes.io/rewrite-target": "/"], ["nginx.ingress.kubernetes.io/rewrite-target": "/a;b"],
        ["cert-manager.io/cluster-issuer": "letsencrypt", "kubernetes.io/ingress.class": "portico"],
    ]

    @Test(arguments: cases, [false, true])
    func theCheckAgreesWithRouting(_ annotations: [String: String], https: Bool) throws {
        let options = RoutingOptions(servesHTTPS: https)
        let ingress = F.ingress("web", annotations: annotations, rules: [F.rule("a.test", F.path("/"))])
        // A canary needs its main Ingress to serve anything, as in ingress-nginx.
        let main = F.ingress("main", rules: [F.rule("a.test", F.path("/", svc: "main"))])
        let canary = annotations["nginx.ingress.kubernetes.io/canary"] == "true"
        let state = ClusterState(ingresses: [ingress] + (canary ? [main] : []), services: [F.service("web"), F.service("main")])
        let table = Router(options: options).route(state)
        let report = try #require(MigrationCheck.check(state, options: options).first { $0.name == "web" })
        if canary { #expect(table.vhost("a.test")?.locations.first?.canary != nil) }
        #expect(report.served)
        let leftOut = table.vhost("a.test") == nil
        let codes = Set(table.diagnostics.map(\.code))
        let notHonoured: Set<Diagnostic.Code> = [.unsupportedAnnotation, .accessControlNotHonoured, .canaryNotServed]
        switch report.status {
        case .honoured:
            #expect(!leftOut && codes.isDisjoint(with: notHonoured), "\(annotations): \(table.diagnostics)")
        case .honouredDifferently:
            #expect(!leftOut, "\(annotations)")
        case .unsupported, .refused:
            #expect(!codes.isDisjoint(with: notHonoured), "\(annotations): \(report.findings) but \(table.diagnostics)")
        }
        let leavesOut = report.findings.contains { $0.detail.contains("left out") }
        #expect(leavesOut == leftOut, "\(annotations): \(report.findings), served: \(!leftOut)")
        // Every annotation an ingress controller reads is in the report; the others are not.
        let read = annotations.keys.filter { $0.hasPrefix("nginx.ingress.kubernetes.io/") || $0.hasPrefix("portico.io/") || $0 == "kubernetes.io/ingress.class" }
        #expect(Set(report.findings.map(\.subject).filter { !$0.hasPrefix("spec.") }) == Set(read))
        // A host matched as ingress-nginx did is said once per rule.
        let regex = table.vhost("a.test")?.locations.contains { $0.match == .regex } ?? false
        #expect(report.findings.contains { $0.subject == "spec.rules[0]" } == regex, "\(annotations): \(report.findings)")
    }

    /// What each canary annotation gets, and the canary's paths that find no main route.
    @Test func aCanaryIsReportedAsRoutingReadsIt() throws {
        let canary = F.ingress(
            "canary",
            annotations: [
                "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-by-header": "X.Canary",
                "nginx.ingress.kubernetes.io/canary-by-cookie": "beta", "nginx.ingress.kubernetes.io/canary-weight": "1",
                "nginx.ingress.kubernetes.io/canary-weight-total": "300", "nginx.ingress.kubernetes.io/configuration-snippet": "x",
                "nginx.ingress.kubernetes.io/canary-by-header-pattern": "^a",
            ],
            rules: [F.rule("a.test", F.path("/", svc: "web"), F.path("/none", svc: "web"))])
        let main = F.ingress("main", rules: [F.rule("a.test", F.path("/", svc: "main")), F.rule("b.test", F.path("/", svc: "main"))])
        let state = ClusterState(ingresses: [canary, main], services: [F.service("web"), F.service("main")])
        let report = try #require(MigrationCheck.check(state, options: RoutingOptions()).first { $0.name == "canary" })
        let statuses = Dictionary(uniqueKeysWithValues: report.findings.map { ($0.subject, $0.status) })
        let n = "nginx.ingress.kubernetes.io/"
        #expect(statuses == [
            n + "canary": .honoured, n + "canary-by-header": .honouredDifferently, n + "canary-by-cookie": .honoured,
            n + "canary-weight": .honouredDifferently, n + "canary-weight-total": .honouredDifferently,
            n + "configuration-snippet": .honoured, n + "canary-by-header-pattern": .honoured,
            "spec.rules[0].http.paths[1]": .honoured, "spec.rules": .honouredDifferently,
        ])
        #expect(report.findings.first { $0.subject == "spec.rules" }?.detail.hasPrefix("1 other route to main.default.svc.cluster.local:80 ") == true)
        #expect(report.findings.first { $0.subject == n + "canary-weight" }?.detail.contains("0.33%") == true)
        #expect(report.status == .honouredDifferently)
    }

    @Test func prefixPathsEndingInASlashAreSaidToDiffer() throws {
        let ingress = F.ingress("web", rules: [F.rule("a.test", F.path("/api/"), F.path("/"), F.path("/x", "Exact"))])
        let report = try #require(MigrationCheck.check(ClusterState(ingresses: [ingress], services: [F.service("web")]), options: RoutingOptions()).first)
        #expect(report.findings.map(\.subject) == ["spec.rules[0].http.paths[0].path"])
        #expect(report.status == .honouredDifferently)
    }
}
