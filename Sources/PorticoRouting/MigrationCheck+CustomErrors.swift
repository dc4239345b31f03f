/// `portico check` on `custom-http-errors` and `default-backend`: how Portico's default backend
/// differs from ingress-nginx's, which watched endpoints and had a controller-wide one.
extension MigrationCheck {
    static func customErrorsFinding(key: String, name: String, annotations: Annotations) -> Finding? {
        func finding(_ status: Status, _ detail: String) -> Finding { Finding(subject: key, status: status, detail: detail) }
        switch name {
        case "custom-http-errors":
            let value = annotations[key] ?? ""
            guard let codes = RoutingRun.errorCodes(value) else {
                return finding(.honoured, "not a list of status codes from 400 to 599: no custom errors, as ingress-nginx refuses such a value")
            }
            if codes.isEmpty { return finding(.honoured, "no codes: nothing is replaced, as in ingress-nginx") }
            guard RoutingRun.lookup("default-backend", in: annotations) != nil else {
                return finding(
                    .honouredDifferently,
                    "without default-backend on the Ingress these answers become 404, the answer of ingress-nginx's built-in default "
                        + "backend; a controller-wide --default-backend-service of ingress-nginx is not served")
            }
            if !codes.contains(502) {
                return finding(
                    .honouredDifferently,
                    "the Service's answers with these codes are the default backend's answer to GET / with X-Code, as in ingress-nginx; "
                        + "its own 502 is the default backend's too (X-Code 503): once nginx intercepts answers it cannot tell a Service's "
                        + "502 from its own, which means nothing answered")
            }
            return finding(
                .honoured,
                "the Service's answers with these codes are the default backend's answer to GET / with X-Code and the other headers "
                    + "ingress-nginx sends")
        case "default-backend":
            return finding(
                .honouredDifferently,
                "Portico does not watch endpoints: the default backend answers when the rule's Service or port is missing from the "
                    + "cluster, or when nothing answers the connection (nginx's own 502, as for a Service without endpoints); "
                    + "ingress-nginx decided by the Service's endpoints. Not for paths with source ranges or authentication, which "
                    + "still answer 503")
        default:
            return nil
        }
    }
}
