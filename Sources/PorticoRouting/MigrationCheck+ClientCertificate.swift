extension MigrationCheck.Finding {
    /// What `portico check` says of one of `RoutingRun.clientCertificateSettings`, as routing reads
    /// it; nil for other annotations.
    func clientCertificate(name: String, value: String, options: RoutingOptions) -> (status: MigrationCheck.Status, detail: String)? {
        guard RoutingRun.clientCertificateSettings.contains(name) else { return nil }
        if !options.servesHTTPS {
            return (.refused, "client certificates need HTTPS, which is off (--no-https): the Ingress is left out, so that nothing it protects is served unprotected")
        }
        switch name {
        case "auth-tls-secret":
            return (.honouredDifferently,
                "the host gets a server of its own (ssl_client_certificate with the Secret's ca.crt), as in ingress-nginx; plain HTTP "
                    + "to it is redirected to HTTPS, never served (an ACME challenge answers 403); a Secret that is missing, in another "
                    + "namespace, without a valid ca.crt or with a ca.crl (not checked yet) makes the paths answer 503 (ingress-nginx "
                    + "served them without client certificates when ca.crt was missing); rules without a host or with a wildcard host "
                    + "leave the Ingress out")
        case "auth-tls-verify-client":
            return ClientCertificate.Verification(rawValue: value) == nil ? (.honoured, "not on, off, optional or optional_no_ca: on applies, as in ingress-nginx") : (.honoured, "")
        case "auth-tls-verify-depth":
            return (.honoured, "")
        case "auth-tls-error-page":
            return RoutingRun.isRedirectURL(value)
                ? (.honoured, "")
                : (.refused, "only an http or https URL is taken: the Ingress is left out, so that nothing it protects is served unprotected")
        default:
            return (.honoured, "")
        }
    }
}
