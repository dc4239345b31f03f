import Foundation
import PorticoNginx
import PorticoRender
import PorticoTLS

extension TLSFiles {
    /// What every HTTPS config names before any Secret's certificate: a self-signed default
    /// certificate, made now, at `options.defaultCertificate`, and the session ticket key. Returns
    /// the default certificate (for the log).
    func writeDefaults(for options: RenderOptions, now: Date = Date()) throws -> CertificateBundle {
        let fallback = try SelfSignedCertificate.generate(commonName: "portico-default", now: now)
        try write(options.defaultCertificate, Array(fallback.pem.utf8))
        if let key = options.sessionTicketKey { try ensureTicketKey(key) }
        return fallback
    }
}
