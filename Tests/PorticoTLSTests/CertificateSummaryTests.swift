import Foundation
import Testing

@testable import PorticoTLS

@Suite struct CertificateSummaryTests {
    static func summary(_ names: [String], notBefore: Date = TestPKI.now - TestPKI.day, notAfter: Date = TestPKI.now + TestPKI.day)
        -> CertificateSummary
    {
        CertificateSummary(
            subject: "CN=\(names.first ?? "none")", dnsNames: names, notBefore: notBefore, notAfter: notAfter,
            sha256Fingerprint: String(repeating: "0", count: 64), keyDescription: "ECDSA P-256")
    }

    @Test(arguments: [
        (["www.example.com"], "www.example.com", true),
        (["www.example.com"], "WWW.Example.COM", true),
        (["www.example.com"], "example.com", false),
        (["www.example.com"], "api.example.com", false),
        (["www.example.com"], "", false),
        (["*.example.com"], "a.example.com", true),
        (["*.example.com"], "A.EXAMPLE.com", true),
        (["*.example.com"], "a.b.example.com", false),
        (["*.example.com"], "example.com", false),
        (["*.example.com"], ".example.com", false),
        (["*.example.com"], "aexample.com", false),
        (["*.example.com"], "*.example.com", true),
        (["*.example.com"], "*.a.example.com", false),
        (["a.example.com"], "*.example.com", false),
        (["*.a.example.com"], "*.example.com", false),
        (["example.com", "*.example.com"], "example.com", true),
        (["example.com", "*.example.com"], "x.example.com", true),
        (["*"], "localhost", false),
        ([], "www.example.com", false),
    ])
    func covers(_ names: [String], host: String, expected: Bool) {
        #expect(Self.summary(names).covers(host: host) == expected)
    }

    /// SAN dNSNames are lowercased; the CN counts only when there is no SAN extension at all.
    @Test(arguments: [
        (["WWW.Example.com", "*.API.example.com"] as [String]?, ["www.example.com", "*.api.example.com"]),
        (nil, ["www.example.com"]),
        ([], []),
    ])
    func dnsNamesComeFromTheSANOrElseTheCN(_ sans: [String]?, expected: [String]) throws {
        let leaf = try TestPKI.issue(subject: "WWW.example.com", sans: sans, key: TestKeys.p256a.get(), issuer: TestPKI.ca())
        let bundle = try CertificateValidation.validate(certificate: leaf.pem, key: leaf.key.pkcs8PEM)
        #expect(bundle.leaf.dnsNames == expected)
    }

    @Test func noWarningsForAValidCertificateCoveringItsHost() {
        #expect(CertificateValidation.warnings(for: Self.summary(["*.example.com"]), host: "a.example.com", now: TestPKI.now) == [])
        #expect(CertificateValidation.warnings(for: Self.summary(["*.example.com"]), host: "", now: TestPKI.now) == [])
    }

    /// Expired and not-yet-valid certificates are served with a warning naming both dates.
    @Test func warnsOfAnExpiredCertificate() throws {
        let leaf = try TestPKI.issue(
            subject: "www.example.com", sans: ["www.example.com"], key: TestKeys.p256a.get(), issuer: TestPKI.ca(),
            notBefore: TestPKI.now - 100 * TestPKI.day, notAfter: TestPKI.now - 10 * TestPKI.day)
        let bundle = try CertificateValidation.validate(certificate: leaf.pem, key: leaf.key.pkcs8PEM)

        let warnings = CertificateValidation.warnings(for: bundle.leaf, host: "www.example.com", now: TestPKI.now)
        #expect(warnings.map(\.code) == [.expired])
        #expect(
            warnings.first?.message
                == "tls.crt: the certificate \"CN=www.example.com,O=Portico Tests\" expired at 2025-12-22T00:00:00Z (it is now 2026-01-01T00:00:00Z); served anyway, but clients will refuse it: renew it"
        )
        #expect(warnings.first?.description == warnings.first?.message)
    }

    @Test func warnsOfACertificateNotYetValid() throws {
        let leaf = try TestPKI.issue(
            subject: "www.example.com", sans: ["www.example.com"], key: TestKeys.p256a.get(), issuer: TestPKI.ca(),
            notBefore: TestPKI.now + 2 * TestPKI.day, notAfter: TestPKI.now + 100 * TestPKI.day)
        let bundle = try CertificateValidation.validate(certificate: leaf.pem, key: leaf.key.pkcs8PEM)

        let warnings = CertificateValidation.warnings(for: bundle.leaf, host: "www.example.com", now: TestPKI.now)
        #expect(warnings.map(\.code) == [.notYetValid])
        #expect(warnings.first?.message.contains("is not valid before 2026-01-03T00:00:00Z (it is now 2026-01-01T00:00:00Z)") == true)
    }

    @Test func warnsOfAHostNotCovered() {
        let names = ["a.example.com", "b.example.com", "c.example.com", "d.example.com", "e.example.com", "f.example.com"]
        let warnings = CertificateValidation.warnings(for: Self.summary(names), host: "www.example.com", now: TestPKI.now)
        #expect(warnings.map(\.code) == [.doesNotCoverHost])
        #expect(
            warnings.first?.message
                == "tls.crt: the certificate \"CN=a.example.com\" does not cover host \"www.example.com\" (it names \"a.example.com\", \"b.example.com\", \"c.example.com\", \"d.example.com\" and 2 more); served anyway, but clients will refuse it: add the host to its subjectAltName"
        )
        let none = CertificateValidation.warnings(for: Self.summary([]), host: "www.example.com", now: TestPKI.now)
        #expect(none.first?.message.contains("(it names no DNS name)") == true)
    }

    /// Names from a certificate are quoted with their control characters escaped, so a hostile
    /// certificate cannot forge a line of Portico's output.
    @Test func warningsEscapeHostileNames() {
        let warnings = CertificateValidation.warnings(
            for: Self.summary(["x\nwarning: forged"]), host: "www.example.com", now: TestPKI.now + 2 * TestPKI.day)
        #expect(warnings.map(\.code) == [.expired, .doesNotCoverHost])
        #expect(warnings.allSatisfy { !$0.message.contains("\n") })
    }
}
