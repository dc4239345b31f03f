// `swift build -c release --product portico-tls-bench && .build/release/portico-tls-bench [count]`:
// CertificateValidation.validate over distinct RSA-2048 and ECDSA P-256 bundles, made first (not timed).
import Crypto
import Foundation
import PorticoTLS
import X509
import _CryptoExtras

let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1000
let now = Date()
let caKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
let caName = try DistinguishedName { CommonName("portico-tls-bench CA") }

/// tls.crt and tls.key of a leaf for `host` with its own key, signed by the bench CA.
func bundle(host: String, key: Certificate.PrivateKey) throws -> (certificate: [UInt8], key: [UInt8]) {
    let certificate = try Certificate(
        version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
        notValidBefore: now - 3600, notValidAfter: now + 90 * 86400, issuer: caName,
        subject: try DistinguishedName { CommonName(host) }, signatureAlgorithm: .ecdsaWithSHA256,
        extensions: try Certificate.Extensions { SubjectAlternativeNames([.dnsName(host)]) }, issuerPrivateKey: caKey)
    return (Array(try certificate.serializeAsPEM().pemString.utf8), Array(try key.serializeAsPEM().pemString.utf8))
}

func run(_ name: String, makeKey: () throws -> Certificate.PrivateKey) throws {
    let started = ContinuousClock.now
    let inputs = try (0..<count).map { try bundle(host: "host-\($0).example.com", key: makeKey()) }
    print("\(name): \(count) bundles made in \(started.duration(to: .now)) (not timed)")

    let clock = ContinuousClock()
    var fingerprints = Set<String>()
    let elapsed = try clock.measure {
        for input in inputs {
            fingerprints.insert(try CertificateValidation.validate(certificate: input.certificate, key: input.key).leaf.sha256Fingerprint)
        }
    }
    precondition(fingerprints.count == count, "every bundle is distinct and valid")
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(String(format: "%@: %d validations in %.1f ms, %.0f validations/s", name, count, seconds * 1000, Double(count) / seconds))
}

try run("RSA-2048") { Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048)) }
try run("ECDSA P-256") { Certificate.PrivateKey(P256.Signing.PrivateKey()) }

/// Hostile Secrets must be refused in milliseconds, before anything is parsed.
func refusal(_ name: String, certificate: [UInt8]) {
    let validKey = Array(P256.Signing.PrivateKey().pemRepresentation.utf8)
    let started = ContinuousClock.now
    var code: CertificateProblem.Code?
    do { _ = try CertificateValidation.validate(certificate: certificate, key: validKey) } catch { code = error.code }
    print("\(name): refused (\(code?.rawValue ?? "accepted!")) in \(started.duration(to: .now))")
}

refusal("10 MB tls.crt", certificate: [UInt8](repeating: UInt8(ascii: "A"), count: 10 << 20))
refusal(
    "tls.crt of 10,000 PEM blocks",
    certificate: Array(String(repeating: "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", count: 10_000).utf8))
refusal(
    "1 MiB tls.crt of text lines, no block",
    certificate: Array(String(repeating: "just some text\n", count: CertificateValidation.maxCertificateBytes / 15).utf8))
