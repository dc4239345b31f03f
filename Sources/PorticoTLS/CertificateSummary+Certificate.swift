import Crypto
import X509

extension CertificateSummary {
    /// The summary of a parsed leaf; `der` is its encoding, for the fingerprint.
    init(_ certificate: Certificate, der: [UInt8]) throws(CertificateProblem) {
        let alternativeNames: SubjectAlternativeNames?
        do {
            alternativeNames = try certificate.extensions.subjectAlternativeNames
        } catch {
            throw CertificateProblem(
                .malformed,
                "tls.crt: certificate 1 (the leaf) has a subjectAltName extension that does not parse: reissue the certificate")
        }
        let names: [String]
        if let alternativeNames {
            names = alternativeNames.compactMap { name in
                if case .dnsName(let dnsName) = name { dnsName.lowercased() } else { nil }
            }
        } else {
            names = certificate.subject.flatMap { $0 }.compactMap { attribute in
                attribute.type == .RDNAttributeType.commonName ? String(attribute.value)?.lowercased() : nil
            }
        }
        self.init(
            subject: certificate.subject.description,
            dnsNames: names,
            notBefore: certificate.notValidBefore,
            notAfter: certificate.notValidAfter,
            sha256Fingerprint: SHA256.hash(data: der).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined(),
            keyDescription: KeyKind(certificate.publicKey).description
        )
    }
}
