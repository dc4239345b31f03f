import Foundation
import Testing

@testable import PorticoTLS

/// A tls.crt and tls.key that `CertificateValidation.validate` must refuse, the code it must
/// refuse them with, and phrases its message must contain.
struct ProblemCase: Sendable, CustomTestStringConvertible {
    let name: String
    let certificate: [UInt8]
    let key: [UInt8]
    let code: CertificateProblem.Code
    let mentions: [String]

    var testDescription: String { name }

    init(_ name: String, certificate: [UInt8], key: [UInt8], _ code: CertificateProblem.Code, mentions: [String]) {
        self.name = name
        self.certificate = certificate
        self.key = key
        self.code = code
        self.mentions = mentions
    }

    init(_ name: String, certificate: String, key: String, _ code: CertificateProblem.Code, mentions: [String]) {
        self.init(name, certificate: Array(certificate.utf8), key: Array(key.utf8), code, mentions: mentions)
    }

    /// Every 18-character run of base64 in either input is caught by one of these 12-character
    /// windows, taken every 6 characters of each base64-looking line (and of the base64 of binary
    /// input).
    func base64Runs() -> [String] {
        var runs: [String] = []
        for bytes in [certificate, key] {
            var lines = String(bytes: bytes.prefix(64 << 10), encoding: .utf8)?.split(whereSeparator: \.isNewline).map(String.init) ?? []
            lines.append(Data(bytes.prefix(4096)).base64EncodedString())
            for line in lines.prefix(2000) {
                let characters = Array(line)
                guard characters.count >= 12, characters.allSatisfy({ $0.isLetter || $0.isNumber || "+/=".contains($0) }) else {
                    continue
                }
                for start in stride(from: 0, through: characters.count - 12, by: 6) {
                    let run = String(characters[start..<start + 12])
                    if Set(run).count > 2 { runs.append(run) }  // "AAAAAAAAAAAA" of the synthetic inputs says nothing
                }
            }
        }
        return runs
    }

    static func all() throws -> [ProblemCase] {
        let leaf = try TestPKI.leaf(.p256)
        let rsaLeaf = try TestPKI.leaf(.rsa2048)
        let certificate = leaf.pem
        let key = leaf.key.pkcs8PEM
        let keyBody = key.split(separator: "\n").dropFirst().dropLast().joined(separator: "\n")
        let certificateLines = certificate.split(separator: "\n").map(String.init)
        let cutShort = (certificateLines.prefix(certificateLines.count / 2) + [certificateLines[certificateLines.count - 1]])
            .joined(separator: "\n") + "\n"
        let rsa1024 = try TestKeys.rsa1024.get()
        let rsa1024Leaf = try TestPKI.issue(subject: "old.example.com", sans: ["old.example.com"], key: rsa1024, issuer: TestPKI.ca())
        let p521 = TestKey.p521()
        let p521Leaf = try TestPKI.issue(subject: "www.example.com", sans: ["www.example.com"], key: p521, issuer: TestPKI.ca())
        let tinyBlock = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"
        let binary: [UInt8] = (0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 0x80) }

        return [
            // tls.crt
            ProblemCase(
                "10 MB tls.crt", certificate: [UInt8](repeating: UInt8(ascii: "A"), count: 10 << 20), key: Array(key.utf8),
                .tooLarge, mentions: ["tls.crt is 10485760 bytes", "1048576"]),
            ProblemCase(
                "10,000 PEM blocks", certificate: String(repeating: tinyBlock, count: 10_000), key: key,
                .tooManyCertificates, mentions: ["tls.crt holds more than 20 PEM blocks", "at most 16 certificates"]),
            ProblemCase(
                "a CA bundle of 17", certificate: String(repeating: certificate, count: 17), key: key,
                .tooManyCertificates, mentions: ["tls.crt holds 17 certificates"]),
            ProblemCase("garbage text", certificate: "hello, world\n", key: key, .noCertificate, mentions: ["tls.crt holds no PEM CERTIFICATE block"]),
            ProblemCase("empty tls.crt", certificate: "", key: key, .noCertificate, mentions: ["tls.crt"]),
            ProblemCase(
                "binary tls.crt", certificate: binary, key: Array(key.utf8), .malformed,
                mentions: ["tls.crt is binary, not PEM text", "openssl x509 -inform der"]),
            ProblemCase(
                "key in tls.crt", certificate: key, key: key, .noCertificate, mentions: ["tls.crt and tls.key may be swapped"]),
            ProblemCase(
                "certificate cut short, END kept", certificate: cutShort, key: key, .malformed,
                mentions: ["tls.crt: certificate 1 (the leaf)"]),
            ProblemCase(
                "certificate cut short, no END", certificate: String(certificate.prefix(certificate.count / 2)), key: key,
                .malformed, mentions: ["tls.crt: PEM block 1 (\"CERTIFICATE\") has no END line"]),
            ProblemCase(
                "second certificate damaged", certificate: certificate + tinyBlock, key: key, .malformed,
                mentions: ["tls.crt: certificate 2 does not parse as an X.509 certificate"]),
            ProblemCase(
                "not base64", certificate: certificate + "-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n",
                key: key, .malformed, mentions: ["tls.crt: certificate 2 is not valid base64 PEM"]),
            ProblemCase(
                "mismatched END", certificate: certificate.replacingOccurrences(of: "END CERTIFICATE", with: "END X509 CRL"),
                key: key, .malformed, mentions: ["begins as \"CERTIFICATE\" but ends as \"X509 CRL\""]),
            ProblemCase(
                "RSA 1024 in the chain", certificate: certificate + rsa1024Leaf.pem, key: key, .malformed,
                mentions: ["tls.crt: certificate 2", "RSA key under 2048 bits"]),

            // tls.key
            ProblemCase("empty tls.key", certificate: certificate, key: "", .noKey, mentions: ["tls.key is empty"]),
            ProblemCase("blank tls.key", certificate: certificate, key: " \n\r\n", .noKey, mentions: ["tls.key is empty"]),
            ProblemCase(
                "garbage tls.key", certificate: certificate, key: "not a key", .noKey,
                mentions: ["tls.key holds no PEM private key block"]),
            ProblemCase(
                "certificate in tls.key", certificate: certificate, key: certificate, .noKey,
                mentions: ["tls.crt and tls.key may be swapped"]),
            ProblemCase(
                "binary tls.key", certificate: Array(certificate.utf8), key: binary, .malformed,
                mentions: ["tls.key is binary, not PEM text", "openssl pkey -inform der"]),
            ProblemCase(
                "tls.key over 64 KiB", certificate: certificate, key: key + String(repeating: "#", count: 64 << 10), .tooLarge,
                mentions: ["tls.key is", "65536"]),
            ProblemCase(
                "PKCS#8 encrypted key", certificate: certificate,
                key: "-----BEGIN ENCRYPTED PRIVATE KEY-----\n\(keyBody)\n-----END ENCRYPTED PRIVATE KEY-----\n", .encryptedKey,
                mentions: ["tls.key is an encrypted private key (ENCRYPTED PRIVATE KEY)", "store it unencrypted"]),
            ProblemCase(
                "legacy encrypted key", certificate: rsaLeaf.pem,
                key: "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n\(keyBody)\n-----END RSA PRIVATE KEY-----\n",
                .encryptedKey, mentions: ["tls.key is an encrypted private key (Proc-Type: 4,ENCRYPTED)", "passphrase"]),
            ProblemCase(
                "tls.key of many blocks", certificate: certificate, key: key + String(repeating: certificate, count: 4), .malformed,
                mentions: ["tls.key holds more than 4 PEM blocks"]),
            ProblemCase(
                "two keys", certificate: certificate, key: key + "\n" + (try TestKeys.p256b.get().pkcs8PEM), .malformed,
                mentions: ["tls.key holds 2 private keys"]),
            ProblemCase(
                "RSA 1024", certificate: rsa1024Leaf.pem, key: rsa1024.pkcs8PEM, .unsupportedKey,
                mentions: ["tls.key is an RSA key of 1024 bits", "at least 2048"]),
            ProblemCase(
                "RSA 1024, PKCS#1", certificate: rsa1024Leaf.pem, key: rsa1024.legacyPEM ?? "", .unsupportedKey,
                mentions: ["tls.key is an RSA key of 1024 bits"]),
            ProblemCase(
                "ECDSA P-521", certificate: p521Leaf.pem, key: p521.pkcs8PEM, .unsupportedKey,
                mentions: ["tls.key is an ECDSA P-521 key", "P-256 or P-384"]),
            ProblemCase(
                "OpenSSH key", certificate: certificate,
                key: "-----BEGIN OPENSSH PRIVATE KEY-----\n\(keyBody)\n-----END OPENSSH PRIVATE KEY-----\n", .unsupportedKey,
                mentions: ["ssh-keygen -p -m PKCS8"]),
            ProblemCase(
                "DSA key", certificate: certificate, key: "-----BEGIN DSA PRIVATE KEY-----\n\(keyBody)\n-----END DSA PRIVATE KEY-----\n",
                .unsupportedKey, mentions: ["tls.key is a \"DSA PRIVATE KEY\" block"]),
            ProblemCase(
                "key cut short", certificate: certificate, key: String(key.dropLast(key.count / 3)), .malformed,
                mentions: ["tls.key: PEM block 1 (\"PRIVATE KEY\") has no END line"]),
            ProblemCase(
                "key body damaged", certificate: certificate,
                key: "-----BEGIN PRIVATE KEY-----\n\(String(keyBody.dropLast(8)))\n-----END PRIVATE KEY-----\n", .malformed,
                mentions: ["tls.key: the PRIVATE KEY block"]),
            ProblemCase(
                "key not base64", certificate: certificate,
                key: "-----BEGIN PRIVATE KEY-----\n\(String(keyBody.dropLast()))\n-----END PRIVATE KEY-----\n", .malformed,
                mentions: ["tls.key: the PRIVATE KEY block is not valid base64 PEM"]),
            ProblemCase(
                "EC key labelled RSA", certificate: certificate,
                key: "-----BEGIN RSA PRIVATE KEY-----\n\(keyBody)\n-----END RSA PRIVATE KEY-----\n", .malformed,
                mentions: ["tls.key: the RSA PRIVATE KEY block does not parse as a private key"]),
        ]
    }
}
