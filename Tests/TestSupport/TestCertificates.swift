import Foundation

/// A throwaway PKI for TLS tests, made with the `openssl` CLI: a CA, a server certificate for
/// `127.0.0.1` and `localhost`, and a client certificate, all signed by the CA (EC P-256 keys,
/// valid for two days).
public struct TestCertificates: Sendable {
    public var caCertificate: URL
    public var caKey: URL
    public var serverCertificate: URL
    public var serverKey: URL
    public var clientCertificate: URL
    public var clientKey: URL

    /// Writes the files into `directory`. The client certificate's subject is
    /// `CN=clientCommonName` (the Kubernetes user name) and `O=clientOrganization` (its group);
    /// the server certificate's names are `serverNames` (an OpenSSL subjectAltName value).
    public static func generate(
        in directory: URL, clientCommonName: String = "portico-test-client",
        clientOrganization: String = "portico-test", serverNames: String = "IP:127.0.0.1,DNS:localhost"
    ) throws -> TestCertificates {
        let certificates = TestCertificates(
            caCertificate: directory.appendingPathComponent("ca.crt"),
            caKey: directory.appendingPathComponent("ca.key"),
            serverCertificate: directory.appendingPathComponent("server.crt"),
            serverKey: directory.appendingPathComponent("server.key"),
            clientCertificate: directory.appendingPathComponent("client.crt"),
            clientKey: directory.appendingPathComponent("client.key"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", certificates.caKey.path, "-out", certificates.caCertificate.path, "-days", "2",
            "-subj", "/CN=portico-test-ca",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try certificates.sign(
            key: certificates.serverKey, certificate: certificates.serverCertificate,
            subject: "/CN=127.0.0.1", in: directory,
            extensions: """
                basicConstraints=CA:FALSE
                keyUsage=critical,digitalSignature,keyEncipherment
                extendedKeyUsage=serverAuth
                subjectAltName=\(serverNames)
                """)
        try certificates.sign(
            key: certificates.clientKey, certificate: certificates.clientCertificate,
            subject: "/O=\(clientOrganization)/CN=\(clientCommonName)", in: directory,
            extensions: """
                basicConstraints=CA:FALSE
                keyUsage=critical,digitalSignature,keyEncipherment
                extendedKeyUsage=clientAuth
                """)
        return certificates
    }

    private func sign(key: URL, certificate: URL, subject: String, in directory: URL, extensions: String)
        throws
    {
        let base = certificate.deletingPathExtension().lastPathComponent
        let request = directory.appendingPathComponent("\(base).csr")
        let extensionFile = directory.appendingPathComponent("\(base).ext")
        try Data((extensions + "\n").utf8).write(to: extensionFile)
        try Self.openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key.path, "-out", request.path, "-subj", subject,
        ])
        try Self.openssl([
            "x509", "-req", "-in", request.path, "-CA", caCertificate.path, "-CAkey", caKey.path,
            "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", "2",
            "-extfile", extensionFile.path, "-out", certificate.path,
        ])
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try runCommand("openssl", arguments, timeout: 30)
        guard result.status == 0 else {
            throw TestSupportError(
                "openssl \(arguments.prefix(2).joined(separator: " ")) failed (status \(result.status)): "
                    + result.stderr)
        }
    }
}
