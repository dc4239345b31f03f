import Foundation
import Testing

@testable import PorticoTLS

@Suite struct SelfSignedCertificateTests {
    @Test func generatesACertificateThatValidatesWithItsOwnKeyAndCoversItsName() throws {
        let bundle = try SelfSignedCertificate.generate(commonName: "portico.invalid", now: TestPKI.now)

        #expect(try CertificateValidation.validate(certificate: bundle.chainPEM, key: bundle.keyPEM) == bundle)
        #expect(bundle.leaf.covers(host: "portico.invalid"))
        #expect(bundle.leaf.dnsNames == ["portico.invalid"])
        #expect(bundle.leaf.subject == "CN=portico.invalid")
        #expect(bundle.leaf.keyDescription == "ECDSA P-256")
        #expect(bundle.leaf.notBefore == TestPKI.now - 60 * 60)
        #expect(bundle.leaf.notAfter == TestPKI.now - 60 * 60 + 365 * TestPKI.day)
        #expect(bundle.keyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(CertificateValidation.warnings(for: bundle.leaf, host: "portico.invalid", now: TestPKI.now) == [])
    }

    @Test func aWildcardNameCoversOneLabel() throws {
        let bundle = try SelfSignedCertificate.generate(commonName: "*.portico.invalid", now: TestPKI.now)
        #expect(bundle.leaf.covers(host: "a.portico.invalid"))
        #expect(!bundle.leaf.covers(host: "portico.invalid"))
    }

    @Test func eachCallMakesAFreshKey() throws {
        let first = try SelfSignedCertificate.generate(commonName: "portico.invalid", now: TestPKI.now)
        let second = try SelfSignedCertificate.generate(commonName: "portico.invalid", now: TestPKI.now)
        #expect(first.keyPEM != second.keyPEM)
        #expect(first.leaf.sha256Fingerprint != second.leaf.sha256Fingerprint)
        #expect(throws: CertificateProblem.self) {
            try CertificateValidation.validate(certificate: first.chainPEM, key: second.keyPEM)
        }
    }

    @Test(arguments: ["", "a b", "x\n", "-a.example", "a..b", "*.", "é.example", String(repeating: "a", count: 65)])
    func refusesANameThatIsNotADNSName(_ name: String) {
        let problem = #expect(throws: CertificateProblem.self) {
            try SelfSignedCertificate.generate(commonName: name, now: TestPKI.now)
        }
        #expect(problem?.code == .cannotGenerate)
        #expect(problem?.message.contains("a common name must be a DNS name") == true)
        #expect(problem?.message.contains("\n") == false)
    }
}
