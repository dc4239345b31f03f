import PorticoModel
import Testing

@testable import PorticoRouting

/// ingress-nginx's `tcp-services` and `udp-services` ConfigMaps as stream servers: what is served,
/// and every entry that is not, with its diagnostic.
@Suite struct StreamRoutingTests {
    static let tcp = ObjectReference(kind: "ConfigMap", namespace: "ingress", name: "tcp-services")
    static let udp = ObjectReference(kind: "ConfigMap", namespace: "ingress", name: "udp-services")

    static func options(reserved: [Int: String] = [80: "HTTP", 443: "HTTPS", 10254: "health"]) -> RoutingOptions {
        var options = RoutingOptions()
        options.streams = StreamOptions(tcpServices: tcp, udpServices: udp, reservedPorts: reserved)
        return options
    }

    static func route(tcp: [String: String] = [:], udp: [String: String] = [:], services: [Service]) -> RoutingTable {
        var state = ClusterState(services: services)
        state.configMaps = [ConfigMap(metadata: ObjectMeta(name: "tcp-services", namespace: "ingress"), data: tcp)]
        state.configMaps.append(ConfigMap(metadata: ObjectMeta(name: "udp-services", namespace: "ingress"), data: udp))
        return Router(options: options()).route(state)
    }

    static let git = F.service("git", ports: [ServicePort(name: "ssh", port: 22), ServicePort(name: "http", port: 80)])
    static let dns = F.service(
        "dns", ns: "kube-system", ports: [ServicePort(name: "dns", port: 53, protocol: "UDP"), ServicePort(name: "dns-tcp", port: 53)])

    @Test func portsNumbersAndNamesBecomeServersResolvedByName() {
        let table = Self.route(
            tcp: ["2222": "default/git:ssh", "8022": "default/git:22:PROXY", "9022": "default/git:22:proxy:PROXY"],
            udp: ["53": "kube-system/dns:dns"], services: [Self.git, Self.dns])
        let git = Upstream(host: "git.default.svc.cluster.local", port: 22)
        #expect(
            table.streams == [
                StreamServer(port: 2222, transport: .tcp, target: .resolved(git), source: "default/git:ssh"),
                StreamServer(port: 8022, transport: .tcp, target: .resolved(git), acceptsProxyProtocol: true, source: "default/git:22"),
                StreamServer(
                    port: 9022, transport: .tcp, target: .resolved(git), acceptsProxyProtocol: true, sendsProxyProtocol: true,
                    source: "default/git:22"),
                StreamServer(
                    port: 53, transport: .udp, target: .resolved(Upstream(host: "dns.kube-system.svc.cluster.local", port: 53)),
                    source: "kube-system/dns:dns"),
            ])
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
    }

    /// Each entry left out names the ConfigMap, the key and why; the others are served.
    @Test(arguments: [
        ("80", "default/git:22", "Portico's HTTP port"), ("10254", "default/git:22", "health port"),
        ("0", "default/git:22", "not a port number"), ("70000", "default/git:22", "not a port number"),
        ("80;", "default/git:22", "not a port number"), ("-1", "default/git:22", "not a port number"),
        ("2222", "default/git", "not NAMESPACE/SERVICE:PORT"), ("2222", "git:22", "not NAMESPACE/SERVICE"),
        ("2222", "default/git:22;", "not a port number or name"), ("2222", "default/git:22:PROXY:PROXY:PROXY", "not NAMESPACE"),
        ("2222", "default/git:22:SEND", "is not PROXY"), ("2222", "../etc/git:22", "not NAMESPACE/SERVICE"),
        ("2222", "default/git:22\n}", "not a port number or name"), ("2222", "default/$git:22", "not NAMESPACE/SERVICE"),
        ("2222", "default/git:ssh2", "no TCP port \"ssh2\""), ("2222", "default/git:23", "no TCP port 23"),
        ("2222", "default/gone:ssh", "not found, so its port"), ("2222", "default/git:22 weight=0", "not weight=N"),
        ("2222", "default/git:{22}", "not a port number or name"),
    ])
    func invalidEntriesAreLeftOutWithADiagnostic(key: String, value: String, why: String) {
        let table = Self.route(tcp: [key: value, "3000": "default/git:80"], services: [Self.git])
        #expect(table.streams.map(\.port) == [3000])
        #expect(table.diagnostics.count == 1, "\(table.diagnostics)")
        let d = table.diagnostics.first
        #expect(d?.object == Self.tcp)
        #expect(d?.field == "data[\(quoted(key))]")
        #expect(d?.message.contains(why) == true, "\(d?.message ?? "")")
        #expect(d?.description.contains("\n") == false)
    }

    @Test func aMissingServiceWithANumberedPortIsServedAndReported() {
        let table = Self.route(tcp: ["5432": "db/postgres:5432"], services: [])
        #expect(table.streams.map(\.target) == [.resolved(Upstream(host: "postgres.db.svc.cluster.local", port: 5432))])
        #expect(table.diagnostics.map(\.code) == [.serviceNotFound])
    }

    @Test func udpPortsNeedUDPServicePortsAndPROXYIsDropped() {
        let table = Self.route(udp: ["53": "kube-system/dns:dns-tcp", "5353": "kube-system/dns:53:PROXY"], services: [Self.dns])
        #expect(table.streams.map(\.port) == [5353])
        #expect(table.streams.first?.acceptsProxyProtocol == false)
        #expect(table.diagnostics.map(\.message).contains { $0.contains("no UDP port \"dns-tcp\"") })
        #expect(table.diagnostics.map(\.message).contains { $0.contains("PROXY protocol is for TCP services") })
    }

    @Test func theSamePortTwiceIsServedOnce() {
        let table = Self.route(tcp: ["2222": "default/git:22", "02222": "default/git:80"], services: [Self.git])
        #expect(table.streams.map(\.source) == ["default/git:80"])
        #expect(table.diagnostics.map(\.message) == ["port 2222 is \"02222\" already; left out"])
    }

    @Test func tcpAndUDPMayShareAPort() {
        let table = Self.route(tcp: ["53": "kube-system/dns:dns-tcp"], udp: ["53": "kube-system/dns:dns"], services: [Self.dns])
        #expect(table.streams.map { "\($0.transport.rawValue) \($0.port)" } == ["TCP 53", "UDP 53"])
    }

    @Test func severalReferencesAreABalancedGroupOfClusterIPs() {
        let a = F.service("a", ports: [ServicePort(port: 5432)], clusterIP: "10.96.0.10")
        let b = F.service("b", ports: [ServicePort(name: "pg", port: 6432)], clusterIP: "10.96.0.11")
        let ext = F.service("ext", ports: [], type: "ExternalName", externalName: "192.0.2.7")
        let headless = F.service("h", ports: [ServicePort(port: 5432)], clusterIP: "None")
        let table = Self.route(
            tcp: ["5432": "default/a:5432 weight=3, default/b:pg,default/ext:5433 weight=1,default/h:5432,default/gone:5432"],
            services: [a, b, ext, headless])
        #expect(
            table.streams.map(\.target) == [
                .group([
                    StreamMember(address: "10.96.0.10", port: 5432, weight: 3), StreamMember(address: "10.96.0.11", port: 6432),
                    StreamMember(address: "192.0.2.7", port: 5433, weight: 1),
                ])
            ])
        #expect(table.diagnostics.map(\.code) == [.invalidService, .serviceNotFound], "\(table.diagnostics)")
    }

    @Test func aGroupWithNoAddressIsLeftOut() {
        let table = Self.route(tcp: ["5432": "default/gone:5432,default/other:5432"], services: [])
        #expect(table.streams.isEmpty)
        #expect(table.diagnostics.last?.message == "no reference has an address; left out")
    }

    @Test func anExternalNameAloneIsResolvedByItsName() {
        let ext = F.service("mqtt", ports: [], type: "ExternalName", externalName: "Broker.Example.COM")
        let table = Self.route(tcp: ["1883": "default/mqtt:1883"], services: [ext])
        #expect(table.streams.map(\.target) == [.resolved(Upstream(host: "broker.example.com", port: 1883))])
    }

    @Test func aMissingConfigMapIsReported() {
        let table = Router(options: Self.options()).route(ClusterState())
        #expect(table.streams.isEmpty)
        #expect(table.diagnostics.map(\.code) == [.configMapNotFound, .configMapNotFound])
        #expect(table.diagnostics.first?.description == "warning: configmap ingress/tcp-services: not found; no TCP services until it exists")
    }

    @Test func withoutTheFlagsConfigMapsAreNotRead() {
        var state = ClusterState(services: [Self.git])
        state.configMaps = [ConfigMap(metadata: ObjectMeta(name: "tcp-services", namespace: "ingress"), data: ["2222": "default/git:22"])]
        let table = Router().route(state)
        #expect(table.streams.isEmpty && table.diagnostics.isEmpty)
    }

    @Test func streamsChangeTheRoutingDigest() {
        let one = Self.route(tcp: ["2222": "default/git:22"], services: [Self.git])
        let other = Self.route(tcp: ["2223": "default/git:22"], services: [Self.git])
        #expect(!one.routesLike(other))
        #expect(one.routingDigest != other.routingDigest)
    }
}
