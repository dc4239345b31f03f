import Crypto
import Foundation
import PorticoModel

/// ingress-nginx's `auth-*` annotations, read as it reads them (`annotations/auth`, `authreq`), and
/// failing closed wherever it would: a value it refuses leaves the Ingress out; a Secret that is
/// missing or unusable, or an `auth-url` that is not a URL, makes every path of the Ingress answer
/// 503. Nothing protected is ever served open, and nothing of a Secret is ever said.
extension Router {
    /// Whether routing reads a Secret for the Ingress besides `spec.tls`: basic authentication's,
    /// or `proxy-ssl-secret`'s (read with or without HTTPS).
    public static func readsSecrets(_ ingress: Ingress) -> Bool {
        let annotations = Annotations(ingress.metadata.annotations ?? [:])
        return RoutingRun.lookup("auth-type", in: annotations) != nil || RoutingRun.lookup("proxy-ssl-secret", in: annotations) != nil
    }
}

extension RoutingRun {
    /// What an Ingress's authentication annotations come to.
    enum AuthOutcome {
        /// None: the paths are served as they are.
        case none
        case protected(Authentication)
        /// Authentication was asked for and cannot be set up: every path answers 503.
        case unavailable
        /// A value ingress-nginx refuses (and so the Ingress): left out.
        case leftOut
    }

    static let basicAuthSettings = ["auth-type", "auth-secret", "auth-secret-type", "auth-realm"]
    static let externalAuthSettings = [
        "auth-url", "auth-method", "auth-signin", "auth-signin-redirect-param", "auth-response-headers", "auth-request-redirect",
        "auth-always-set-cookie",
    ]
    /// Served, differently: Portico neither caches the auth service's answers nor keeps its
    /// connections, so every request asks it afresh (nothing is admitted that it would not admit).
    static let authPerformanceSettings = [
        "auth-cache-key", "auth-cache-duration", "auth-keepalive", "auth-keepalive-share-vars", "auth-keepalive-requests",
        "auth-keepalive-timeout",
    ]
    static var authSettings: [String] { basicAuthSettings + externalAuthSettings + authPerformanceSettings }

    /// Reads the authentication annotations. Only `authSettings` are read here; the other
    /// access-control annotations (`auth-snippet`, `auth-tls-*`, ...) are `parseAnnotations`'.
    mutating func authentication(_ annotations: Annotations, ref: ObjectReference) -> AuthOutcome {
        var auth = Authentication()
        var unavailable = false, leftOut = false
        switch basicAuthentication(annotations, ref: ref) {
        case .none: break
        case .protected(let a): auth.basic = a.basic
        case .unavailable: unavailable = true
        case .leftOut: leftOut = true
        }
        switch externalAuthentication(annotations, ref: ref) {
        case .none: break
        case .protected(let a): auth.external = a.external
        case .unavailable: unavailable = true
        case .leftOut: leftOut = true
        }
        if auth.external != nil || unavailable {
            for setting in Self.authPerformanceSettings {
                guard let (key, _) = Self.lookup(setting, in: annotations) else { continue }
                diagnose(
                    .unsupportedAnnotation, ref, Self.field(key),
                    "Portico neither caches the auth service's answers nor keeps connections to it: every request asks it afresh")
            }
        }
        if leftOut { return .leftOut }
        if unavailable { return .unavailable }
        return auth == Authentication() ? .none : .protected(auth)
    }

    /// ingress-nginx reads an authentication's settings only with its main annotation: said, and ignored.
    mutating func ignoringSettings(
        _ settings: ArraySlice<String>, without main: String, _ kind: String, _ annotations: Annotations, ref: ObjectReference
    ) -> AuthOutcome {
        for setting in settings {
            guard let (key, _) = Self.lookup(setting, in: annotations) else { continue }
            diagnose(.invalidAnnotation, ref, Self.field(key), "without \(main) ingress-nginx ignores it, and so does Portico: no \(kind) authentication")
        }
        return .none
    }

    /// A value ingress-nginx refuses: the Ingress is left out.
    mutating func authLeftOut(_ ref: ObjectReference, _ key: String, _ why: String) -> AuthOutcome {
        diagnose(.accessControlNotHonoured, ref, Self.field(key), "\(why); Ingress left out, so that nothing it protects is served unprotected")
        return .leftOut
    }

    /// Authentication asked for that cannot be set up: its paths answer 503.
    mutating func authCannotBeSetUp(_ ref: ObjectReference, _ key: String, _ why: String) -> AuthOutcome {
        diagnose(.authUnavailable, ref, Self.field(key), "\(why); every path of this Ingress answers 503")
        return .unavailable
    }

    // MARK: Basic authentication

    mutating func basicAuthentication(_ annotations: Annotations, ref: ObjectReference) -> AuthOutcome {
        guard let (typeKey, rawType) = Self.lookup("auth-type", in: annotations) else {
            return ignoringSettings(Self.basicAuthSettings.dropFirst(), without: "auth-type", "basic", annotations, ref: ref)
        }
        let type = rawType.trimmingCharacters(in: .whitespaces)
        switch type {
        case "basic": break
        case "digest":
            return authLeftOut(ref, typeKey, "digest authentication needs nginx's auth_digest module, which Debian's nginx does not have")
        default: return authLeftOut(ref, typeKey, "\(quoted(rawType)) is not basic or digest (ingress-nginx refuses it too)")
        }
        var realm = ""
        if let (key, value) = Self.lookup("auth-realm", in: annotations) {
            guard value.utf8.count <= 1024, value.utf8.allSatisfy(Self.isRealmCharacter) else {
                return authLeftOut(ref, key, "\(quoted(value)) is not a realm of letters, digits, spaces and - . _ ~ : / (ingress-nginx refuses it too)")
            }
            // nginx reads a realm of "off" as no authentication at all.
            guard value.lowercased() != "off" else { return authLeftOut(ref, key, "a realm of \"off\" turns nginx's basic authentication off") }
            realm = value
        }
        var fileFormat = "auth-file"
        if let (key, value) = Self.lookup("auth-secret-type", in: annotations) {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard trimmed == "auth-file" || trimmed == "auth-map" else {
                return authLeftOut(ref, key, "\(quoted(value)) is not auth-file or auth-map (ingress-nginx refuses it too)")
            }
            fileFormat = trimmed
        }
        guard let (secretKey, rawSecret) = Self.lookup("auth-secret", in: annotations), !rawSecret.trimmingCharacters(in: .whitespaces).isEmpty
        else { return authCannotBeSetUp(ref, typeKey, "basic authentication without auth-secret, the Secret of its users") }
        let name = rawSecret.filter { $0 != " " }
        guard name.utf8.count <= 512, name.utf8.allSatisfy(Self.isBasicCharacter) else {
            return authLeftOut(ref, secretKey, "\(quoted(rawSecret)) is not a Secret name or namespace/name (ingress-nginx refuses it too)")
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, let secretName = parts.last, Validation.isSubdomain(secretName),
            parts.count == 1 || Validation.isLabel(parts[0])
        else { return authCannotBeSetUp(ref, secretKey, "\(quoted(rawSecret)) is not a Secret name or namespace/name") }
        // ingress-nginx's default (allow-cross-namespace-resources: false) refuses another namespace's Secret.
        if parts.count == 2, parts[0] != ref.namespace {
            return authCannotBeSetUp(ref,
                secretKey,
                "secret \(parts[0])/\(secretName) is in another namespace, which ingress-nginx refuses by default "
                    + "(allow-cross-namespace-resources), and so does Portico")
        }
        let key = ServiceKey(namespace: ref.namespace, name: secretName)
        let described = "secret \(ref.namespace)/\(secretName)"
        guard let secret = secrets[key] else {
            return authCannotBeSetUp(ref,
                secretKey,
                "\(described) not found (Portico reads a Secret with an htpasswd file under key auth, or for auth-map one "
                    + "whose every value is a password hash)")
        }
        let content: Result<String, Htpasswd.Problem>
        if fileFormat == "auth-file" {
            guard let value = Self.secretValue(secret, "auth") else {
                return authCannotBeSetUp(ref, secretKey, "\(described) has no key auth (an htpasswd file), or it is not base64 or larger than 1 MiB")
            }
            content = Htpasswd.file(value)
        } else {
            var entries: [(user: String, hash: [UInt8])] = []
            for user in Set((secret.data ?? [:]).keys).union((secret.stringData ?? [:]).keys).sorted() {
                guard let value = Self.secretValue(secret, user) else {
                    return authCannotBeSetUp(ref, secretKey, "\(described): the value of key \(quoted(user)) is not base64")
                }
                entries.append((user, value))
            }
            content = Htpasswd.map(entries)
        }
        switch content {
        case .failure(let problem):
            return authCannotBeSetUp(ref, secretKey, "\(described) (\(fileFormat)) \(problem.reason)")
        case .success(let text):
            let file = AuthFile(
                path: Self.authFilePath(text), content: text, secret: ObjectReference(kind: "Secret", namespace: key.namespace, name: key.name))
            authFiles[file.path] = file
            return .protected(Authentication(basic: BasicAuthentication(realm: realm, file: file.path)))
        }
    }

    /// ingress-nginx's `CharsWithSpace`: letters, digits, space and `- . _ ~ : /`.
    static func isRealmCharacter(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || isBasicCharacter(c) }

    /// ingress-nginx's `BasicChars`: letters, digits and `- . _ ~ : /`.
    static func isBasicCharacter(_ c: UInt8) -> Bool { Validation.isAlnum(c) || "-._~:/".utf8.contains(c) }

    /// A Secret's value for `key` as bytes: its stringData, else its data decoded; nil when absent,
    /// not base64, or larger than an htpasswd file may be.
    static func secretValue(_ secret: Secret, _ key: String) -> [UInt8]? {
        if let text = secret.stringData?[key] { return text.utf8.count <= Htpasswd.maxBytes ? Array(text.utf8) : nil }
        guard let encoded = secret.data?[key], encoded.utf8.count <= Htpasswd.maxBytes / 3 * 4 + 8,
            let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters)
        else { return nil }
        return [UInt8](data)
    }

    /// `auth/` and the first 128 bits of the SHA-256 of the file's content, in hex.
    static func authFilePath(_ content: String) -> String {
        "auth/" + SHA256.hash(data: Data(content.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined() + ".htpasswd"
    }

    // MARK: External authentication

    mutating func externalAuthentication(_ annotations: Annotations, ref: ObjectReference) -> AuthOutcome {
        guard let (urlKey, rawURL) = Self.lookup("auth-url", in: annotations) else {
            return ignoringSettings(Self.externalAuthSettings.dropFirst(), without: "auth-url", "external", annotations, ref: ref)
        }
        func ignored(_ key: String, _ value: String, _ why: String, _ instead: String) {
            diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) \(why); \(instead)")
        }
        let urlText = rawURL.trimmingCharacters(in: .whitespaces)
        guard !urlText.isEmpty else {
            diagnose(.invalidAnnotation, ref, Self.field(urlKey), "empty: ingress-nginx ignores it, and so does Portico: no external authentication")
            return .none
        }
        // ingress-nginx's URLWithNginxVariableRegex, checked with spaces taken out, as it checks it.
        let spaceless = urlText.filter { $0 != " " }
        guard spaceless.utf8.count <= 2048, spaceless.utf8.allSatisfy({ Self.isURLCharacter($0) || $0 == UInt8(ascii: "$") }) else {
            return authLeftOut(ref, urlKey, "\(quoted(rawURL)) holds characters ingress-nginx refuses in a URL (it leaves the Ingress out too)")
        }
        let parsed: ParsedURL
        switch Self.parseURL(urlText, variables: ["host"]) {
        case .success(let url): parsed = url
        case .failure(let problem): return authCannotBeSetUp(ref, urlKey, "\(quoted(rawURL)) \(problem.reason)")
        }
        var external = ExternalAuthentication(url: parsed.text, host: parsed.host)

        if let (key, value) = Self.lookup("auth-method", in: annotations) {
            let method = value.filter { $0 != " " }
            guard Self.authMethods.contains(method) else {
                return authCannotBeSetUp(ref, key, "\(quoted(value)) is not an HTTP method (\(Self.authMethods.joined(separator: ", ")))")
            }
            external.method = method
        }
        if let (key, value) = Self.lookup("auth-response-headers", in: annotations) {
            var headers: [String] = []
            for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                let header = item.trimmingCharacters(in: .whitespaces)
                if header.isEmpty { continue }
                guard header.utf8.count <= 256, header.utf8.allSatisfy({ Validation.isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
                else { return authCannotBeSetUp(ref, key, "\(quoted(value)) is not a list of header names (letters, digits, - and _)") }
                if !headers.contains(where: { $0.lowercased() == header.lowercased() }) { headers.append(header) }
            }
            guard headers.count <= 32 else { return authCannotBeSetUp(ref, key, "lists more than 32 headers") }
            external.responseHeaders = headers
        }
        if let (key, value) = Self.lookup("auth-request-redirect", in: annotations), !value.isEmpty {
            let redirect = value.filter { $0 != " " }
            if redirect.utf8.count <= 2048, redirect.utf8.allSatisfy(Self.isURLCharacter) {
                external.requestRedirect = redirect
            } else {
                ignored(key, value, "holds characters ingress-nginx refuses in a URL", "X-Auth-Request-Redirect is the request's URI")
            }
        }
        if let (key, value) = Self.lookup("auth-always-set-cookie", in: annotations) {
            if let flag = Self.parseBool(value) { external.alwaysSetCookie = flag } else {
                ignored(key, value, "is not true or false", "the auth service's cookie is passed on successful answers only")
            }
        }
        var redirectParameter = "rd"
        if let (key, value) = Self.lookup("auth-signin-redirect-param", in: annotations), !value.isEmpty {
            let parameter = value.filter { $0 != " " }
            if parameter.utf8.count <= 64, parameter.utf8.allSatisfy({ Validation.isAlnum($0) || "-._~".utf8.contains($0) }) {
                redirectParameter = parameter
            } else {
                ignored(key, value, "is not a query parameter name (letters, digits and - . _ ~)", "rd applies")
            }
        }
        if let (key, value) = Self.lookup("auth-signin", in: annotations), !value.trimmingCharacters(in: .whitespaces).isEmpty {
            let text = value.trimmingCharacters(in: .whitespaces)
            switch Self.parseURL(text, variables: Set(ExternalAuthentication.signinVariables.keys)) {
            case .success(let url) where text.utf8.allSatisfy({ Self.isURLCharacter($0) || $0 == UInt8(ascii: "$") }):
                external.signin = Self.signinTarget(url.text, parameter: redirectParameter)
            case .success:
                ignored(key, value, "holds characters ingress-nginx refuses in a URL", "a request it refuses is answered 401, not redirected")
            case .failure(let problem):
                ignored(key, value, problem.reason, "a request it refuses is answered 401, not redirected")
            }
        }
        if let (key, _) = Self.lookup("auth-signin-redirect-param", in: annotations), external.signin == nil {
            diagnose(.invalidAnnotation, ref, Self.field(key), "without auth-signin it changes nothing, as in ingress-nginx")
        }
        return .protected(Authentication(external: external))
    }

    static let authMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"]

    /// ingress-nginx's URL characters (`URLIsValidRegex`): letters, digits and `- . _ ~ / : , ? & =`.
    static func isURLCharacter(_ c: UInt8) -> Bool { Validation.isAlnum(c) || "-._~/:,?&=".utf8.contains(c) }

    /// A URL as Portico writes it: its text (variables renamed to nginx's own) and its host.
    struct ParsedURL {
        var text: String
        /// The host name, without port; `$host` when the URL names the request's host.
        var host: String
    }

    struct URLProblem: Error {
        let reason: String
    }

    /// `http://` or `https://`, a host (a DNS name, an IPv4 address, or one of `variables` such as
    /// `$host`) with an optional port, then `/`, `?` or nothing, and URL characters with `$NAME` only
    /// for the names in `variables` (written as `ExternalAuthentication.signinVariables` names them).
    static func parseURL(_ text: String, variables: Set<String>) -> Result<ParsedURL, URLProblem> {
        let rest: Substring
        if text.hasPrefix("https://") { rest = text.dropFirst(8) } else if text.hasPrefix("http://") { rest = text.dropFirst(7) } else {
            return .failure(URLProblem(reason: "is not an http:// or https:// URL"))
        }
        let scheme = text.hasPrefix("https://") ? "https://" : "http://"
        let end = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<end]
        var port = ""
        if let colon = authority.lastIndex(of: ":") {
            let digits = authority[authority.index(after: colon)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isASCII), let n = Int(digits), (1...65535).contains(n) else {
                return .failure(URLProblem(reason: "does not end its host with a port from 1 to 65535"))
            }
            port = ":" + digits
            authority = authority[..<colon]
        }
        let host: String
        if authority.hasPrefix("$") {
            let name = String(authority.dropFirst())
            guard variables.contains(name), let nginxName = ExternalAuthentication.signinVariables[name] else {
                return .failure(URLProblem(reason: "names a host Portico cannot honour (a variable other than \(variables.sorted().map { "$" + $0 }.joined(separator: ", ")))"))
            }
            host = nginxName
        } else {
            let lower = authority.lowercased()
            let labels = lower.split(separator: ".", omittingEmptySubsequences: false)
            let isIPv4 = labels.count == 4 && labels.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) && (Int($0) ?? 256) < 256 }
            guard isIPv4 || Validation.isSubdomain(lower) else { return .failure(URLProblem(reason: "does not name a host (a DNS name or an IPv4 address)")) }
            host = lower
        }
        var tail = ""
        var i = rest[end...].startIndex
        let path = rest[end...]
        while i < path.endIndex {
            let c = path[i]
            if c == "$" {
                let nameEnd = path[path.index(after: i)...].firstIndex { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_")) } ?? path.endIndex
                let name = String(path[path.index(after: i)..<nameEnd])
                guard variables.contains(name), let nginxName = ExternalAuthentication.signinVariables[name] else {
                    return .failure(URLProblem(reason: "names \(name.isEmpty ? "$" : "$" + name), which Portico cannot honour here (only \(variables.sorted().map { "$" + $0 }.joined(separator: ", ")))"))
                }
                tail += nginxName
                i = nameEnd
                continue
            }
            guard c.isASCII, let byte = c.asciiValue, isURLCharacter(byte) else {
                return .failure(URLProblem(reason: "holds a character that is not allowed in its path or query"))
            }
            tail.append(c)
            i = path.index(after: i)
        }
        return .success(ParsedURL(text: scheme + host + port + tail, host: host))
    }

    /// ingress-nginx's `buildAuthSignURL`: the sign-in URL with `PARAM=` and the client's URL, unless
    /// its query already sets that parameter.
    static func signinTarget(_ url: String, parameter: String) -> String {
        let client = "$scheme://$http_host$portico_escaped_request_uri"
        guard let question = url.firstIndex(of: "?") else { return url + "?" + parameter + "=" + client }
        let query = url[url.index(after: question)...]
        let pairs = query.split(whereSeparator: { $0 == "&" || $0 == ";" })
        if pairs.contains(where: { $0.hasPrefix(parameter + "=") && $0.count > parameter.count + 1 }) { return url }
        return url + (query.isEmpty ? "?" : "&") + parameter + "=" + client
    }

    /// The Ingress's settings for the paths of one rule, and whether they answer 503: `$host` in
    /// `auth-url` is the rule's host, and a rule without one (or with a wildcard) cannot have it.
    mutating func authenticatedOptions(
        _ options: ProxyOptions, host: Host?, ref: ObjectReference, rule: String, unavailable: Bool
    ) -> (ProxyOptions, Bool) {
        guard !unavailable, let external = options.auth?.external, external.url.contains("$host") else { return (options, unavailable) }
        guard let resolved = Self.externalAuthentication(external, on: host) else {
            diagnose(
                .authUnavailable, ref, host == nil ? rule : rule + ".host",
                "auth-url names $host, and \(host == nil ? "a rule without a host" : "a wildcard host") would let the client choose "
                    + "the auth server; this rule's paths answer 503")
            return (options, true)
        }
        var resolvedOptions = options
        resolvedOptions.auth?.external = resolved
        return (resolvedOptions, false)
    }

    /// The htpasswd files the table's routes name, by path.
    func usedAuthFiles(_ virtualHosts: [VirtualHost], _ catchAll: CatchAll) -> [AuthFile] {
        guard !authFiles.isEmpty else { return [] }
        var used = Set<String>()
        func collect(_ locations: [Location]) {
            for j in locations.indices {
                if let file = locations[j].options.auth?.basic?.file { used.insert(file) }
                if let ssl = locations[j].options.upstream?.ssl { used.formUnion([ssl.certificate, ssl.authorities].compactMap { $0 }) }
            }
        }
        for vhost in virtualHosts {
            collect(vhost.locations)
            if let authorities = vhost.clientCertificate?.authorities { used.insert(authorities) }
        }
        collect(catchAll.locations)
        return used.sorted().compactMap { authFiles[$0] }
    }

    /// The route's external authentication for `host`: `$host` in the URL is the host itself. Nil
    /// when the URL names `$host` and the route has no single host (rules without a host, a
    /// wildcard): the client would choose the auth server.
    static func externalAuthentication(_ external: ExternalAuthentication, on host: Host?) -> ExternalAuthentication? {
        guard external.url.contains("$host") else { return external }
        guard let host, !host.isWildcard else { return nil }
        var resolved = external
        // Every `$host` is the whole variable: `parseURL` took only whole names.
        resolved.url = external.url.replacingOccurrences(of: "$host", with: host.name)
        if resolved.host == "$host" { resolved.host = host.name }
        return resolved.url.contains("$") ? nil : resolved
    }
}
