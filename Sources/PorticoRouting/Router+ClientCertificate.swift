import Crypto
import Foundation
import PorticoModel
import PorticoTLS

/// `auth-tls-*`: client certificates, as ingress-nginx reads them. The oldest Ingress of a host
/// with `auth-tls-secret` decides the host's (`ssl_verify_client` is per `server` in nginx, and in
/// ingress-nginx too): every path of the host, whichever Ingress has it, then needs one. What cannot
/// be set up fails closed: a Secret that is missing, in another namespace or without a valid
/// `ca.crt` makes the Ingress's paths answer 503; a value ingress-nginx refuses, or a rule Portico
/// cannot give a server of its own (no host, a wildcard), leaves the Ingress out.
extension RoutingRun {
    static let clientCertificateSettings = [
        "auth-tls-secret", "auth-tls-verify-client", "auth-tls-verify-depth", "auth-tls-error-page",
        "auth-tls-pass-certificate-to-upstream",
    ]

    /// The deepest chain `auth-tls-verify-depth` may ask for.
    static let maxVerifyDepth = 16

    /// The Ingress's client-certificate settings: `.protected` carries none (`options.auth` is not
    /// used); the requirement is in `clientCertificates`.
    mutating func clientCertificate(_ annotations: Annotations, ref: ObjectReference) -> AuthOutcome {
        guard let (secretKey, rawSecret) = Self.lookup("auth-tls-secret", in: annotations) else {
            for setting in Self.clientCertificateSettings.dropFirst() {
                guard let (key, _) = Self.lookup(setting, in: annotations) else { continue }
                diagnose(.invalidAnnotation, ref, Self.field(key), "has no effect without auth-tls-secret (as in ingress-nginx); ignored")
            }
            return .none
        }
        guard options.servesHTTPS else {
            diagnose(
                .accessControlNotHonoured, ref, Self.field(secretKey),
                "client certificates need HTTPS (--https-port); Ingress left out, so that nothing it protects is served unprotected")
            return .leftOut
        }
        guard rawSecret.utf8.count <= 512, rawSecret.utf8.allSatisfy(Self.isBasicCharacter) else {
            return authLeftOut(ref, secretKey, "\(quoted(rawSecret)) is not a Secret name or namespace/name (ingress-nginx refuses it too)")
        }
        let parts = rawSecret.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, let secretName = parts.last, Validation.isSubdomain(secretName), parts.count == 1 || Validation.isLabel(parts[0])
        else { return authCannotBeSetUp(ref, secretKey, "\(quoted(rawSecret)) is not a Secret name or namespace/name") }
        if parts.count == 2, parts[0] != ref.namespace {
            return authCannotBeSetUp(
                ref, secretKey,
                "secret \(parts[0])/\(secretName) is in another namespace, which ingress-nginx refuses by default "
                    + "(allow-cross-namespace-resources), and so does Portico")
        }
        var verification = ClientCertificate.Verification.on
        if let (key, value) = Self.lookup("auth-tls-verify-client", in: annotations) {
            if let v = ClientCertificate.Verification(rawValue: value) {
                verification = v
            } else {
                diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) is not on, off, optional or optional_no_ca; on applies")
            }
        }
        var depth = 1
        if let (key, value) = Self.lookup("auth-tls-verify-depth", in: annotations) {
            // ingress-nginx reads 0 as its default, 1.
            if let n = Int(value), value.utf8.count <= 3, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), n <= Self.maxVerifyDepth {
                depth = max(n, 1)
            } else {
                diagnose(.invalidAnnotation, ref, Self.field(key), "\(quoted(value)) is not a depth from 1 to \(Self.maxVerifyDepth); 1 applies")
            }
        }
        var errorPage: String?
        if let (key, value) = Self.lookup("auth-tls-error-page", in: annotations), !value.isEmpty {
            guard Self.isRedirectURL(value) else {
                return authLeftOut(
                    ref, key,
                    "\(quoted(value)) is not an http or https URL Portico can redirect to (letters, digits and - . _ ~ : / ? # [ ] @ ! & ' ( ) * + , = %)")
            }
            errorPage = value
        }
        let passCertificate = Self.isTrue(Self.lookup("auth-tls-pass-certificate-to-upstream", in: annotations)?.value)
        let key = ServiceKey(namespace: ref.namespace, name: secretName)
        let described = "secret \(ref.namespace)/\(secretName)"
        guard let secret = secrets[key] else {
            return authCannotBeSetUp(ref, secretKey, "\(described) not found (Portico reads its ca.crt, the authorities of client certificates)")
        }
        if Self.decoded(secret, "ca.crl") != .some(nil) {
            return authCannotBeSetUp(ref, secretKey, "\(described) has a ca.crl, and Portico does not check revocation lists yet")
        }
        guard let bytes = Self.decoded(secret, "ca.crt") ?? nil else {
            return authCannotBeSetUp(ref, secretKey, "\(described) has no ca.crt (PEM certificates of the authorities), or it is not base64 or too large")
        }
        let pem: String
        do throws(CertificateProblem) {
            pem = try CertificateValidation.authorities(bytes).pem
        } catch {
            return authCannotBeSetUp(ref, secretKey, "\(described): \(error.message)")
        }
        let file = AuthFile(
            path: Self.authoritiesPath(pem), content: pem, secret: ObjectReference(kind: "Secret", namespace: key.namespace, name: key.name))
        authFiles[file.path] = file
        clientCertificates[ref] = ClientCertificate(
            authorities: file.path, verification: verification, depth: depth, errorPage: errorPage, passCertificate: passCertificate,
            source: ref, secret: file.secret)
        return .none
    }

    /// `auth/`, 32 hex digits of the content's SHA-256, `.ca.pem`: equal authorities are one file.
    static func authoritiesPath(_ content: String) -> String {
        "auth/" + SHA256.hash(data: Data(content.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined() + ".ca.pem"
    }

    /// Claims the client certificate of the Ingress (if it has one) for each of its hosts; false
    /// (with a diagnostic) when the Ingress must be left out: a rule without a host, or with a
    /// wildcard host, cannot have a server of its own that clients' SNI chooses.
    mutating func claimClientCertificate(_ ingress: Ingress, ref: ObjectReference) -> Bool {
        guard let required = clientCertificates[ref] else { return true }
        let field = Self.field(Self.annotationPrefix + "auth-tls-secret", in: Annotations(ingress.metadata.annotations ?? [:]))
        var hosts: [Host] = []
        for (i, rule) in ingress.spec.rules.enumerated() {
            guard let raw = rule.host, !raw.isEmpty else {
                diagnose(
                    .accessControlNotHonoured, ref, "spec.rules[\(i)]",
                    "client certificates (\(field)) need a host: a rule without one cannot require them; Ingress left out, "
                        + "so that nothing it protects is served unprotected")
                return false
            }
            guard let host = Host(raw) else { continue }  // reported with the rule
            if host.isWildcard {
                diagnose(
                    .accessControlNotHonoured, ref, "spec.rules[\(i)].host",
                    "client certificates on a wildcard host are not implemented; Ingress left out, so that nothing it "
                        + "protects is served unprotected")
                return false
            }
            hosts.append(host)
        }
        for host in hosts {
            guard let first = clientCertificateClaims[host] else {
                clientCertificateClaims[host] = required
                continue
            }
            var same = required
            same.source = first.source
            if first != same {
                diagnose(
                    .conflict, ref, field,
                    "host \(host) already takes its client certificates from \(first.source) (older, or first by namespace/name); "
                        + "its settings apply to this Ingress's paths too")
            }
        }
        return true
    }

    /// Each host's client certificate, as its oldest Ingress with one claimed it.
    func finishClientCertificates(_ virtualHosts: inout [VirtualHost]) {
        guard !clientCertificateClaims.isEmpty else { return }
        for i in virtualHosts.indices { virtualHosts[i].clientCertificate = clientCertificateClaims[virtualHosts[i].host] }
    }
}
