import ArgumentParser
import Foundation
import PorticoModel
import PorticoRender
import PorticoRouting

/// Flags shared by every command that renders nginx.conf.
struct RenderFlags: ParsableArguments {
    @Option(help: "The port nginx listens on for HTTP.")
    var httpPort: Int = 80

    @Option(help: ArgumentHelp("Listen on this IP address only (default: all addresses).", valueName: "ip"))
    var bindAddress: String?

    @Flag(name: .customLong("disable-ipv6"), help: "Listen on IPv4 only. By default nginx also listens on [::] when this machine has IPv6 (not with --bind-address).")
    var disableIPv6 = false

    @Option(help: ArgumentHelp(
        "DNS server nginx asks for Service names, e.g. 10.96.0.10 or 127.0.0.1:5353. Repeatable. "
            + "Default: the nameservers in /etc/resolv.conf (in a pod, the cluster DNS).",
        valueName: "address"))
    var resolver: [String] = []

    @Option(help: "The IngressClass name this Portico serves.")
    var ingressClass: String = "portico"

    @Option(name: .customLong("controller-class"), help: ArgumentHelp(
        "Serve the IngressClasses whose spec.controller is this (repeatable; default portico.io/ingress-controller). "
            + "k8s.io/ingress-nginx takes over ingress-nginx's class: ingressClassName nginx, the kubernetes.io/ingress.class "
            + "annotation naming it, and Ingresses without a class when it is the default IngressClass.",
        valueName: "controller"))
    var controllerClass: [String] = []

    @Flag(help: "Ignore Ingresses that name no class (by default they are served unless an IngressClass is marked default).")
    var ignoreIngressesWithoutClass = false

    @Option(help: "The cluster's DNS domain, used in upstream names <svc>.<ns>.svc.<domain>.")
    var clusterDomain: String = "cluster.local"

    @Option(help: ArgumentHelp(
        "An nginx.conf template to use instead of the built-in one (see `portico default-template`).",
        valueName: "file"))
    var template: String?

    @Option(name: .customLong("https-port"), help: ArgumentHelp(
        "The port nginx listens on for HTTPS: hosts in an Ingress's spec.tls get their Secret's certificate (by SNI), "
            + "every other name the default certificate, and plain HTTP to a spec.tls host is redirected here.",
        valueName: "port"))
    var httpsListenPort: Int = 443

    @Flag(name: .customLong("no-https"), help: "Serve plain HTTP only: no HTTPS listener, no redirects, no Secrets read (spec.tls is reported as not served).")
    var noHTTPS = false

    @Option(name: .customLong("default-ssl-certificate"), help: ArgumentHelp(
        "The Secret (tls.crt and tls.key) served for names without a certificate of their own and to clients that "
            + "send no SNI. Default, or while it is missing or invalid: a self-signed certificate made at start.",
        valueName: "namespace/name"))
    var defaultSSLCertificate: String?

    @Option(name: .customLong("tcp-services-configmap"), help: ArgumentHelp(
        "A ConfigMap of TCP services, ingress-nginx's format: each key a port nginx listens on, each value "
            + "NAMESPACE/SERVICE:PORT (a number or a name) with optional :PROXY (the client sends PROXY protocol) and "
            + ":PROXY:PROXY (nginx sends it on), or several comma-separated references with optional weight=N.",
        valueName: "namespace/name"))
    var tcpServicesConfigMap: String?

    @Option(name: .customLong("udp-services-configmap"), help: ArgumentHelp(
        "A ConfigMap of UDP services, the same format without PROXY protocol.", valueName: "namespace/name"))
    var udpServicesConfigMap: String?

    @Option(name: .customLong("configmap"), help: ArgumentHelp(
        "ingress-nginx's ConfigMap of global settings: defaults for annotations (proxy-body-size, proxy-*-timeout, ...), "
            + "use-forwarded-headers, proxy-real-ip-cidr, use-proxy-protocol, server-tokens, hsts-*, keep-alive... "
            + "(README: The ingress-nginx ConfigMap). Snippets are refused.",
        valueName: "namespace/name"))
    var globalConfigMap: String?

    @Option(name: .customLong("stream-module"), help: ArgumentHelp(
        "The nginx stream module loaded when there are TCP or UDP services (Debian's libnginx-mod-stream); "
            + "\"\" for an nginx built with it.",
        valueName: "path"))
    var streamModule: String = RenderOptions.debianStreamModule

    @Option(name: .customLong("expose-services"), help: ArgumentHelp(
        "Serve the Services this label selector selects without an Ingress (kubectl's syntax: k=v, k==v, k!=v, "
            + "'k in (a,b)', 'k notin (a,b)', k, !k, comma for and; e.g. portico.io/expose=true): each as the host in its "
            + "portico.io/host annotation, else SERVICE.NAMESPACE.DOMAIN (--expose-services-domain), path / to its "
            + "portico.io/port (a number or name), else its first TCP port; portico.io/tcp-port: \"N\" serves that port "
            + "over TCP on listen port N too. Ingress rules for the same host win.",
        valueName: "selector"))
    var exposeServices: String?

    @Option(name: .customLong("expose-services-domain"), help: ArgumentHelp(
        "The DNS domain of exposed Services without portico.io/host: SERVICE.NAMESPACE.DOMAIN. No default: without it, "
            + "such a Service is not exposed over HTTP (a warning says so).",
        valueName: "domain"))
    var exposeServicesDomain: String?
    @Flag(name: .customLong("enable-ssl-passthrough"), help: ArgumentHelp(
        "Honour the ssl-passthrough annotation, as ingress-nginx's flag of this name: TLS connections on the HTTPS port "
            + "whose SNI name is such an Ingress's host go to its Service untouched; every other name reaches Portico's "
            + "HTTPS, which then listens on loopback behind them."))
    var enableSSLPassthrough = false

    @Option(name: .customLong("ssl-passthrough-proxy-port"), help: ArgumentHelp(
        "With --enable-ssl-passthrough: the loopback port Portico's HTTPS listens on behind the HTTPS port (PROXY protocol).",
        valueName: "port"))
    var sslPassthroughProxyPort: Int = 442

    @Option(name: .customLong("ssl-passthrough-relay-port"), help: ArgumentHelp(
        "With --enable-ssl-passthrough: the loopback port of the relay to the passed-through hosts.", valueName: "port"))
    var sslPassthroughRelayPort: Int = 441

    /// The HTTPS port, nil with --no-https.
    var httpsPort: Int? { noHTTPS ? nil : httpsListenPort }

    @Option(help: "Strict-Transport-Security max-age in seconds, on HTTPS responses of hosts with their own certificate.")
    var hstsMaxAge: Int = 31_536_000

    @Flag(inversion: .prefixedNo, help: "Add includeSubDomains to Strict-Transport-Security.")
    var hstsIncludeSubdomains = true

    @Flag(help: "Add preload to Strict-Transport-Security.")
    var hstsPreload = false

    @Flag(name: .customLong("no-hsts"), help: "Send no Strict-Transport-Security header.")
    var noHSTS = false

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    func settings(logs: RenderOptions.Logs = .prefixFiles) throws -> RenderSettings {
        guard PorticoRouting.Validation.isSubdomain(ingressClass) else {
            throw Invalid(
                description: "--ingress-class: \"\(ingressClass.prefix(80))\" is not an IngressClass name "
                    + "(lowercase letters, digits, '-' and '.')")
        }
        for controller in controllerClass where !Validation.isControllerName(controller) {
            throw Invalid(
                description: "--controller-class: \(MessageText.quoted(controller)) is not an IngressClass controller "
                    + "(a domain-prefixed path such as k8s.io/ingress-nginx)")
        }
        guard Validation.isClusterDomain(clusterDomain) else {
            throw Invalid(description: "--cluster-domain: \"\(clusterDomain)\" is not a DNS domain")
        }
        var resolvers = resolver
        if resolvers.isEmpty { resolvers = SystemResolvers.read() }
        if resolvers.isEmpty { resolvers = ["127.0.0.1"] }
        let ipv6 = !disableIPv6 && bindAddress == nil && IPv6Support.available()
        guard (0...999_999_999).contains(hstsMaxAge) else {
            throw Invalid(description: "--hsts-max-age: \(hstsMaxAge) is not a number of seconds (0-999999999)")
        }
        var hsts = "max-age=\(hstsMaxAge)"
        if hstsIncludeSubdomains { hsts += "; includeSubDomains" }
        if hstsPreload { hsts += "; preload" }
        var render = RenderOptions(
            httpPort: httpPort, bindAddress: bindAddress, listenIPv6: ipv6, resolvers: resolvers, logs: logs,
            httpsPort: httpsPort, sessionTicketKey: httpsPort == nil ? nil : Self.ticketKeyPath,
            strictTransportSecurity: noHSTS ? nil : hsts)
        render.streamModule = streamModule
        if enableSSLPassthrough {
            guard httpsPort != nil else {
                throw Invalid(description: "--enable-ssl-passthrough: HTTPS is off (--no-https); drop one of the two")
            }
            render.sslPassthrough = SSLPassthroughPorts(termination: sslPassthroughProxyPort, relay: sslPassthroughRelayPort)
        }
        try render.validate()
        var renderer = ConfigRenderer()
        if let template {
            guard let data = FileManager.default.contents(atPath: template),
                let text = String(data: data, encoding: .utf8)
            else {
                throw Invalid(description: "--template: cannot read \(template)")
            }
            renderer = ConfigRenderer(template: try Template(text, source: template))
        }
        var routing = RoutingOptions(
            ingressClass: ingressClass, serveIngressesWithoutClass: !ignoreIngressesWithoutClass,
            clusterDomain: clusterDomain, servesHTTPS: httpsPort != nil, defaultCertificate: try defaultCertificate(),
            controllerClasses: controllerClass.isEmpty ? [RoutingOptions.controllerName] : controllerClass)
        routing.streams = try streams()
        routing.expose = try exposure()
        routing.globalConfigMap = try Self.configMap(globalConfigMap, flag: "configmap")
        routing.sslPassthrough = render.sslPassthrough != nil
        return RenderSettings(routing: routing, render: render, renderer: renderer)
    }
}

extension RenderFlags {
    /// `--default-ssl-certificate NAMESPACE/NAME` as the Secret it names.
    func defaultCertificate() throws -> ObjectReference? {
        guard let value = defaultSSLCertificate else { return nil }
        let parts = value.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, PorticoRouting.Validation.isLabel(parts[0]), PorticoRouting.Validation.isSubdomain(parts[1])
        else {
            throw Invalid(
                description: "--default-ssl-certificate: \(MessageText.quoted(value)) is not NAMESPACE/NAME of a Secret "
                    + "(e.g. ingress/wildcard-tls)")
        }
        guard httpsPort != nil else {
            throw Invalid(description: "--default-ssl-certificate: HTTPS is off (--no-https); drop one of the two")
        }
        return ObjectReference(kind: "Secret", namespace: parts[0], name: parts[1])
    }

    /// The TCP and UDP services' ConfigMaps, and the ports they may not take (the health and
    /// status ports are `portico run`'s, which adds them).
    func streams() throws -> StreamOptions {
        var reserved = [httpPort: "HTTP"]
        if let httpsPort { reserved[httpsPort] = "HTTPS" }
        if enableSSLPassthrough {
            reserved[sslPassthroughProxyPort] = "SSL passthrough proxy"
            reserved[sslPassthroughRelayPort] = "SSL passthrough relay"
        }
        return StreamOptions(
            tcpServices: try Self.configMap(tcpServicesConfigMap, flag: "tcp-services-configmap"),
            udpServices: try Self.configMap(udpServicesConfigMap, flag: "udp-services-configmap"), reservedPorts: reserved)
    }

    /// `--expose-services` and `--expose-services-domain`, validated.
    func exposure() throws -> ServiceExposure? {
        if let domain = exposeServicesDomain {
            guard exposeServices != nil else {
                throw Invalid(description: "--expose-services-domain: needs --expose-services (the Services to expose)")
            }
            guard Validation.isClusterDomain(domain), PorticoRouting.Validation.isSubdomain(domain) else {
                throw Invalid(description: "--expose-services-domain: \(MessageText.quoted(domain)) is not a DNS name (e.g. apps.example.com)")
            }
        }
        guard let text = exposeServices else { return nil }
        do {
            return ServiceExposure(selector: try LabelSelector(parsing: text), domain: exposeServicesDomain)
        } catch {
            throw Invalid(description: "--expose-services: \(MessageText.quoted(text)) is not a label selector: \(error.message)")
        }
    }

    static func configMap(_ value: String?, flag: String) throws -> ObjectReference? {
        guard let value else { return nil }
        let parts = value.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, PorticoRouting.Validation.isLabel(parts[0]), PorticoRouting.Validation.isSubdomain(parts[1]) else {
            throw Invalid(description: "--\(flag): \(MessageText.quoted(value)) is not NAMESPACE/NAME of a ConfigMap (e.g. ingress/tcp-services)")
        }
        return ObjectReference(kind: "ConfigMap", namespace: parts[0], name: parts[1])
    }

    /// Where nginx finds the key that encrypts TLS session tickets, relative to its prefix.
    static let ticketKeyPath = "tls/ticket.key"
}

struct RenderSettings {
    var routing: RoutingOptions
    var render: RenderOptions
    var renderer: ConfigRenderer
}

enum Validation {
    /// An IngressClass `spec.controller`: a DNS subdomain, then a path of name characters
    /// (`example.com/name`, `k8s.io/ingress-nginx`), at most 250 bytes.
    static func isControllerName(_ s: String) -> Bool {
        guard s.utf8.count <= 250, let slash = s.firstIndex(of: "/") else { return false }
        let domain = String(s[..<slash]), path = s[s.index(after: slash)...]
        return PorticoRouting.Validation.isSubdomain(domain) && !path.isEmpty
            && path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
                !segment.isEmpty
                    && segment.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }
            }
    }

    static func isClusterDomain(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 253
            && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
            }
    }
}
