/// ingress-nginx's global ConfigMap for the fuzzer: in the namespace of the stream ConfigMaps,
/// the keys Portico reads with valid, odd and hostile values, snippets and unknown keys.
extension ManifestFuzzer {
    package static let globalConfig = "ingress-nginx-controller"

    static let globalValues: [String: [String]] = [
        "proxy-body-size": ["8m", "1k", "0", "8 m", "1g;"], "proxy-read-timeout": ["120", "0", "60s"],
        "proxy-connect-timeout": ["5", "3601"], "proxy-buffering": ["on", "off", "yes"], "proxy-buffer-size": ["16k", "512"],
        "proxy-buffers-number": ["8", "2"], "proxy-next-upstream": ["error timeout", "error;"], "custom-http-errors": ["404,503", "99"],
        "ssl-redirect": ["false", "true", "x"], "force-ssl-redirect": ["true", "false"], "server-tokens": ["true", "false", "on"],
        "keep-alive": ["30", "0", "-1"], "keep-alive-requests": ["100", "0"], "limit-req-status-code": ["429", "200"],
        "limit-conn-status-code": ["503", "600"], "use-forwarded-headers": ["true", "false"], "compute-full-forwarded-for": ["true"],
        "forwarded-for-header": ["X-Client-IP", "X Forwarded"], "use-proxy-protocol": ["true", "false"],
        "proxy-real-ip-cidr": ["10.0.0.0/8", "10.0.0.0/8, ::/0", "0.0.0.0/0", "10.0.0.0/33"], "hsts": ["false", "true"],
        "hsts-max-age": ["600", "0", "1y"], "hsts-include-subdomains": ["false"], "hsts-preload": ["true"],
        "upstream-keepalive-connections": ["320", "x"], "allow-snippet-annotations": ["true", "false"],
        "http-snippet": ["server { listen 81; }"], "use-gzip": ["true"], "proxy-bodysize": ["8m"],
    ]
}

extension ManifestFuzzerMaker {
    mutating func globalConfigMap() -> [String: Any] {
        var data: [String: String] = [:]
        let keys = ManifestFuzzer.globalValues.keys.sorted()
        for _ in 0..<int(1..<8) {
            let key = chance(0.9) ? pick(keys) : text(maxLength: 12)
            data[key] = chance(0.8) ? pick(ManifestFuzzer.globalValues[key] ?? ["1"]) : text()
        }
        // The client's address from headers: the settings that change every proxy's headers.
        if chance(0.3) { data["use-forwarded-headers"] = "true" }
        // And from a PROXY header: the listeners change.
        if chance(0.1) { data["use-proxy-protocol"] = "true" }
        return [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": ManifestFuzzer.globalConfig, "namespace": ManifestFuzzer.streamNamespace],
            "data": data,
        ]
    }
}
