import PorticoRouting

/// Hostile keys and values of ingress-nginx's global ConfigMap (`--configmap`): each must be a
/// diagnostic naming its key, and nothing of it may reach nginx.conf. Every value carries
/// `pwned` or `169.254`, which no valid config holds.
extension HostileCorpus {
    package struct GlobalEntry: Sendable, CustomStringConvertible {
        package var name: String
        package var key: String
        package var value: String
        package var description: String { name }
    }

    package static let globalEntries: [GlobalEntry] = [
        GlobalEntry(name: "body size ending the line", key: "proxy-body-size", value: "8m; } server { listen 81; return 200 pwned; } #"),
        GlobalEntry(name: "timeout with a newline", key: "proxy-read-timeout", value: "60\n    proxy_pass http://169.254.169.254;"),
        GlobalEntry(name: "buffering with a brace", key: "proxy-buffering", value: "on}pwned"),
        GlobalEntry(name: "next upstream with a variable", key: "proxy-next-upstream", value: "error $pwned"),
        GlobalEntry(name: "custom errors opening a location", key: "custom-http-errors", value: "404 = @x; } location / { return 200 pwned; }"),
        GlobalEntry(name: "header name ending the line", key: "forwarded-for-header", value: "X-Forwarded-For; set_real_ip_from 169.254.0.0/16"),
        GlobalEntry(name: "header name with a quote", key: "forwarded-for-header", value: "X-\"pwned"),
        GlobalEntry(name: "trusted range with a newline", key: "proxy-real-ip-cidr", value: "10.0.0.0/8\nset_real_ip_from 169.254.0.0/16"),
        GlobalEntry(name: "trusted range with a semicolon", key: "proxy-real-ip-cidr", value: "10.0.0.0/8; pwned"),
        GlobalEntry(name: "max-age breaking the quote", key: "hsts-max-age", value: "1; preload\"; add_header pwned 1; #"),
        GlobalEntry(name: "server tokens as a directive", key: "server-tokens", value: "on; load_module /tmp/pwned.so"),
        GlobalEntry(name: "keep-alive as a variable", key: "keep-alive", value: "$pwned"),
        GlobalEntry(name: "status with a brace", key: "limit-req-status-code", value: "429;}pwned"),
        GlobalEntry(name: "boolean with a comment", key: "use-proxy-protocol", value: "true # pwned"),
        GlobalEntry(name: "keep-alive connections with text", key: "upstream-keepalive-connections", value: "32; pwned"),
        GlobalEntry(name: "http snippet", key: "http-snippet", value: "server { listen 81; return 200 pwned; }"),
        GlobalEntry(name: "location snippet", key: "location-snippet", value: "proxy_pass http://169.254.169.254;"),
        GlobalEntry(name: "snippets allowed", key: "allow-snippet-annotations", value: "true"),
        GlobalEntry(name: "key with a newline", key: "server-tokens\nload_module /tmp/pwned.so", value: "true"),
        GlobalEntry(name: "key as a directive", key: "pwned; listen 81", value: "1"),
        GlobalEntry(name: "key as a variable", key: "$pwned", value: "1"),
        GlobalEntry(name: "huge value", key: "proxy-body-size", value: String(repeating: "9", count: 100_000) + "pwned"),
        GlobalEntry(name: "huge key", key: String(repeating: "k", count: 100_000) + "pwned", value: "1"),
    ]
}
