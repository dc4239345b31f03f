import Crypto
import X509
import _CryptoExtras

/// The algorithm and size of a public key, as messages and `CertificateSummary` name it.
enum KeyKind: Equatable, CustomStringConvertible {
    case rsa(bits: Int)
    case p256
    case p384
    case p521
    case ed25519
    case other(String)

    /// The smallest RSA key served: browsers and CAs refuse smaller ones.
    static let minimumRSABits = 2048

    init(_ key: Certificate.PublicKey) {
        if let rsa = _RSA.Signing.PublicKey(key) {
            self = .rsa(bits: rsa.keySizeInBits)
        } else if P256.Signing.PublicKey(key) != nil {
            self = .p256
        } else if P384.Signing.PublicKey(key) != nil {
            self = .p384
        } else if P521.Signing.PublicKey(key) != nil {
            self = .p521
        } else if Curve25519.Signing.PublicKey(key) != nil {
            self = .ed25519
        } else {
            self = .other(String(describing: key))
        }
    }

    var description: String {
        switch self {
        case .rsa(let bits): "RSA \(bits)"
        case .p256: "ECDSA P-256"
        case .p384: "ECDSA P-384"
        case .p521: "ECDSA P-521"
        case .ed25519: "Ed25519"
        case .other(let name): name
        }
    }

    /// Why a key of this kind is not served, or nil when it is.
    var whyUnsupported: String? {
        switch self {
        case .rsa(let bits) where bits < Self.minimumRSABits:
            "an RSA key of \(bits) bits; Portico needs at least \(Self.minimumRSABits), as browsers refuse smaller keys"
        case .rsa, .p256, .p384, .ed25519: nil
        case .p521: "an ECDSA P-521 key, which browsers do not accept for TLS"
        case .other(let name): "a \(name) key, which Portico does not serve"
        }
    }

    static let supportedKinds = "RSA (2048 bits or more), ECDSA P-256 or P-384, or Ed25519"
}
