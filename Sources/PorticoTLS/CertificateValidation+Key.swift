import PorticoModel
import SwiftASN1
import X509
import _CryptoExtras

/// Reading tls.key: exactly one unencrypted PEM private key of a type nginx and browsers accept.
extension CertificateValidation {
    /// The PEM labels swift-certificates reads: PKCS#8, PKCS#1 (RSA) and SEC1 (EC).
    static let keyLabels: Set<String> = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]

    static func readKey(_ bytes: [UInt8]) throws(CertificateProblem) -> (key: Certificate.PrivateKey, pem: String) {
        guard bytes.contains(where: { !$0.isASCIIBlank }) else {
            throw CertificateProblem(.noKey, "tls.key is empty: store the certificate's PEM private key in it")
        }
        // Room for the key, an EC PARAMETERS block before it and a stray certificate.
        let blocks = try pemBlocks(bytes, field: "tls.key", maxBlocks: 4, converting: "openssl pkey -inform der")
        let keys = blocks.filter { $0.label.hasSuffix("PRIVATE KEY") }
        guard let block = keys.first else {
            let hint =
                blocks.contains { $0.label == certificateLabel }
                ? "; it holds a certificate: tls.crt and tls.key may be swapped" : ""
            throw CertificateProblem(
                .noKey,
                "tls.key holds no PEM private key block (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)\(hint): store the certificate's PEM private key in it"
            )
        }
        guard keys.count == 1 else {
            throw CertificateProblem(
                .malformed,
                "tls.key holds \(keys.count) private keys: keep only the one that belongs to the certificate in tls.crt")
        }
        if block.label == "ENCRYPTED PRIVATE KEY" || block.isLegacyEncrypted {
            let form = block.isLegacyEncrypted ? "Proc-Type: 4,ENCRYPTED" : "ENCRYPTED PRIVATE KEY"
            throw CertificateProblem(
                .encryptedKey,
                "tls.key is an encrypted private key (\(form)); nginx cannot use it without a passphrase: store it unencrypted (openssl pkey -in encrypted.key -out tls.key)"
            )
        }
        guard keyLabels.contains(block.label) else {
            let hint =
                block.label == "OPENSSH PRIVATE KEY"
                ? "convert it to PKCS#8 (ssh-keygen -p -m PKCS8 -f the-key)" : "use \(KeyKind.supportedKinds)"
            throw CertificateProblem(
                .unsupportedKey,
                "tls.key is a \(MessageText.quoted(block.label, limit: 40)) block, which nginx cannot read here: \(hint)")
        }
        let document: PEMDocument
        do {
            document = try block.document()
        } catch {
            throw CertificateProblem(
                .malformed, "tls.key: the \(block.label) block is not valid base64 PEM: the key looks damaged or cut short")
        }
        let key = try privateKey(document)
        if let why = KeyKind(key.publicKey).whyUnsupported {
            throw CertificateProblem(.unsupportedKey, "tls.key is \(why): use \(KeyKind.supportedKinds)")
        }
        return (key, PEMBlock.text(label: document.discriminator, der: document.derBytes))
    }

    /// The key, or why it cannot be read: too small an RSA key is refused by swift-crypto itself,
    /// so it is read again without that check only to say how small it is.
    private static func privateKey(_ document: PEMDocument) throws(CertificateProblem) -> Certificate.PrivateKey {
        do {
            return try Certificate.PrivateKey(pemDocument: document)
        } catch let error as CertificateError where error.code == .unsupportedPrivateKey {
            throw CertificateProblem(
                .unsupportedKey,
                "tls.key is a \(document.discriminator) of an algorithm Portico does not serve: use \(KeyKind.supportedKinds)")
        } catch {
            if document.discriminator != "EC PRIVATE KEY",
                let rsa = try? _RSA.Signing.PrivateKey(unsafeDERRepresentation: document.derBytes),
                let why = KeyKind.rsa(bits: rsa.keySizeInBits).whyUnsupported
            {
                throw CertificateProblem(.unsupportedKey, "tls.key is \(why): use \(KeyKind.supportedKinds)")
            }
            throw CertificateProblem(
                .malformed,
                "tls.key: the \(document.discriminator) block does not parse as a private key: the key looks damaged or cut short; store it again as issued"
            )
        }
    }
}

extension UInt8 {
    fileprivate var isASCIIBlank: Bool {
        self == UInt8(ascii: " ") || self == UInt8(ascii: "\t") || self == UInt8(ascii: "\r") || self == UInt8(ascii: "\n")
    }
}
