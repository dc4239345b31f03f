extension MigrationCheck.Finding {
    /// What `portico check` says of one of `RoutingRun.proxySSLSettings`, as routing reads it; nil
    /// for other annotations.
    func proxySSL(name: String, value: String) -> (status: MigrationCheck.Status, detail: String)? {
        guard RoutingRun.proxySSLSettings.contains(name) else { return nil }
        let trimmed = value.trimmingSpaces
        switch name {
        case "proxy-ssl-secret":
            guard trimmed.utf8.count <= 512, trimmed.utf8.allSatisfy(RoutingRun.isBasicCharacter) else {
                return (.refused, "not a Secret's namespace/name: the Ingress is left out, as ingress-nginx refuses it")
            }
            return (.honoured,
                "with backend-protocol HTTPS or GRPCS: tls.crt and tls.key are presented to the backend, ca.crt verifies it; a Secret "
                    + "that is missing, in another namespace or unreadable makes the paths answer 503, as in ingress-nginx; "
                    + "proxy-ssl-verify on without ca.crt answers 503 too (ingress-nginx proxied unverified)")
        case "proxy-ssl-verify", "proxy-ssl-server-name":
            return trimmed == "on" || trimmed == "off" ? (.honoured, "") : (.honoured, "not on or off: off applies, as in ingress-nginx")
        case "proxy-ssl-verify-depth":
            return RoutingRun.wholeNumber(trimmed).map { $0 <= RoutingRun.maxVerifyDepth } == true
                ? (.honoured, "") : (.honoured, "not a depth from 1 to \(RoutingRun.maxVerifyDepth): 1 applies")
        case "proxy-ssl-name":
            return trimmed.isEmpty || Validation.isSubdomain(trimmed.lowercased())
                ? (.honoured, "") : (.honoured, "not a host name: the upstream's name applies")
        case "proxy-ssl-ciphers":
            return trimmed.isEmpty || RoutingRun.cipherString(value) != nil
                ? (.honoured, "") : (.honoured, "not a cipher string of OpenSSL's names: \(ProxySSL.defaultCiphers) applies")
        default:  // proxy-ssl-protocols
            return RoutingRun.sslProtocols(value) != nil ? (.honoured, "") : (.honoured, "not TLSv1.2 and/or TLSv1.3: TLSv1.2 applies, as in ingress-nginx")
        }
    }
}
