import PorticoRouting

/// Hostile keys and values of ingress-nginx's global ConfigMap (`--configmap`): each must be a
/// diagnostic naming its key, and nothing of it may reach nginx.conf. Every value carries
/// `pwned` or `169.254`, which no valid config holds.
extension HostileCorpus {
    package static let globalEntries: [ConfigMapEntry] = [
        ConfigMapEntry(name: "body size ending the line", key: "proxy-body-size", value: "8m; } server { listen 81; return 200 pwned; } #"),
        ConfigMapEntry(name: "timeout with a newline", key: "proxy-read-timeout", value: "60\n    proxy_pass http://169.254.169.254;"),
        ConfigMapEntry(name: "buffering with a brace", key: "proxy-buffering", value: "on}pwned"),
        ConfigMapEntry(name: "next upstream with a variable", key: "proxy-next-upstream", value: "error $pwned"),
        ConfigMapEntry(name: "custom errors opening a location", key: "custom-http-errors", value: "404 = @x; } location / { return 200 pwned; }"),
        ConfigMapEntry(name: "header name ending the line", key: "forwarded-for-header", value: "X-Forwarded-For; set_real_ip_from 169.254.0.0/16"),
        ConfigMapEntry(name: "header name with a quote", key: "forwarded-for-header", value: "X-\"pwned"),
        ConfigMapEntry(name: "trusted range with a newline", key: "proxy-real-ip-cidr", value: "10.0.0.0/8\nset_real_ip_from 169.254.0.0/16"),
        ConfigMapEntry(name: "trusted range with a semicolon", key: "proxy-real-ip-cidr", value: "10.0.0.0/8; pwned"),
        ConfigMapEntry(name: "max-age breaking the quote", key: "hsts-max-age", value: "1; preload\"; add_header pwned 1; #"),
        ConfigMapEntry(name: "server tokens as a directive", key: "server-tokens", value: "on; load_module /tmp/pwned.so"),
        ConfigMapEntry(name: "keep-alive as a variable", key: "keep-alive", value: "$pwned"),
        ConfigMapEntry(name: "status with a brace", key: "limit-req-status-code", value: "429;}pwned"),
        ConfigMapEntry(name: "boolean with a comment", key: "use-proxy-protocol", value: "true # pwned"),
        ConfigMapEntry(name: "keep-alive connections with text", key: "upstream-keepalive-connections", value: "32; pwned"),
        ConfigMapEntry(name: "http snippet", key: "http-snippet", value: "server { listen 81; return 200 pwned; }"),
        ConfigMapEntry(name: "location snippet", key: "location-snippet", value: "proxy_pass http://169.254.169.254;"),
        ConfigMapEntry(name: "snippets allowed", key: "allow-snippet-annotations", value: "true"),
        ConfigMapEntry(name: "key with a newline", key: "server-tokens\nload_module /tmp/pwned.so", value: "true"),
        ConfigMapEntry(name: "key as a directive", key: "pwned; listen 81", value: "1"),
        ConfigMapEntry(name: "key as a variable", key: "$pwned", value: "1"),
        ConfigMapEntry(name: "huge value", key: "proxy-body-size", value: String(repeating: "9", count: 100_000) + "pwned"),
        ConfigMapEntry(name: "huge key", key: String(repeating: "k", count: 100_000) + "pwned", value: "1"),
    ]
}
