import PorticoModel
import Testing

@testable import PorticoRouting

/// `custom-http-errors` and `default-backend` as ingress-nginx reads them: a list of 400-599
/// (spaces allowed), a Service of the Ingress's namespace at its first port; invalid values are
/// reported and the default (none) applies.
@Suite struct CustomErrorsTests {
    static let codes = "nginx.ingress.kubernetes.io/custom-http-errors"
    static let backend = "nginx.ingress.kubernetes.io/default-backend"

    static func route(_ annotations: [String: String], paths: [HTTPIngressPath] = [F.path("/")]) -> RoutingTable {
        let errors = F.service("errors", ports: [ServicePort(name: "http", port: 8080), ServicePort(name: "other", port: 9090)])
        let other = F.service("errors", ns: "other")
        let ingress = F.ingress("i", annotations: annotations, rules: [IngressRule(host: "a.test", paths: paths)])
        return Router().route(
            ClusterState(ingresses: [ingress], services: [F.service("web"), errors, other, F.service("portless", ports: [])]))
    }

    @Test(arguments: [
        ("404", [404]), ("503,404, 404 ,500", [404, 500, 503]), ("400,599", [400, 599]), ("", []), (" 4 0 4 ", [404]),
    ])
    func listsOfCodes(value: String, expected: [Int]) {
        #expect(RoutingRun.errorCodes(value) == expected)
    }

    @Test(arguments: ["399", "600", "404;", "404 = @x", "abc", "4040", "+404", "404,,x", String(repeating: "404,", count: 2000)])
    func notListsOfCodes(value: String) {
        #expect(RoutingRun.errorCodes(value) == nil)
        let table = Self.route([Self.codes: value])
        #expect(table.vhost("a.test")?.locations.first?.options.customErrors == nil)
        #expect(table.diagnostics.map(\.code) == [.invalidAnnotation], "\(table.diagnostics)")
    }

    @Test func theDefaultBackendIsAServiceOfTheIngresssNamespaceAtItsFirstPort() {
        let table = Self.route([Self.codes: "404,503", Self.backend: "errors"], paths: [F.path("/"), F.path("/named", portName: "http")])
        let errors = F.upstream("errors", 8080)
        guard case .upstream(let u) = errors else { return }
        let locations = table.vhost("a.test")?.locations ?? []
        #expect(locations.map { $0.options.customErrors?.defaultBackend } == [u, u])
        #expect(locations.map { $0.options.customErrors?.codes } == [[404, 503], [404, 503]])
        #expect(locations.map { $0.options.customErrors?.origin?.port } == ["80", "http"])
        #expect(locations.first?.options.customErrors?.origin == CustomErrors.Origin(namespace: "default", ingress: "i", service: "web", port: "80"))
        // Its address is one of the table's upstreams (the checker allows no other).
        #expect(table.upstreams.contains(u))
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
    }

    @Test(arguments: [
        ("missing", Diagnostic.Code.serviceNotFound), ("portless", .portNotFound), ("Errors", .invalidAnnotation),
        ("errors; return 200", .invalidAnnotation), ("other/errors", .invalidAnnotation),
    ])
    func aDefaultBackendThatIsNoServiceIsNone(name: String, code: Diagnostic.Code) {
        let table = Self.route([Self.codes: "404", Self.backend: name])
        #expect(table.vhost("a.test")?.locations.first?.options.customErrors == CustomErrors(codes: [404]))
        #expect(table.diagnostics.map(\.code) == [code], "\(table.diagnostics)")
    }

    @Test func aMissingServiceIsTheDefaultBackendsUnlessAccessIsRestricted() {
        let missing = [F.path("/gone", svc: "gone"), F.path("/noport", port: 81), F.path("/")]
        let table = Self.route([Self.backend: "errors"], paths: missing)
        let locations = table.vhost("a.test")?.locations ?? []
        #expect(locations.map(\.backend) == [F.upstream("web"), .unavailable(status: 503), .unavailable(status: 503)])
        #expect(locations.allSatisfy { $0.options.customErrors?.defaultBackend != nil })
        #expect(locations.map { $0.options.customErrors?.origin?.service } == ["web", "gone", "web"])
        // The default backend would serve them unrestricted: they answer 503 as before.
        let restricted = Self.route(
            [Self.backend: "errors", "nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8"], paths: missing)
        #expect(restricted.vhost("a.test")?.locations.suffix(2).allSatisfy { $0.options.customErrors == nil } == true)
        #expect(restricted.vhost("a.test")?.locations.first?.options.customErrors?.defaultBackend != nil)
    }

    @Test func porticoWinsAndGRPCIsNotServed() {
        let table = Self.route([Self.codes: "404", "portico.io/custom-http-errors": "500"])
        #expect(table.vhost("a.test")?.locations.first?.options.customErrors?.codes == [500])
        let grpc = Self.route([Self.codes: "404", "nginx.ingress.kubernetes.io/backend-protocol": "GRPC"])
        #expect(grpc.vhost("a.test")?.locations.first?.options.customErrors == nil)
        #expect(grpc.diagnostics.map(\.code) == [.unsupportedAnnotation], "\(grpc.diagnostics)")
    }

    @Test func porticoCheckSaysHowItDiffers() {
        func finding(_ annotations: [String: String], _ key: String) -> MigrationCheck.Finding? {
            MigrationCheck.annotations(Annotations(annotations), options: RoutingOptions()).first { $0.subject == key }
        }
        #expect(finding([Self.codes: "404,502", Self.backend: "errors"], Self.codes)?.status == .honoured)
        #expect(finding([Self.codes: "404", Self.backend: "errors"], Self.codes)?.status == .honouredDifferently)
        #expect(finding([Self.codes: "404"], Self.codes)?.status == .honouredDifferently)
        #expect(finding([Self.codes: "4o4"], Self.codes)?.status == .honoured)
        #expect(finding([Self.backend: "errors"], Self.backend)?.status == .honouredDifferently)
    }
}
