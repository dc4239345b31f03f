import Crypto
import Foundation
import PorticoModel
import PorticoTLS

/// `spec.tls`: which hosts are served over HTTPS with which certificate, and which plain-HTTP
/// requests are redirected. The oldest Ingress naming a host in `spec.tls` decides its
/// certificate; a Secret that is missing or invalid leaves the host on the default certificate,
/// with a diagnostic, and never stops the config from loading.
extension RoutingRun {
    /// What one Ingress asks of HTTPS through annotations.
    struct RedirectPolicy: Equatable {
        /// `ssl-redirect`: plain HTTP to hosts with `spec.tls` is redirected (default true).
        var sslRedirect = true
        /// `force-ssl-redirect`: redirected even without `spec.tls` (TLS ends at a load balancer).
        var forced = false
        /// `preserve-trailing-slash`: the redirect keeps a trailing `/` (ingress-nginx drops it).
        var preserveTrailingSlash = false
    }

    /// The first claim on a host's certificate.
    struct TLSClaim {
        var source: ObjectReference
        var field: String
        /// Nil: no usable Secret named (missing name, invalid name): the default certificate.
        var secret: ServiceKey?
        var secretField: String
    }

    static let acmeChallengePrefix = "/.well-known/acme-challenge/"

    static func redirectPolicy(_ annotations: Annotations) -> RedirectPolicy {
        var policy = RedirectPolicy()
        if let (_, value) = lookup("ssl-redirect", in: annotations) { policy.sslRedirect = !isFalse(value) }
        if let (_, value) = lookup("force-ssl-redirect", in: annotations) { policy.forced = isTrue(value) }
        if let (_, value) = lookup("preserve-trailing-slash", in: annotations) { policy.preserveTrailingSlash = isTrue(value) }
        return policy
    }

    /// Go's `strconv.ParseBool` false values.
    static func isFalse(_ value: String) -> Bool { ["0", "f", "F", "FALSE", "false", "False"].contains(value) }

    /// Records the Ingress's `spec.tls` claims; hosts are checked against the rules once every
    /// Ingress is in (`finishTLS`).
    mutating func addTLS(_ entries: [IngressTLS], ingress: Ingress, ref: ObjectReference) {
        let namespace = ingress.metadata.effectiveNamespace
        for (i, entry) in entries.enumerated() {
            let field = "spec.tls[\(i)]"
            var secret: ServiceKey?
            let secretField = "\(field).secretName"
            switch entry.secretName {
            case let name? where Validation.isSubdomain(name):
                secret = ServiceKey(namespace: namespace, name: name)
            case let name? where !name.isEmpty:
                diagnose(
                    .invalidTLS, ref, secretField,
                    "\(quoted(name)) is not a valid Secret name; its hosts are served with the default certificate")
            default:
                diagnose(
                    .invalidTLS, ref, secretField,
                    "no secretName; its hosts are served with the default certificate")
            }
            var hosts: [Host] = []
            if let listed = entry.hosts, !listed.isEmpty {
                for (j, raw) in listed.enumerated() {
                    guard let host = Host(raw) else {
                        diagnose(
                            .invalidTLS, ref, "\(field).hosts[\(j)]",
                            "\(quoted(raw)) is not a valid host (a DNS name, optionally with a leading \"*.\"); ignored")
                        continue
                    }
                    hosts.append(host)
                }
            } else {
                // No hosts: the entry covers the Ingress's own hosts.
                hosts = ingress.spec.rules.compactMap { $0.host.flatMap(Host.init) }
            }
            for host in hosts {
                let claim = TLSClaim(source: ref, field: field, secret: secret, secretField: secretField)
                guard let first = tlsClaims[host] else {
                    tlsClaims[host] = claim
                    continue
                }
                if first.secret != secret {
                    diagnose(
                        .conflict, ref, field,
                        "host \(host) already takes its certificate from \(first.source) \(first.field) (older, or "
                            + "first by namespace/name); this entry is ignored for it")
                }
            }
        }
    }

    /// Sets each virtual host's TLS and each location's redirect and HSTS, and collects the
    /// certificate files.
    mutating func finishTLS(_ virtualHosts: inout [VirtualHost], catchAll: inout CatchAll) -> [CertificateFile] {
        var files: [String: CertificateFile] = [:]
        var checked: [ServiceKey: ValidatedCertificate?] = [:]
        var lastHTTPS: (HTTPSSettings, before: Location, after: Location)?
        let known = Set(virtualHosts.map(\.host))
        var named = Set(tlsClaims.compactMap { known.contains($0.key) ? $0.value.secret : nil })
        if let secret = options.defaultCertificate { named.insert(ServiceKey(namespace: secret.namespace, name: secret.name)) }
        validateInParallel(named)
        for host in tlsClaims.keys.sorted() where !known.contains(host) {
            guard let claim = tlsClaims[host] else { continue }
            diagnose(
                .invalidTLS, claim.source, claim.field,
                "host \(host) has no rules in any Ingress; nothing to serve over HTTPS for it")
        }
        for i in virtualHosts.indices {
            let host = virtualHosts[i].host
            var ownCertificate = false
            if let claim = tlsClaims[host] {
                var path: String?
                if let key = claim.secret {
                    if checked[key] == nil { checked[key] = certificate(key, claim: claim) }
                    if let valid = checked[key] ?? nil {
                        let file = certificateFile(valid, secret: key)
                        files[file.path, default: file].hosts.append(host.name)
                        path = file.path
                        ownCertificate = true
                        for warning in CertificateValidation.warnings(for: valid.leaf, host: host.name, now: now) {
                            diagnose(
                                .certificateWarning, claim.source, claim.secretField,
                                "secret \(key.namespace)/\(key.name) for host \(host): \(warning.message); served anyway")
                        }
                    }
                }
                virtualHosts[i].tls = HostTLS(certificate: path, source: claim.source, field: claim.field)
            }
            let hasTLS = virtualHosts[i].tls != nil
            var forced = false
            for j in virtualHosts[i].locations.indices {
                let location = virtualHosts[i].locations[j]
                let policy = redirectPolicies[location.source] ?? RedirectPolicy()
                forced = forced || policy.forced
                let redirects = ((hasTLS && policy.sslRedirect) || policy.forced) && !Self.isACMEChallenge(location.path)
                let change = HTTPSSettings(
                    before: location.optionsIdentity, redirects: redirects, preservesSlash: redirects && policy.preserveTrailingSlash,
                    hsts: ownCertificate)
                // The same settings as the last location, given the same: the same copy, without making it again.
                if let (last, _, result) = lastHTTPS, last == change {
                    virtualHosts[i].locations[j].shareOptions(of: result)
                    continue
                }
                var options = location.options
                options.redirectsToHTTPS = change.redirects
                options.preservesTrailingSlash = change.preservesSlash
                options.strictTransportSecurity = change.hsts
                virtualHosts[i].locations[j].setOptions(options, sharingWith: j > 0 ? virtualHosts[i].locations[j - 1] : nil)
                // The location as it was is kept too: its copy of settings stays alive, so no other can take its identity.
                lastHTTPS = (change, location, virtualHosts[i].locations[j])
            }
            let tlsPolicy = virtualHosts[i].tls.flatMap { redirectPolicies[$0.source] } ?? RedirectPolicy()
            virtualHosts[i].redirectsFallback = (hasTLS && tlsPolicy.sslRedirect) || forced
        }
        for j in catchAll.locations.indices {
            let location = catchAll.locations[j]
            let policy = redirectPolicies[location.source] ?? RedirectPolicy()
            let redirects = policy.forced && !Self.isACMEChallenge(location.path)
            var options = location.options
            options.redirectsToHTTPS = redirects
            options.preservesTrailingSlash = redirects && policy.preserveTrailingSlash
            catchAll.locations[j].setOptions(options, sharingWith: j > 0 ? catchAll.locations[j - 1] : nil)
        }
        for path in files.keys { files[path]?.hosts.sort() }
        return files.values.sorted { $0.path < $1.path }
    }

    /// What finishing a location's HTTPS settings starts from and sets.
    private struct HTTPSSettings: Equatable {
        let before: ObjectIdentifier?
        let redirects: Bool
        let preservesSlash: Bool
        let hsts: Bool
    }

    /// The operator's default certificate (`--default-ssl-certificate`), validated like a host's:
    /// its file joins `files` and its path is returned. Missing or invalid: nil, with a diagnostic
    /// on the Secret, and the self-signed certificate stays the default.
    mutating func addDefaultCertificate(to files: inout [CertificateFile]) -> String? {
        guard let secret = options.defaultCertificate else { return nil }
        let key = ServiceKey(namespace: secret.namespace, name: secret.name)
        let claim = TLSClaim(source: secret, field: "", secret: key, secretField: "--default-ssl-certificate")
        guard let valid = certificate(key, claim: claim, fallback: "; the self-signed default certificate is served")
        else { return nil }
        // No host to cover: it is served for every name without a certificate of its own.
        for warning in CertificateValidation.warnings(for: valid.leaf, host: "", now: now) {
            diagnose(.certificateWarning, secret, claim.secretField, "secret \(key.namespace)/\(key.name): \(warning.message)")
        }
        add(valid, secret: key, serving: "*", to: &files)
        return valid.path
    }

    /// Puts a validated certificate's file into `files` (sorted by path) for `host` (`*`: every
    /// name without its own), or adds the host to the file already there.
    mutating func add(_ valid: ValidatedCertificate, secret: ServiceKey, serving host: String, to files: inout [CertificateFile]) {
        if let i = files.firstIndex(where: { $0.path == valid.path }) {
            files[i].hosts = (files[i].hosts + [host]).sorted()
        } else {
            var file = certificateFile(valid, secret: secret)
            file.hosts = [host]
            files.append(file)
            files.sort { $0.path < $1.path }
        }
    }

    /// cert-manager's HTTP-01 solver answers here over plain HTTP: never redirected.
    static func isACMEChallenge(_ path: String) -> Bool {
        path.hasPrefix(acmeChallengePrefix) || path + "/" == acmeChallengePrefix
    }

    /// The certificate data of a Secret as the cache knows it.
    static func cacheInput(_ secret: Secret) -> CertificateCache.Input {
        CertificateCache.Input(
            certificate: secret.stringData?["tls.crt"] ?? secret.data?["tls.crt"] ?? "",
            key: secret.stringData?["tls.key"] ?? secret.data?["tls.key"] ?? "", encoded: secret.stringData == nil)
    }

    /// `cacheInput` of the Secret `key`, made once per pass: making it hashes the data, and a pass
    /// needs it to validate, to look the result up and to find the file's content.
    mutating func cacheInput(_ key: ServiceKey, _ secret: Secret) -> CertificateCache.Input {
        if let made = certificateInputs[key] { return made }
        let input = Self.cacheInput(secret)
        certificateInputs[key] = input
        return input
    }

    /// Validates, on every core, the named Secrets' certificates that the cache does not know yet
    /// (a first config at thousands of certificates: parsing keys and chains is most of its work),
    /// and leaves the results in the cache. Only Secrets with both keys of a plausible size: the
    /// others are reported by `certificate(_:claim:)`, in order, as before.
    mutating func validateInParallel(_ keys: Set<ServiceKey>) {
        var pending: [(CertificateCache.Input, [UInt8], [UInt8])] = []
        for name in keys.sorted(by: { ($0.namespace, $0.name) < ($1.namespace, $1.name) }) {
            guard let secret = secrets[name] else { continue }
            let raw = cacheInput(name, secret)
            guard certificates.peek(raw) == nil, let crt = Self.decoded(secret, "tls.crt") ?? nil,
                let key = Self.decoded(secret, "tls.key") ?? nil
            else { continue }
            pending.append((raw, crt, key))
        }
        let work = pending
        guard work.count >= 16 else { return }  // not worth the threads
        let cache = certificates
        DispatchQueue.concurrentPerform(iterations: work.count) { i in
            let (raw, crt, key) = work[i]
            let (result, pem) = Self.validate(certificate: crt, key: key)
            cache.remember(raw, result, pem: pem, used: false)
        }
    }

    /// The chain and key validated, with the file name their content gives, and that content.
    static func validate(certificate: [UInt8], key: [UInt8]) -> (Result<ValidatedCertificate, CertificateProblem>, pem: String?) {
        do throws(CertificateProblem) {
            let bundle = try CertificateValidation.validate(certificate: certificate, key: key)
            let pem = bundle.pem
            return (.success(ValidatedCertificate(leaf: bundle.leaf, path: certificatePath(pem))), pem)
        } catch {
            return (.failure(error), nil)
        }
    }

    /// A file's content made again from the Secret's data as the cache knew it: validated as it
    /// was the first time, which gave that content.
    static func pem(from input: CertificateCache.Input) -> String {
        func bytes(_ value: String) -> [UInt8]? {
            input.encoded ? Data(base64Encoded: value, options: .ignoreUnknownCharacters).map { [UInt8]($0) } : Array(value.utf8)
        }
        guard let certificate = bytes(input.certificate), let key = bytes(input.key),
            let bundle = try? CertificateValidation.validate(certificate: certificate, key: key)
        else { return "" }
        return bundle.pem
    }

    /// A Secret's `stringData` or base64 `data` value: nil when larger than Portico accepts (refused
    /// before decoding: base64 is 4/3 the size of what it carries), `.some(nil)` when absent or
    /// not base64.
    static func decoded(_ secret: Secret, _ k: String) -> [UInt8]?? {
        if let text = secret.stringData?[k] { return Array(text.utf8) }
        guard let encoded = secret.data?[k] else { return .some(nil) }
        let limit = k == "tls.key" ? CertificateValidation.maxKeyBytes : CertificateValidation.maxCertificateBytes
        if encoded.utf8.count > limit / 3 * 4 + 8 { return nil }
        guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else { return .some(nil) }
        return .some([UInt8](data))
    }

    /// The Secret's certificate and key, validated; nil (with a diagnostic) when the host must fall
    /// back to the default certificate.
    mutating func certificate(
        _ key: ServiceKey, claim: TLSClaim, fallback: String = "; served with the default certificate"
    ) -> ValidatedCertificate? {
        let name = "secret \(key.namespace)/\(key.name)"
        guard let secret = secrets[key] else {
            diagnose(.invalidTLS, claim.source, claim.secretField, "\(name) not found\(fallback)")
            return nil
        }
        // Validated before, with the same data: no decoding, parsing or hashing again.
        let raw = cacheInput(key, secret)
        if let known = certificates.known(raw) { return report(known, name: name, fallback: fallback, claim: claim) }
        let certificate = Self.decoded(secret, "tls.crt"), privateKey = Self.decoded(secret, "tls.key")
        for (k, value) in [("tls.crt", certificate), ("tls.key", privateKey)] {
            switch value {
            case nil:
                diagnose(.invalidTLS, claim.source, claim.secretField, "\(name): \(k) is larger than Portico accepts\(fallback)")
                return nil
            case .some(nil):
                diagnose(
                    .invalidTLS, claim.source, claim.secretField,
                    "\(name) has no \(k) (a kubernetes.io/tls Secret holds tls.crt and tls.key)\(fallback)")
                return nil
            default: break
            }
        }
        guard let crt = certificate ?? nil, let keyBytes = privateKey ?? nil else { return nil }
        let (result, pem) = Self.validate(certificate: crt, key: keyBytes)
        certificates.remember(raw, result, pem: pem)
        return report(result, name: name, fallback: fallback, claim: claim)
    }

    private mutating func report(
        _ result: Result<ValidatedCertificate, CertificateProblem>, name: String, fallback: String, claim: TLSClaim
    ) -> ValidatedCertificate? {
        switch result {
        case .success(let valid): return valid
        case .failure(let problem):
            diagnose(.invalidTLS, claim.source, claim.secretField, "\(name): \(problem.message)\(fallback)")
            return nil
        }
    }

    /// `tls/` and the first 128 bits of the SHA-256 of the file's content, in hex: equal content is
    /// one file and a renewal is a new name.
    static func certificatePath(_ pem: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var name = [UInt8]()
        name.reserveCapacity(32)
        for byte in SHA256.hash(data: Data(pem.utf8)).prefix(16) {
            name.append(digits[Int(byte >> 4)])
            name.append(digits[Int(byte & 0x0f)])
        }
        return "tls/" + String(decoding: name, as: UTF8.self) + ".pem"
    }

    /// The file of a Secret's validated certificate: its content as this pass validated it, or
    /// made again from the Secret's data if the file must be written.
    mutating func certificateFile(_ valid: ValidatedCertificate, secret: ServiceKey) -> CertificateFile {
        let input: CertificateCache.Input?
        if let data = secrets[secret] { input = cacheInput(secret, data) } else { input = nil }
        let content: CertificateContent
        if let input, let pem = certificates.validatedPEM(input) {
            content = CertificateContent { pem }
        } else {
            content = CertificateContent { input.map(Self.pem(from:)) ?? "" }
        }
        return CertificateFile(
            path: valid.path, content: content,
            secret: ObjectReference(kind: "Secret", namespace: secret.namespace, name: secret.name), hosts: [],
            notAfter: valid.leaf.notAfter)
    }
}

/// A Secret's certificate once validated: what routing needs of its leaf and the file name its
/// content gives (not the content: that is written once, and made again if ever needed).
struct ValidatedCertificate: Sendable {
    let leaf: CertificateSummary
    let path: String
}

/// Remembers what validating a Secret's data gave, keyed by the data as the Secret holds it, so
/// that routing again (every change, at thousands of certificates) decodes, parses and hashes only
/// new or changed certificates. `forgetUnused` drops what no pass used since the last call.
public final class CertificateCache: @unchecked Sendable {
    struct Input: Hashable {
        let certificate: String
        let key: String
        /// `data` (base64) or `stringData` (text).
        let encoded: Bool
        /// The data hashed once, when the input is made: a pass looks each Secret up several
        /// times (known, used, its file's content), and hashing kilobytes of PEM for each was a
        /// tenth of routing at 1,000 certificates.
        private let digest: Int

        init(certificate: String, key: String, encoded: Bool) {
            self.certificate = certificate
            self.key = key
            self.encoded = encoded
            var hasher = Hasher()
            hasher.combine(certificate)
            hasher.combine(key)
            hasher.combine(encoded)
            digest = hasher.finalize()
        }

        // Equal data from the same Secret object shares its storage: compared without reading it.
        static func == (a: Input, b: Input) -> Bool {
            a.digest == b.digest && a.encoded == b.encoded && a.certificate == b.certificate && a.key == b.key
        }

        func hash(into hasher: inout Hasher) { hasher.combine(digest) }
    }

    private let lock = NSLock()
    private var results: [Input: Result<ValidatedCertificate, CertificateProblem>] = [:]
    private var used: Set<Input> = []
    /// The files' content of what was validated since `forgetUnused`, for the pass that did.
    private var fresh: [Input: String] = [:]

    public init() {}

    func known(_ input: Input) -> Result<ValidatedCertificate, CertificateProblem>? {
        lock.withLock {
            guard let result = results[input] else { return nil }
            used.insert(input)
            return result
        }
    }

    /// The result without marking it used.
    func peek(_ input: Input) -> Result<ValidatedCertificate, CertificateProblem>? {
        lock.withLock { results[input] }
    }

    func remember(
        _ input: Input, _ result: Result<ValidatedCertificate, CertificateProblem>, pem: String?, used isUsed: Bool = true
    ) {
        lock.withLock {
            results[input] = result
            if let pem { fresh[input] = pem }
            if isUsed { used.insert(input) }
        }
    }

    /// The file's content for `input`, if validated since `forgetUnused`.
    func validatedPEM(_ input: Input) -> String? {
        lock.withLock { fresh[input] }
    }

    /// Forgets what no routing pass since the last call used (Secrets deleted or replaced), and
    /// the content of what was validated: the files made of it are written by then.
    public func forgetUnused() {
        lock.withLock {
            results = results.filter { used.contains($0.key) }
            used = []
            fresh = [:]
        }
    }
}
