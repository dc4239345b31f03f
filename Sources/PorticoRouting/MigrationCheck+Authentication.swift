import Foundation

extension MigrationCheck.Finding {
    /// What `portico check` says of one of `RoutingRun.authSettings`, as routing reads it; nil for
    /// other annotations. Values routing refuses are said as routing treats them (left out, or 503).
    func authentication(name: String, value: String) -> (status: MigrationCheck.Status, detail: String)? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let leftOut = "the Ingress is left out, as ingress-nginx leaves it out"
        switch name {
        case "auth-type":
            switch trimmed {
            case "basic": return (.honoured, "auth_basic with the Secret's users")
            case "digest":
                return (.refused, "digest authentication needs nginx's auth_digest module, which Debian's nginx does not have: "
                    + "the Ingress is left out, so that nothing it protects is served unprotected")
            default: return (.honoured, "not basic or digest: \(leftOut)")
            }
        case "auth-realm":
            if trimmed.lowercased() == "off" {
                return (.refused, "nginx reads a realm of \"off\" as no authentication: the Ingress is left out, so that it is not served open")
            }
            return value.utf8.allSatisfy(RoutingRun.isRealmCharacter) ? (.honoured, "") : (.honoured, "not a realm ingress-nginx accepts: \(leftOut)")
        case "auth-secret":
            return (.honoured, "an htpasswd file written next to nginx.conf; a Secret that is missing, unusable or in another "
                + "namespace makes the paths answer 503, as in ingress-nginx")
        case "auth-secret-type":
            return ["auth-file", "auth-map"].contains(trimmed) ? (.honoured, "") : (.honoured, "not auth-file or auth-map: \(leftOut)")
        case "auth-url":
            switch RoutingRun.parseURL(trimmed, variables: ["host"]) {
            case .success(let url) where url.text.contains("$host"):
                return (.honoured, "$host is the rule's host; a rule without a host or with a wildcard answers 503")
            case .success: return (.honoured, "auth_request to it before every request")
            case .failure(let problem): return (.honouredDifferently, "\(problem.reason): the paths answer 503")
            }
        case "auth-signin":
            return (.honouredDifferently, "a 401 is redirected there, rd= added as ingress-nginx adds it; the request's URI in it has only "
                + "% & + and ; escaped (Debian's nginx has no set_escape_uri), which decodes to the same URL, up to 8 such characters")
        case "auth-method", "auth-response-headers", "auth-request-redirect", "auth-always-set-cookie", "auth-signin-redirect-param":
            return (.honoured, "")
        case _ where RoutingRun.authPerformanceSettings.contains(name):
            return (.honouredDifferently, "Portico neither caches the auth service's answers nor keeps connections to it: every request asks it afresh")
        default: return nil
        }
    }
}
