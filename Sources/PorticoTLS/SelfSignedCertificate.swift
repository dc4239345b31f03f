import Crypto
import Foundation
import PorticoModel
import SwiftASN1
import X509

/// Portico's default certificate when the operator names none, as ingress-nginx's "Fake
/// Certificate": clients warn, but the HTTPS port answers.
public enum SelfSignedCertificate {
    /// How long the certificate is valid, from an hour before `now` (an hour of clock skew).
    static let validity: TimeInterval = 365 * 24 * 60 * 60

    /// A fresh ECDSA P-256 key, self-signed, CN and SAN `commonName`, valid from an hour before
    /// `now` for one year. `commonName` must be a DNS name (`*.` first is allowed) of at most 64
    /// characters, the most a CN may hold. The result has passed `CertificateValidation.validate`.
    public static func generate(commonName: String, now: Date) throws(CertificateProblem) -> CertificateBundle {
        guard isDNSName(commonName) else {
            throw CertificateProblem(
                .cannotGenerate,
                "cannot make a self-signed certificate for \(MessageText.quoted(commonName)): a common name must be a DNS name of letters, digits, '-' and '.', at most 64 characters"
            )
        }
        let privateKey = P256.Signing.PrivateKey()
        let certificatePEM: String
        do {
            let name = try DistinguishedName { CommonName(commonName) }
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName(commonName)])
            }
            let notBefore = now.addingTimeInterval(-60 * 60)
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(),
                publicKey: Certificate.PrivateKey(privateKey).publicKey,
                notValidBefore: notBefore, notValidAfter: notBefore.addingTimeInterval(validity),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(privateKey))
            certificatePEM = try certificate.serializeAsPEM().pemString + "\n"
        } catch {
            throw CertificateProblem(
                .cannotGenerate,
                "cannot make a self-signed certificate for \(MessageText.quoted(commonName)): swift-certificates failed to build it (\(type(of: error)))"
            )
        }
        return try CertificateValidation.validate(
            certificate: Array(certificatePEM.utf8), key: Array((privateKey.pemRepresentation + "\n").utf8))
    }

    /// Letters, digits, '-' and '.', labels of 1 to 63, an optional leading `*.`, 64 in all.
    static func isDNSName(_ name: String) -> Bool {
        let plain = name.hasPrefix("*.") ? name.dropFirst(2) : Substring(name)
        guard name.utf8.count <= 64, !plain.isEmpty else { return false }
        return plain.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { c in
                    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                        || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
                }
        }
    }
}
