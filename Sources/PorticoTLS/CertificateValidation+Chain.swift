import Crypto
import Foundation
import PorticoModel
import SwiftASN1
import X509

/// Reading tls.crt: PEM text, one or more CERTIFICATE blocks, leaf first.
extension CertificateValidation {
    static let certificateLabel = "CERTIFICATE"

    /// The CERTIFICATE blocks of tls.crt, counted but not decoded.
    static func certificateBlocks(_ bytes: [UInt8]) throws(CertificateProblem) -> [PEMBlock] {
        let blocks = try pemBlocks(
            bytes, field: "tls.crt", maxBlocks: maxChainLength + 4, converting: "openssl x509 -inform der")
        let certificates = blocks.filter { $0.label == certificateLabel }
        guard !certificates.isEmpty else {
            let hint =
                blocks.contains { $0.label.hasSuffix("PRIVATE KEY") }
                ? "; it holds a private key: tls.crt and tls.key may be swapped" : ""
            throw CertificateProblem(
                .noCertificate,
                "tls.crt holds no PEM CERTIFICATE block\(hint): store the PEM certificate, then its intermediates"
            )
        }
        guard certificates.count <= maxChainLength else {
            throw CertificateProblem(
                .tooManyCertificates,
                "tls.crt holds \(certificates.count) certificates, more than the \(maxChainLength) a chain needs: store the leaf and its intermediates only, not a CA bundle"
            )
        }
        return certificates
    }

    /// Each block decoded and parsed as X.509, in order.
    static func certificates(_ blocks: [PEMBlock]) throws(CertificateProblem) -> [(certificate: Certificate, der: [UInt8])] {
        var chain: [(certificate: Certificate, der: [UInt8])] = []
        for (offset, block) in blocks.enumerated() {
            let which = offset == 0 ? "certificate 1 (the leaf)" : "certificate \(offset + 1)"
            let der: [UInt8]
            do {
                der = try block.document().derBytes
            } catch {
                throw CertificateProblem(
                    .malformed,
                    "tls.crt: \(which) is not valid base64 PEM: the file looks damaged or cut short; store it again as issued")
            }
            do {
                chain.append((try Certificate(derEncoded: der), der))
            } catch let error as CryptoKitError where error == .incorrectParameterSize {
                throw CertificateProblem(
                    .malformed,
                    "tls.crt: \(which) has a key Portico cannot read, most likely an RSA key under \(KeyKind.minimumRSABits) bits, which browsers refuse too: replace it with one issued with a larger key"
                )
            } catch {
                throw CertificateProblem(
                    .malformed,
                    "tls.crt: \(which) does not parse as an X.509 certificate: the file looks damaged or cut short; store it again as issued"
                )
            }
        }
        return chain
    }

    /// PEM blocks of a Secret field, or a problem naming the field. `maxBlocks` bounds the work a
    /// hostile field can cause; `converting` is the OpenSSL command that turns binary DER into PEM.
    static func pemBlocks(_ bytes: [UInt8], field: String, maxBlocks: Int, converting: String) throws(CertificateProblem)
        -> [PEMBlock]
    {
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw CertificateProblem(
                .malformed,
                "\(field) is binary, not PEM text: if it is DER, convert it (\(converting) -outform pem)")
        }
        do {
            return try PEMBlock.split(text, maxBlocks: maxBlocks)
        } catch {
            switch error {
            case .unterminated(let index, let label):
                throw CertificateProblem(
                    .malformed,
                    "\(field): PEM block \(index) (\(MessageText.quoted(label, limit: 40))) has no END line: it looks cut short; store it whole"
                )
            case .mismatchedEnd(let index, let label, let end):
                throw CertificateProblem(
                    .malformed,
                    "\(field): PEM block \(index) begins as \(MessageText.quoted(label, limit: 40)) but ends as \(MessageText.quoted(end, limit: 40)): store each block whole"
                )
            case .tooManyBlocks where field == "tls.crt":
                throw CertificateProblem(
                    .tooManyCertificates,
                    "tls.crt holds more than \(maxBlocks) PEM blocks, and a chain needs at most \(maxChainLength) certificates: store the leaf and its intermediates only, not a CA bundle"
                )
            case .tooManyBlocks:
                throw CertificateProblem(
                    .malformed, "\(field) holds more than \(maxBlocks) PEM blocks: store only the certificate's private key in it")
            }
        }
    }
}
