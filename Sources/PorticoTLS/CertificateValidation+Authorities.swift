import PorticoModel
import SwiftASN1
import X509

/// Reading ca.crt: the certificate authorities a client certificate must chain to
/// (`auth-tls-secret`), PEM CERTIFICATE blocks only.
extension CertificateValidation {
    /// A CA bundle holds a few authorities; a public trust store about 150.
    public static let maxAuthorities = 256

    /// The authorities of ca.crt (the bytes as a Secret stores them, base64 already decoded),
    /// each parsed as X.509, as the PEM text nginx is given: made again from each one's DER, so
    /// nothing else of the field (comments, other blocks) reaches the file. Any block that is not
    /// a certificate is refused: a private key stored there must not be copied anywhere.
    public static func authorities(_ bytes: [UInt8]) throws(CertificateProblem) -> (pem: String, count: Int) {
        guard bytes.count <= maxCertificateBytes else {
            throw CertificateProblem(
                .tooLarge,
                "ca.crt is \(bytes.count) bytes, more than the \(maxCertificateBytes) Portico accepts: store only the PEM certificates of the authorities in it"
            )
        }
        let blocks = try pemBlocks(bytes, field: "ca.crt", maxBlocks: maxAuthorities, converting: "openssl x509 -inform der")
        guard !blocks.isEmpty else {
            throw CertificateProblem(.noCertificate, "ca.crt holds no PEM CERTIFICATE block: store the PEM certificates of the authorities")
        }
        if let other = blocks.firstIndex(where: { $0.label != certificateLabel }) {
            throw CertificateProblem(
                .malformed,
                "ca.crt: PEM block \(other + 1) is not a CERTIFICATE: store only the authorities' certificates in it (never a key)"
            )
        }
        var pem = ""
        for (offset, block) in blocks.enumerated() {
            let der: [UInt8]
            do {
                der = try block.document().derBytes
                _ = try Certificate(derEncoded: der)
            } catch {
                throw CertificateProblem(
                    .malformed,
                    "ca.crt: certificate \(offset + 1) does not parse as an X.509 certificate: the file looks damaged or cut short; store it again as issued"
                )
            }
            pem += PEMBlock.text(label: certificateLabel, der: der)
        }
        return (pem, blocks.count)
    }
}
