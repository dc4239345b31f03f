import PorticoModel
import PorticoRouting
import Testing

@testable import PorticoController

@Suite struct StatusPlannerTests {
    static let ours = [LoadBalancerIngress(ip: "10.0.0.9")]

    static func ing(_ name: String, _ status: [LoadBalancerIngress]?, rv: String = "5") -> Ingress {
        Ingress(
            metadata: ObjectMeta(name: name, namespace: "default", resourceVersion: rv), spec: IngressSpec(),
            status: status.map { IngressStatus(loadBalancer: LoadBalancerStatus(ingress: $0)) })
    }

    @Test(arguments: [
        // Served, no status yet: set.
        (ing("a", nil), true, ours as [LoadBalancerIngress]?),
        (ing("a", []), true, ours),
        // Served, already ours: nothing.
        (ing("a", ours), true, nil),
        // Served, someone else's or a stale address: replaced by ours.
        (ing("a", [.init(ip: "10.0.0.1")]), true, ours),
        (ing("a", ours + [.init(hostname: "lb.example.com")]), true, ours),
        // Not served and ours: cleared (class changed, left out).
        (ing("a", ours), false, []),
        // Not served and another controller's: left alone.
        (ing("a", [.init(ip: "192.0.2.1")]), false, nil),
        (ing("a", nil), false, nil),
        (ing("a", []), false, nil),
    ] as [(Ingress, Bool, [LoadBalancerIngress]?)])
    func plan(ingress: Ingress, served: Bool, expected: [LoadBalancerIngress]?) {
        let plan = StatusPlanner.plan(
            ingresses: [ingress], served: served ? [R.ref("a")] : [], publish: Self.ours)
        #expect(plan.first?.addresses == expected)
        #expect(plan.count == (expected == nil ? 0 : 1))
        #expect(plan.first.map { $0.resourceVersion == "5" && $0.namespace == "default" && $0.name == "a" } ?? true)
    }

    @Test func orderOfAddressesDoesNotMatter() {
        let publish = [LoadBalancerIngress(hostname: "lb.example.com"), LoadBalancerIngress(ip: "10.0.0.9")]
        let ingress = Self.ing("a", publish.reversed())
        #expect(StatusPlanner.plan(ingresses: [ingress], served: [R.ref("a")], publish: publish).isEmpty)
    }

    @Test func noPublishAddressWritesNothing() {
        #expect(StatusPlanner.plan(ingresses: [Self.ing("a", nil)], served: [R.ref("a")], publish: []).isEmpty)
    }

    @Test(arguments: [
        ("10.0.0.9", "10.0.0.9", nil), ("127.0.0.9", "127.0.0.9", nil), ("2001:db8::1", "2001:db8::1", nil),
        ("lb.example.com", nil, "lb.example.com"), ("localhost", nil, "localhost"),
    ] as [(String, String?, String?)])
    func publishAddresses(text: String, ip: String?, hostname: String?) {
        let address = PublishAddress(text)
        #expect(address?.loadBalancerIngress == LoadBalancerIngress(ip: ip, hostname: hostname))
    }

    @Test(arguments: ["", "10.0.0", "10.0.0.256", "Example.com", "a..b", "-a.com", "a b", "lb.example.com.", "1.2.3.4:80", "http://x", String(repeating: "a", count: 64)])
    func invalidPublishAddresses(text: String) {
        #expect(PublishAddress(text) == nil)
    }
}
