import Foundation
import PorticoModel
import SwiftASN1
import X509

/// Checks a Secret's tls.crt and tls.key before nginx ever sees them: nginx refuses to load a whole
/// configuration for one bad certificate, so every problem must be found here, named, and the
/// Ingress left out instead.
public enum CertificateValidation {
    /// tls.crt: a Secret holds at most 1 MiB in all, and a long chain is a few tens of kilobytes.
    public static let maxCertificateBytes = 1 << 20
    /// tls.key: an RSA 16384 key, the largest anyone uses, is about 12 KiB of PEM.
    public static let maxKeyBytes = 64 << 10
    /// Leaf and intermediates: real chains have two to four; OpenSSL's default verify depth is 100,
    /// but a client would not sit through a handshake carrying more than a handful.
    public static let maxChainLength = 16

    /// tls.crt and tls.key bytes as stored in a Secret (already base64-decoded by the caller).
    /// Sizes are checked before anything is parsed, and the number of certificates before any is
    /// decoded, so a hostile Secret costs milliseconds.
    public static func validate(certificate: [UInt8], key: [UInt8]) throws(CertificateProblem) -> CertificateBundle {
        guard certificate.count <= maxCertificateBytes else {
            throw CertificateProblem(
                .tooLarge,
                "tls.crt is \(certificate.count) bytes, more than the \(maxCertificateBytes) a certificate chain needs: store only the PEM certificates in it"
            )
        }
        guard key.count <= maxKeyBytes else {
            throw CertificateProblem(
                .tooLarge,
                "tls.key is \(key.count) bytes, more than the \(maxKeyBytes) a private key needs: store only the PEM private key in it"
            )
        }
        let blocks = try certificateBlocks(certificate)
        let privateKey = try readKey(key)
        let chain = try certificates(blocks)
        let leaf = chain[0]
        let summary = try CertificateSummary(leaf.certificate, der: leaf.der)
        guard leaf.certificate.publicKey == privateKey.key.publicKey else {
            throw CertificateProblem(
                .keyMismatch,
                "tls.key does not belong to the certificate in tls.crt (subject \(MessageText.quoted(summary.subject))): store the key the certificate was issued for, or the certificate issued for this key"
            )
        }
        let chainPEM = chain.map { PEMBlock.text(label: certificateLabel, der: $0.der) }.joined()
        return CertificateBundle(chainPEM: chainPEM, keyPEM: privateKey.pem, leaf: summary)
    }

    /// Served anyway, with a warning: expired, not yet valid at `now`, or not covering `host`
    /// (an empty host, as for the catch-all server, is not checked).
    public static func warnings(for summary: CertificateSummary, host: String, now: Date) -> [CertificateWarning] {
        var warnings: [CertificateWarning] = []
        // Made only when there is a warning: nearly every certificate has none, every pass.
        var subject: String { MessageText.quoted(summary.subject) }
        if now > summary.notAfter {
            warnings.append(
                CertificateWarning(
                    .expired,
                    "tls.crt: the certificate \(subject) expired at \(timestamp(summary.notAfter)) (it is now \(timestamp(now))); served anyway, but clients will refuse it: renew it"
                ))
        }
        if now < summary.notBefore {
            warnings.append(
                CertificateWarning(
                    .notYetValid,
                    "tls.crt: the certificate \(subject) is not valid before \(timestamp(summary.notBefore)) (it is now \(timestamp(now))); served anyway, but clients will refuse it until then: check the issuer's clock or this one"
                ))
        }
        if !host.isEmpty, !summary.covers(host: host) {
            warnings.append(
                CertificateWarning(
                    .doesNotCoverHost,
                    "tls.crt: the certificate \(subject) does not cover host \(MessageText.quoted(host)) (it names \(names(summary.dnsNames))); served anyway, but clients will refuse it: add the host to its subjectAltName"
                ))
        }
        return warnings
    }

    /// `2025-01-31T12:00:00Z`
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// `"a.example", "b.example" and 3 more`, or `no DNS name`.
    static func names(_ names: [String]) -> String {
        guard !names.isEmpty else { return "no DNS name" }
        let shown = names.prefix(4).map { MessageText.quoted($0) }.joined(separator: ", ")
        return names.count > 4 ? "\(shown) and \(names.count - 4) more" : shown
    }
}
