import Crypto
import Foundation
import PorticoModel
import PorticoTLS

/// `proxy-ssl-*`, as ingress-nginx reads them (its `proxyssl` parser and `nginx.tmpl`): nothing
/// without `proxy-ssl-secret`; the Secret must be `namespace/name` in the Ingress's own namespace
/// (ingress-nginx's default, `allow-cross-namespace-resources` off) and hold `tls.crt` and
/// `tls.key` (the client certificate nginx presents), `ca.crt` (the authorities the backend's
/// certificate is verified against), or both. What cannot be set up fails closed, as
/// ingress-nginx's denied locations do: a Secret that is missing, elsewhere, unreadable or holds
/// neither, and `proxy-ssl-verify: on` without `ca.crt` (ingress-nginx then proxied unverified),
/// make the Ingress's paths answer 503; a Secret reference with characters ingress-nginx refuses
/// leaves the Ingress out (ingress-nginx refuses the Ingress). Invalid values of the other
/// settings are a diagnostic and ingress-nginx's default.
extension RoutingRun {
    static let proxySSLSettings = [
        "proxy-ssl-secret", "proxy-ssl-verify", "proxy-ssl-verify-depth", "proxy-ssl-name", "proxy-ssl-server-name",
        "proxy-ssl-ciphers", "proxy-ssl-protocols",
    ]

    /// The files a Secret's `tls.crt`/`tls.key` and `ca.crt` became, or why it cannot be used.
    struct ProxySSLFiles {
        var certificate: AuthFile?
        var authorities: AuthFile?
    }

    /// Reads the Ingress's `proxy-ssl-*` into `options.upstream.ssl` (with HTTPS or GRPCS).
    mutating func proxySSL(_ annotations: Annotations, ref: ObjectReference, into options: inout ProxyOptions) -> AuthOutcome {
        guard let (secretKey, rawSecret) = Self.lookup("proxy-ssl-secret", in: annotations) else {
            for setting in Self.proxySSLSettings.dropFirst() {
                guard let (key, _) = Self.lookup(setting, in: annotations) else { continue }
                diagnose(.invalidAnnotation, ref, Self.field(key), "has no effect without proxy-ssl-secret (as in ingress-nginx); ignored")
            }
            return .none
        }
        let secretName = rawSecret.trimmingSpaces
        guard secretName.utf8.count <= 512, secretName.utf8.allSatisfy(Self.isBasicCharacter) else {
            return authLeftOut(ref, secretKey, "\(quoted(rawSecret)) is not a Secret's namespace/name (ingress-nginx refuses the Ingress too)")
        }
        var ssl = ProxySSL()
        if let (key, value) = Self.lookup("proxy-ssl-verify", in: annotations) {
            switch value.trimmingSpaces {
            case "on": ssl.verify = true
            case "off": break
            default: diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) is neither on nor off; off applies, as in ingress-nginx")
            }
        }
        if let (key, value) = Self.lookup("proxy-ssl-verify-depth", in: annotations) {
            // ingress-nginx reads 0 as its default, 1.
            if let n = Self.wholeNumber(value.trimmingSpaces), n <= Self.maxVerifyDepth {
                ssl.depth = max(n, 1)
            } else {
                diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) is not a depth from 1 to \(Self.maxVerifyDepth); 1 applies")
            }
        }
        if let (key, value) = Self.lookup("proxy-ssl-server-name", in: annotations) {
            switch value.trimmingSpaces {
            case "on": ssl.serverName = true
            case "off": break
            default: diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) is neither on nor off; off applies (no SNI), as in ingress-nginx")
            }
        }
        if let (key, value) = Self.lookup("proxy-ssl-name", in: annotations), !value.trimmingSpaces.isEmpty {
            let name = value.trimmingSpaces.lowercased()
            if Validation.isSubdomain(name) {
                ssl.name = name
            } else {
                diagnose(
                    .invalidAnnotation, ref, Self.field(key),
                    "\(quoted(value)) is not a host name (letters, digits, - and .); the upstream's name applies")
            }
        }
        if let (key, value) = Self.lookup("proxy-ssl-ciphers", in: annotations), !value.trimmingSpaces.isEmpty {
            if let ciphers = Self.cipherString(value) {
                ssl.ciphers = ciphers
            } else {
                diagnose(
                    .invalidAnnotation, ref, Self.field(key),
                    "\(quoted(value)) is not an OpenSSL cipher string of known names (e.g. HIGH:!aNULL:!MD5 or "
                        + "ECDHE-RSA-AES128-GCM-SHA256); \(ProxySSL.defaultCiphers) applies")
            }
        }
        if let (key, value) = Self.lookup("proxy-ssl-protocols", in: annotations) {
            if let protocols = Self.sslProtocols(value) {
                ssl.protocols = protocols
            } else {
                diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) is not TLSv1.2 and/or TLSv1.3; TLSv1.2 applies, as in ingress-nginx")
                ssl.protocols = ProxySSL.defaultProtocols
            }
        }

        let parts = secretName.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, Validation.isLabel(parts[0]), Validation.isSubdomain(parts[1]) else {
            return authCannotBeSetUp(ref, secretKey, "\(quoted(rawSecret)) is not namespace/name, which ingress-nginx requires of proxy-ssl-secret")
        }
        guard parts[0] == ref.namespace else {
            return authCannotBeSetUp(
                ref, secretKey,
                "secret \(secretName) is in another namespace, which ingress-nginx refuses by default (allow-cross-namespace-resources), "
                    + "and so does Portico")
        }
        let files: ProxySSLFiles
        switch proxySSLFiles(ServiceKey(namespace: parts[0], name: parts[1])) {
        case .failure(let problem): return authCannotBeSetUp(ref, secretKey, problem.why)
        case .success(let made): files = made
        }
        guard options.upstream?.backendProtocol == .https || options.upstream?.backendProtocol == .grpcs else {
            diagnose(
                .invalidAnnotation, ref, Self.field(secretKey),
                "has no effect without backend-protocol HTTPS or GRPCS: the backend is not reached over TLS; ignored")
            return .none
        }
        if ssl.verify, files.authorities == nil {
            return authCannotBeSetUp(
                ref, Self.lookup("proxy-ssl-verify", in: annotations)?.key ?? secretKey,
                "proxy-ssl-verify is on, and secret \(secretName) has no ca.crt to verify the backend's certificate with "
                    + "(ingress-nginx proxied unverified)")
        }
        ssl.certificate = files.certificate?.path
        ssl.authorities = files.authorities?.path
        // ingress-nginx writes its defaults with the authorities only.
        if ssl.authorities != nil {
            ssl.ciphers = ssl.ciphers ?? ProxySSL.defaultCiphers
            ssl.protocols = ssl.protocols ?? ProxySSL.defaultProtocols
        }
        for file in [files.certificate, files.authorities].compactMap({ $0 }) { authFiles[file.path] = file }
        options.updateUpstream { $0.ssl = ssl }
        return .none
    }

    struct ProxySSLProblem: Error {
        let why: String
    }

    /// The Secret's files, made once per pass (several Ingresses may name one Secret).
    mutating func proxySSLFiles(_ key: ServiceKey) -> Result<ProxySSLFiles, ProxySSLProblem> {
        if let made = proxySSLSecrets[key] { return made }
        let made = Self.proxySSLFiles(secrets[key], key)
        proxySSLSecrets[key] = made
        return made
    }

    static func proxySSLFiles(_ secret: Secret?, _ key: ServiceKey) -> Result<ProxySSLFiles, ProxySSLProblem> {
        let described = "secret \(key.namespace)/\(key.name)"
        let reference = ObjectReference(kind: "Secret", namespace: key.namespace, name: key.name)
        guard let secret else {
            return .failure(ProxySSLProblem(why: "\(described) not found (Portico reads its tls.crt, tls.key and ca.crt)"))
        }
        let certificate = decoded(secret, "tls.crt"), privateKey = decoded(secret, "tls.key"), authorities = decoded(secret, "ca.crt")
        for (name, value) in [("tls.crt", certificate), ("tls.key", privateKey), ("ca.crt", authorities)] where value == nil {
            return .failure(ProxySSLProblem(why: "\(described): \(name) is larger than Portico accepts"))
        }
        var files = ProxySSLFiles()
        switch (certificate ?? nil, privateKey ?? nil) {
        case (let crt?, let keyBytes?):
            do throws(CertificateProblem) {
                let pem = try CertificateValidation.validate(certificate: crt, key: keyBytes).pem
                files.certificate = AuthFile(path: clientCertificatePath(pem), content: pem, secret: reference)
            } catch {
                return .failure(ProxySSLProblem(why: "\(described): \(error.message)"))
            }
        case (nil, nil): break
        case (nil, _): return .failure(ProxySSLProblem(why: "\(described) has tls.key but no tls.crt (or it is not base64)"))
        case (_, nil): return .failure(ProxySSLProblem(why: "\(described) has tls.crt but no tls.key (or it is not base64)"))
        }
        if let bytes = authorities ?? nil {
            do throws(CertificateProblem) {
                let pem = try CertificateValidation.authorities(bytes).pem
                files.authorities = AuthFile(path: authoritiesPath(pem), content: pem, secret: reference)
            } catch {
                return .failure(ProxySSLProblem(why: "\(described): \(error.message)"))
            }
        }
        guard files.certificate != nil || files.authorities != nil else {
            return .failure(
                ProxySSLProblem(why: "\(described) holds neither tls.crt and tls.key (a client certificate) nor ca.crt (the backend's authorities)"))
        }
        return .success(files)
    }

    /// `auth/`, 32 hex digits of the content's SHA-256, `.client.pem`: the chain and key nginx presents.
    static func clientCertificatePath(_ content: String) -> String {
        "auth/" + SHA256.hash(data: Data(content.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined() + ".client.pem"
    }

    /// OpenSSL's cipher-string keywords (`openssl ciphers`), within ingress-nginx's characters.
    static let cipherKeywords: Set<String> = [
        "DEFAULT", "COMPLEMENTOFDEFAULT", "ALL", "COMPLEMENTOFALL", "HIGH", "MEDIUM", "LOW", "eNULL", "NULL", "aNULL", "kRSA", "aRSA",
        "RSA", "kDHE", "kEDH", "DH", "DHE", "EDH", "ADH", "kEECDH", "kECDHE", "ECDH", "ECDHE", "EECDH", "AECDH", "aDSS", "DSS", "aECDSA",
        "ECDSA", "SSLv3", "AES128", "AES256", "AES", "AESGCM", "AESCCM", "AESCCM8", "ARIA128", "ARIA256", "ARIA", "CAMELLIA128",
        "CAMELLIA256", "CAMELLIA", "CHACHA20", "3DES", "DES", "RC4", "RC2", "IDEA", "SEED", "MD5", "SHA1", "SHA", "SHA256", "SHA384",
        "PSK", "kPSK", "kECDHEPSK", "kDHEPSK", "kRSAPSK", "aPSK", "SUITEB128", "SUITEB128ONLY", "SUITEB192",
    ]

    /// A cipher string of OpenSSL's keywords and cipher names (`ECDHE-RSA-AES128-GCM-SHA256`:
    /// capitals and digits joined by `-`), each maybe after `!`, `-` or `+` and combined with `+`,
    /// separated by `:` or spaces; written joined by `:`. Nil when anything else is in it.
    static func cipherString(_ value: String) -> String? {
        guard value.utf8.count <= 1024 else { return nil }
        let tokens = value.split(whereSeparator: { $0 == ":" || $0 == " " }).map(String.init)
        guard !tokens.isEmpty, tokens.count <= 64 else { return nil }
        for token in tokens {
            var body = Substring(token)
            if let first = body.first, "!-+".contains(first) { body = body.dropFirst() }
            let names = body.split(separator: "+", omittingEmptySubsequences: false)
            guard names.allSatisfy({ cipherKeywords.contains(String($0)) || isCipherName($0) }) else { return nil }
        }
        return tokens.joined(separator: ":")
    }

    /// An OpenSSL cipher suite's name: words of capitals and digits joined by single `-`.
    static func isCipherName(_ name: Substring) -> Bool {
        let words = name.split(separator: "-", omittingEmptySubsequences: false)
        return words.count >= 2 && words.count <= 10
            && words.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) } }
    }

    /// `proxy-ssl-protocols`: TLSv1.2 and TLSv1.3 separated by spaces, sorted and each once, as
    /// ingress-nginx writes them; blank is its default. Nil when anything else is in it.
    static func sslProtocols(_ value: String) -> [String]? {
        let tokens = value.split(separator: " ").map(String.init)
        guard tokens.count <= 8, tokens.allSatisfy(ProxySSL.knownProtocols.contains) else { return nil }
        return tokens.isEmpty ? ProxySSL.defaultProtocols : Set(tokens).sorted()
    }
}
