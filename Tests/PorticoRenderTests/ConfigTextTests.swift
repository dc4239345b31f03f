import PorticoRender
import PorticoRouting
import Testing

/// The streamed rendering that `portico run` writes nginx.conf with gives the same bytes as the
/// String one the golden files check.
struct ConfigTextTests {
    /// Counts the pieces it is given, to show the text arrives piece by piece.
    struct Pieces: TextOutputStream {
        var text = ""
        var count = 0
        mutating func write(_ string: String) {
            text += string
            count += 1
        }
    }

    @Test func streamedTextEqualsTheRenderedString() throws {
        let source = ObjectReference(kind: "Ingress", namespace: "default", name: "web")
        let upstream = Upstream(host: "web.default.svc.cluster.local", port: 80)
        var hosts: [VirtualHost] = []
        for i in 0..<50 {
            let host = try #require(Host("h\(i).example.com"))
            hosts.append(
                VirtualHost(host: host, locations: [
                    Location(path: "/a", match: .prefix, backend: .upstream(upstream), source: source, field: "spec.rules[\(i)]"),
                    Location(path: "/b", match: .exact, backend: .unavailable(status: 503), source: source, field: "spec.rules[\(i)]"),
                ]))
        }
        let table = RoutingTable(virtualHosts: hosts, upstreams: [upstream])
        let options = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"], generation: 3)
        let whole = try ConfigRenderer().render(table, options: options)
        var pieces = Pieces()
        let text = ConfigRenderer().text(table, options: options)
        try text.write(to: &pieces)
        #expect(pieces.text == whole)
        #expect(pieces.count > 1000)
        #expect(try text.string() == whole)
        #expect(text.renderDuration > .zero)
    }
}
