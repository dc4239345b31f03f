import PorticoModel

extension RoutingRun {
    static let annotationPrefix = "portico.io/"

    /// Reads the `portico.io/*` annotations Portico supports. An invalid value is ignored (the
    /// default applies) with a diagnostic; snippet annotations are refused outright: Portico never
    /// copies text from an object into nginx.conf.
    mutating func parseAnnotations(_ annotations: [String: String], ref: ObjectReference) -> ProxyOptions {
        var options = ProxyOptions()
        for key in annotations.keys.sorted() {
            let value = annotations[key] ?? ""
            let field = "metadata.annotations[\(quoted(key))]"
            if key.lowercased().contains("snippet") {
                diagnose(
                    .unsupportedAnnotation, ref, field,
                    "snippet annotations are not supported: Portico never copies configuration text "
                        + "from objects into nginx.conf; ignored")
                continue
            }
            if Self.isForeignAccessControl(key) {
                diagnose(
                    .unsupportedAnnotation, ref, field,
                    "ingress-nginx access control is not implemented by Portico: requests reach the backend "
                        + "without it; ignored")
                continue
            }
            guard key.hasPrefix(Self.annotationPrefix) else { continue }
            let name = String(key.dropFirst(Self.annotationPrefix.count))
            switch name {
            case "proxy-connect-timeout", "proxy-read-timeout", "proxy-send-timeout":
                guard let seconds = Self.seconds(value) else {
                    diagnose(
                        .invalidAnnotation, ref, field,
                        "\(quoted(value)) is not a whole number of seconds from 1 to 3600; ignored")
                    continue
                }
                switch name {
                case "proxy-connect-timeout": options.connectTimeoutSeconds = seconds
                case "proxy-read-timeout": options.readTimeoutSeconds = seconds
                default: options.sendTimeoutSeconds = seconds
                }
            case "proxy-body-size":
                guard Self.isSize(value) else {
                    diagnose(
                        .invalidAnnotation, ref, field,
                        "\(quoted(value)) is not a size (digits with an optional k, m or g, e.g. 8m); ignored")
                    continue
                }
                options.maxBodySize = value.lowercased()
            default:
                diagnose(
                    .unsupportedAnnotation, ref, field,
                    "unknown Portico annotation (supported: proxy-connect-timeout, proxy-read-timeout, "
                        + "proxy-send-timeout, proxy-body-size); ignored")
            }
        }
        return options
    }

    /// ingress-nginx annotations that restrict who reaches the backend (authentication, source
    /// ranges). Ignoring them silently would serve the backend to everyone while its owner believes
    /// it is protected; other controllers' annotations are otherwise none of Portico's business.
    static func isForeignAccessControl(_ key: String) -> Bool {
        let prefix = "nginx.ingress.kubernetes.io/"
        guard key.hasPrefix(prefix) else { return false }
        let name = key.dropFirst(prefix.count)
        return name.hasPrefix("auth-") || name.hasSuffix("-source-range") || name == "satisfy"
    }

    static func seconds(_ value: String) -> Int? {
        guard value.utf8.count <= 4, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(value),
            (1...3600).contains(n)
        else { return nil }
        return n
    }

    static func isSize(_ value: String) -> Bool {
        var digits = Substring(value)
        if let last = value.last, "kKmMgG".contains(last) { digits = digits.dropLast() }
        return !digits.isEmpty && digits.count <= 9 && digits.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}
