import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

/// The checker reads back what ingress-nginx's ConfigMap (`--configmap`) adds to the http
/// context, the listeners and the headers every proxy sends; any change of them is refused.
@Suite struct ConfigCheckerGlobalConfigTests {
    static let reference = ObjectReference(kind: "ConfigMap", namespace: "ingress", name: "portico")

    static func ingress(_ name: String, host: String, service: String = "web", annotations: [String: String] = [:]) -> Ingress {
        let path = HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service(service, port: ServiceBackendPort(number: 80)))
        return Ingress(
            metadata: ObjectMeta(name: name, namespace: "default", annotations: annotations),
            spec: IngressSpec(rules: [IngressRule(host: host, paths: [path])]))
    }

    static func table(_ data: [String: String], https: Bool = true) -> RoutingTable {
        var options = RoutingOptions(servesHTTPS: https)
        options.globalConfigMap = reference
        let web = ingress("web", host: "a.test")
        // A named location with headers of its own, and one with the default backend's.
        let vhost = ingress("vhost", host: "b.test", annotations: ["nginx.ingress.kubernetes.io/upstream-vhost": "api.internal"])
        let errors = ingress("errors", host: "c.test", service: "missing", annotations: ["nginx.ingress.kubernetes.io/default-backend": "web"])
        let service = Service(metadata: ObjectMeta(name: "web", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(name: "http", port: 80)]))
        var state = ClusterState(ingresses: [web, vhost, errors], services: [service])
        state.configMaps = [ConfigMap(metadata: ObjectMeta(name: "portico", namespace: "ingress"), data: data)]
        return Router(options: options).route(state)
    }

    static let full = [
        "server-tokens": "true", "keep-alive": "30", "keep-alive-requests": "50", "limit-req-status-code": "429",
        "limit-conn-status-code": "430", "use-forwarded-headers": "true", "compute-full-forwarded-for": "true",
        "forwarded-for-header": "X-Client-IP", "proxy-real-ip-cidr": "10.0.0.0/8,192.168.0.0/16", "hsts-max-age": "600",
        "proxy-body-size": "8m",
    ]

    static let options = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"], httpsPort: 8443)

    static func problems(_ config: String, _ table: RoutingTable, _ options: RenderOptions = options) -> [ConfigProblem] {
        ConfigChecker().check(config, table: table, options: options)
    }

    @Test(arguments: [full, [:], ["use-proxy-protocol": "true"], ["use-forwarded-headers": "true"], ["hsts": "false"]])
    func acceptsWhatTheRendererMakes(data: [String: String]) throws {
        let table = Self.table(data)
        let config = try ConfigRenderer().render(table, options: Self.options)
        #expect(Self.problems(config, table) == [], "\(config)")
        let plain = Self.table(data, https: false)
        let noHTTPS = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"])
        #expect(Self.problems(try ConfigRenderer().render(plain, options: noHTTPS), plain, noHTTPS) == [])
    }

    @Test func writesTheSettings() throws {
        let config = try ConfigRenderer().render(Self.table(Self.full), options: Self.options)
        for line in [
            "server_tokens on;", "keepalive_timeout 30s;", "keepalive_requests 50;", "limit_req_status 429;", "limit_conn_status 430;",
            "real_ip_header X-Client-IP;", "real_ip_recursive on;", "set_real_ip_from 10.0.0.0/8;", "set_real_ip_from 192.168.0.0/16;",
            "proxy_set_header X-Forwarded-For $portico_full_forwarded_for;", "proxy_set_header X-Forwarded-Proto $portico_forwarded_proto;",
            "proxy_set_header X-Forwarded-Host $portico_forwarded_host;", #"default "$http_x_forwarded_for, $realip_remote_addr";"#,
            #"https "max-age=600; includeSubDomains";"#, "client_max_body_size 8m;",
        ] {
            #expect(config.contains(line), "\(line)")
        }
        let proxy = try ConfigRenderer().render(Self.table(["use-proxy-protocol": "true"]), options: Self.options)
        for line in ["listen 8080 proxy_protocol default_server;", "listen 8443 proxy_protocol ssl http2 default_server;",
            "real_ip_header proxy_protocol;", "set_real_ip_from 0.0.0.0/0;", "proxy_set_header X-Forwarded-For $remote_addr;"] {
            #expect(proxy.contains(line), "\(line)")
        }
    }

    /// (what, from, to): each must be caught in the config of `full`.
    static let mutations: [(String, String, String)] = [
        ("server tokens shown", "server_tokens on;", "server_tokens off;"),
        ("another keep-alive", "keepalive_timeout 30s;", "keepalive_timeout 3000s;"),
        ("keep-alive requests dropped", "    keepalive_requests 50;\n", ""),
        ("limited requests answered otherwise", "limit_req_status 429;", "limit_req_status 444;"),
        ("another header believed", "real_ip_header X-Client-IP;", "real_ip_header X-Forwarded-For;"),
        ("one more proxy trusted", "set_real_ip_from 10.0.0.0/8;", "set_real_ip_from 0.0.0.0/0;"),
        ("a trusted range dropped", "    set_real_ip_from 192.168.0.0/16;\n", ""),
        ("the client's chain dropped", "proxy_set_header X-Forwarded-For $portico_full_forwarded_for;",
         "proxy_set_header X-Forwarded-For $remote_addr;"),
        ("the client's chain without the connection", #"default "$http_x_forwarded_for, $realip_remote_addr";"#,
         "default $http_x_forwarded_for;"),
        ("the forwarded scheme not passed on", "proxy_set_header X-Forwarded-Proto $portico_forwarded_proto;",
         "proxy_set_header X-Forwarded-Proto $scheme;"),
        ("the forwarded scheme from elsewhere", "default $http_x_forwarded_proto;", "default $http_x_forwarded_host;"),
        ("PROXY protocol read where it is not asked for", "listen 8080 default_server;", "listen 8080 proxy_protocol default_server;"),
        ("another HSTS max-age", #"https "max-age=600; includeSubDomains";"#, #"https "max-age=60; includeSubDomains";"#),
    ]

    @Test(arguments: mutations)
    func refusesEveryChange(what: String, from: String, to: String) throws {
        let table = Self.table(Self.full)
        let config = try ConfigRenderer().render(table, options: Self.options)
        let changed = try #require(mutated(config, what, from: from, to: to))
        #expect(!Self.problems(changed, table).isEmpty, "\(what) was not caught")
    }

    /// The headers of the named locations with their own and of the default backend follow the ConfigMap.
    @Test func refusesDefaultHeadersInLocationsOfTheirOwn() throws {
        let table = Self.table(Self.full)
        let config = try ConfigRenderer().render(table, options: Self.options)
        let lines = config.split(separator: "\n", omittingEmptySubsequences: false)
        let indices = lines.indices.filter { lines[$0].contains("X-Forwarded-For $portico_full_forwarded_for") }
        #expect(indices.count >= 3, "the http context, a named location and the default backend")
        for i in indices {
            var copy = lines
            copy[i] = copy[i].replacingOccurrences(of: "$portico_full_forwarded_for", with: "$proxy_add_x_forwarded_for")[...]
            #expect(!Self.problems(copy.joined(separator: "\n"), table).isEmpty, "line \(i + 1): \(lines[i])")
        }
    }

    /// Without --configmap none of it may appear.
    @Test func withoutTheConfigMapNothingOfIt() throws {
        let table = Router(options: RoutingOptions()).route(ClusterState(ingresses: [], services: []))
        let options = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"])
        let config = try ConfigRenderer().render(table, options: options)
        #expect(Self.problems(config, table, options) == [])
        for (what, from, to) in [
            ("server tokens", "server_tokens off;", "server_tokens on;"),
            ("real IP", "resolver_timeout 5s;", "resolver_timeout 5s;\n    real_ip_header X-Forwarded-For;\n    set_real_ip_from 0.0.0.0/0;"),
            ("the client's X-Forwarded-For dropped", "X-Forwarded-For $proxy_add_x_forwarded_for;", "X-Forwarded-For $remote_addr;"),
            ("a forwarded-headers map", "resolver_timeout 5s;",
             "resolver_timeout 5s;\n    map $http_x_forwarded_proto $portico_forwarded_proto {\n        \"\" $scheme;\n        default $http_x_forwarded_proto;\n    }"),
        ] {
            let changed = try #require(mutated(config, what, from: from, to: to))
            #expect(!Self.problems(changed, table, options).isEmpty, "\(what) was not caught")
        }
    }
}
