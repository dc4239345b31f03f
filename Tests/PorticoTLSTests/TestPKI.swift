import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
import _CryptoExtras

@testable import PorticoTLS

/// Keys, CAs, intermediates and leaves made in the tests themselves with swift-certificates and
/// swift-crypto: no fixture comes from anywhere else.
enum TestKeyType: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case rsa2048, p256, p384, ed25519

    var testDescription: String { rawValue }

    /// What `CertificateSummary.keyDescription` says of it.
    var summary: String {
        switch self {
        case .rsa2048: "RSA 2048"
        case .p256: "ECDSA P-256"
        case .p384: "ECDSA P-384"
        case .ed25519: "Ed25519"
        }
    }
}

/// A private key with the PEM forms a Secret may carry.
struct TestKey: Sendable {
    let key: Certificate.PrivateKey
    /// PKCS#8, `-----BEGIN PRIVATE KEY-----`, ending in one newline.
    let pkcs8PEM: String
    /// PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`, for the types that have one.
    let legacyPEM: String?

    init(key: Certificate.PrivateKey, pkcs8PEM: String, legacyPEM: String?) {
        // swift-crypto ends some PEM with a newline and some without.
        func oneNewline(_ pem: String) -> String { pem.hasSuffix("\n") ? pem : pem + "\n" }
        self.key = key
        self.pkcs8PEM = oneNewline(pkcs8PEM)
        self.legacyPEM = legacyPEM.map(oneNewline)
    }

    var signatureAlgorithm: Certificate.SignatureAlgorithm {
        switch KeyKind(key.publicKey) {
        case .rsa: .sha256WithRSAEncryption
        case .p384: .ecdsaWithSHA384
        case .ed25519: .ed25519
        default: .ecdsaWithSHA256
        }
    }

    static func generate(_ type: TestKeyType) throws -> TestKey {
        switch type {
        case .rsa2048: return try rsa(bits: 2048)
        case .p256:
            let key = P256.Signing.PrivateKey()
            return TestKey(
                key: Certificate.PrivateKey(key), pkcs8PEM: key.pemRepresentation,
                legacyPEM: try sec1PEM(
                    key.rawRepresentation, curve: .NamedCurves.secp256r1, publicKey: key.publicKey.x963Representation))
        case .p384:
            let key = P384.Signing.PrivateKey()
            return TestKey(
                key: Certificate.PrivateKey(key), pkcs8PEM: key.pemRepresentation,
                legacyPEM: try sec1PEM(
                    key.rawRepresentation, curve: .NamedCurves.secp384r1, publicKey: key.publicKey.x963Representation))
        case .ed25519:
            let key = Certificate.PrivateKey(Curve25519.Signing.PrivateKey())
            return TestKey(key: key, pkcs8PEM: try key.serializeAsPEM().pemString, legacyPEM: nil)
        }
    }

    /// `bits` below 2048 only through swift-crypto's `unsafeKeySize`, for the refusal tests.
    static func rsa(bits: Int) throws -> TestKey {
        let key = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: bits))
        return TestKey(key: Certificate.PrivateKey(key), pkcs8PEM: key.pkcs8PEMRepresentation, legacyPEM: key.pemRepresentation)
    }

    static func p521() -> TestKey {
        let key = P521.Signing.PrivateKey()
        return TestKey(key: Certificate.PrivateKey(key), pkcs8PEM: key.pemRepresentation, legacyPEM: nil)
    }

    /// SEC1 ECPrivateKey (RFC 5915), written with SwiftASN1's serializer.
    private static func sec1PEM(_ raw: Data, curve: ASN1ObjectIdentifier, publicKey: Data) throws -> String {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)
            try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(raw)))
            try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { try $0.serialize(curve) }
            try coder.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) {
                try $0.serialize(ASN1BitString(bytes: ArraySlice(publicKey)))
            }
        }
        return PEMDocument(type: "EC PRIVATE KEY", derBytes: serializer.serializedBytes).pemString
    }
}

/// Keys are slow to make (RSA in a debug build especially): each type is made once and shared.
enum TestKeys {
    static let rsa2048a = Result { try TestKey.generate(.rsa2048) }
    static let rsa2048b = Result { try TestKey.generate(.rsa2048) }
    static let p256a = Result { try TestKey.generate(.p256) }
    static let p256b = Result { try TestKey.generate(.p256) }
    static let p384 = Result { try TestKey.generate(.p384) }
    static let ed25519 = Result { try TestKey.generate(.ed25519) }
    static let ca = Result { try TestKey.generate(.p384) }
    static let intermediate = Result { try TestKey.generate(.p256) }
    static let rsa1024 = Result { try TestKey.rsa(bits: 1024) }

    static func key(_ type: TestKeyType) throws -> TestKey {
        switch type {
        case .rsa2048: try rsa2048a.get()
        case .p256: try p256a.get()
        case .p384: try p384.get()
        case .ed25519: try ed25519.get()
        }
    }
}

/// A certificate and the key it was issued for.
struct Issued: Sendable {
    let certificate: Certificate
    let key: TestKey

    var pem: String { (try? certificate.serializeAsPEM().pemString).map { $0 + "\n" } ?? "" }
}

enum TestPKI {
    static let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    static let day: TimeInterval = 24 * 60 * 60

    /// A self-signed CA.
    static func ca(_ name: String = "Portico Test Root") throws -> Issued {
        try issue(subject: name, sans: nil, key: TestKeys.ca.get(), issuer: nil, isCA: true)
    }

    /// A certificate for `subject` (a CN), with `sans` as dNSNames (no SAN extension when nil),
    /// signed by `issuer` (self-signed when nil).
    static func issue(
        subject: String, sans: [String]?, key: TestKey, issuer: Issued?, isCA: Bool = false,
        notBefore: Date = now - day, notAfter: Date = now + 90 * day
    ) throws -> Issued {
        let name = try DistinguishedName {
            OrganizationName("Portico Tests")
            CommonName(subject)
        }
        let extensions = try Certificate.Extensions {
            Critical(isCA ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : .notCertificateAuthority)
            Critical(isCA ? KeyUsage(keyCertSign: true) : KeyUsage(digitalSignature: true))
            if let sans { SubjectAlternativeNames(sans.map { .dnsName($0) }) }
        }
        let signer = issuer?.key ?? key
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.key.publicKey,
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: issuer?.certificate.subject ?? name,
            subject: name, signatureAlgorithm: signer.signatureAlgorithm, extensions: extensions,
            issuerPrivateKey: signer.key)
        return Issued(certificate: certificate, key: key)
    }

    /// A leaf for www.example.com of `type`, issued by the test CA.
    static func leaf(_ type: TestKeyType, sans: [String]? = ["www.example.com"]) throws -> Issued {
        try issue(subject: "www.example.com", sans: sans, key: TestKeys.key(type), issuer: ca())
    }
}

extension CertificateValidation {
    /// The call as the controller makes it, from PEM text.
    static func validate(certificate: String, key: String) throws(CertificateProblem) -> CertificateBundle {
        try validate(certificate: Array(certificate.utf8), key: Array(key.utf8))
    }
}
