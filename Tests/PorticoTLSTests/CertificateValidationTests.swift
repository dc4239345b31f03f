import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import PorticoTLS

@Suite struct CertificateValidationTests {
    @Test(arguments: TestKeyType.allCases)
    func acceptsALeafOfEachKeyType(_ type: TestKeyType) throws {
        let leaf = try TestPKI.leaf(type, sans: ["www.example.com", "API.Example.com"])
        let bundle = try CertificateValidation.validate(certificate: leaf.pem, key: leaf.key.pkcs8PEM)

        #expect(bundle.leaf.keyDescription == type.summary)
        #expect(bundle.leaf.dnsNames == ["www.example.com", "api.example.com"])
        #expect(bundle.leaf.subject == "CN=www.example.com,O=Portico Tests")
        #expect(bundle.chainPEM == leaf.pem)
        #expect(bundle.keyPEM == leaf.key.pkcs8PEM)
        #expect(bundle.leaf.notBefore == leaf.certificate.notValidBefore)
        #expect(bundle.leaf.notAfter == leaf.certificate.notValidAfter)
        var der = DER.Serializer()
        try der.serialize(leaf.certificate)
        let fingerprint = SHA256.hash(data: der.serializedBytes).map { String(format: "%02x", $0) }.joined()
        #expect(bundle.leaf.sha256Fingerprint == fingerprint)
        #expect(bundle.leaf.sha256Fingerprint.count == 64)
    }

    /// PKCS#1 `RSA PRIVATE KEY` and SEC1 `EC PRIVATE KEY` are accepted and kept in their own type.
    @Test(arguments: [(TestKeyType.rsa2048, "RSA PRIVATE KEY"), (.p256, "EC PRIVATE KEY"), (.p384, "EC PRIVATE KEY")])
    func acceptsLegacyKeyForms(_ type: TestKeyType, label: String) throws {
        let leaf = try TestPKI.leaf(type)
        let legacy = try #require(leaf.key.legacyPEM)
        #expect(legacy.hasPrefix("-----BEGIN \(label)-----\n"))

        let bundle = try CertificateValidation.validate(certificate: leaf.pem, key: legacy)
        #expect(bundle.keyPEM == legacy)
        #expect(bundle.leaf.keyDescription == type.summary)
    }

    @Test func keepsTheChainInOrderLeafFirstAndDropsOtherText() throws {
        let ca = try TestPKI.ca()
        let intermediate = try TestPKI.issue(
            subject: "Portico Test Intermediate", sans: nil, key: TestKeys.intermediate.get(), issuer: ca, isCA: true)
        let leaf = try TestPKI.issue(subject: "www.example.com", sans: ["www.example.com"], key: TestKeys.p256a.get(), issuer: intermediate)
        // As `openssl x509 -text` and PKCS#12 exports leave it: text between and around the blocks,
        // CRLF lines, and the key pasted in too (it stays out of chainPEM).
        let text = "Bag Attributes\n    friendlyName: web\nsubject=CN = www.example.com\n" + leaf.pem
            + "\r\nsome comment\r\n" + intermediate.pem.replacingOccurrences(of: "\n", with: "\r\n") + leaf.key.pkcs8PEM
            + "trailing"

        let bundle = try CertificateValidation.validate(certificate: text, key: leaf.key.pkcs8PEM)
        #expect(bundle.chainPEM == leaf.pem + intermediate.pem)
        #expect(bundle.leaf.subject == "CN=www.example.com,O=Portico Tests")
    }

    /// OpenSSL reads base64 lines of any length; SwiftASN1 only 64-character ones, so Portico wraps them anew.
    @Test func acceptsBase64LinesOfAnotherLength() throws {
        let leaf = try TestPKI.leaf(.p256)
        var der = DER.Serializer()
        try der.serialize(leaf.certificate)
        let base64 = Data(der.serializedBytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        let text = "-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----\n"

        let bundle = try CertificateValidation.validate(certificate: text, key: leaf.key.pkcs8PEM)
        #expect(bundle.chainPEM == leaf.pem)
    }

    @Test func acceptsAChainOfTheMaximumLength() throws {
        let leaf = try TestPKI.leaf(.p256)
        let ca = try TestPKI.ca()
        let text = leaf.pem + String(repeating: ca.pem, count: CertificateValidation.maxChainLength - 1)
        let bundle = try CertificateValidation.validate(certificate: text, key: leaf.key.pkcs8PEM)
        #expect(bundle.chainPEM == text)
    }

    @Test func pemIsTheChainThenTheKey() throws {
        let leaf = try TestPKI.leaf(.p384)
        let bundle = try CertificateValidation.validate(certificate: leaf.pem, key: leaf.key.pkcs8PEM)
        #expect(bundle.pem == bundle.chainPEM + bundle.keyPEM)
        #expect(bundle.pem.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(bundle.pem.hasSuffix("-----END PRIVATE KEY-----\n"))
        #expect(bundle.pem.contains("-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n"))
    }

    /// A key that parses but belongs to another certificate: of the same type, another type, or
    /// the intermediate's key put in place of the leaf's.
    @Test(arguments: ["same type", "other type", "intermediate's key"])
    func refusesAKeyThatIsNotTheLeafs(_ which: String) throws {
        let ca = try TestPKI.ca()
        let leaf = try TestPKI.issue(subject: "www.example.com", sans: ["www.example.com"], key: TestKeys.p256a.get(), issuer: ca)
        let key =
            switch which {
            case "same type": try TestKeys.p256b.get()
            case "other type": try TestKeys.rsa2048b.get()
            default: ca.key
            }
        let problem = #expect(throws: CertificateProblem.self) {
            try CertificateValidation.validate(certificate: leaf.pem + ca.pem, key: key.pkcs8PEM)
        }
        #expect(problem?.code == .keyMismatch)
        #expect(
            problem?.message
                == "tls.key does not belong to the certificate in tls.crt (subject \"CN=www.example.com,O=Portico Tests\"): store the key the certificate was issued for, or the certificate issued for this key"
        )
    }

    @Test(arguments: try ProblemCase.all())
    func refuses(_ example: ProblemCase) throws {
        let problem = #expect(throws: CertificateProblem.self) {
            try CertificateValidation.validate(certificate: example.certificate, key: example.key)
        }
        #expect(problem?.code == example.code)
        for phrase in example.mentions {
            #expect(problem?.message.contains(phrase) == true, "\(problem?.message ?? "") should mention \(phrase)")
        }
        #expect(problem?.description == problem?.message)
    }

    /// No problem's message quotes key material or PEM text: no run of 12 or more characters of
    /// either input's base64 appears in it.
    @Test(arguments: try ProblemCase.all())
    func problemMessagesQuoteNoKeyMaterial(_ example: ProblemCase) throws {
        let problem = #expect(throws: CertificateProblem.self) {
            try CertificateValidation.validate(certificate: example.certificate, key: example.key)
        }
        let message = try #require(problem?.message)
        for secret in example.base64Runs() {
            #expect(!message.contains(secret), "\(message) quotes \(secret)")
        }
        #expect(!message.contains("-----"))
    }
}
