import Foundation
import Testing

@testable import ReplStatCapture

@Suite struct CertificateFileTests {
    /// A real certificate (a throwaway self-signed P-256 one made with openssl for this test).
    static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBhDCCASugAwIBAgIUIZ5f9CAGzMVH/e89byYaf1ON0TMwCgYIKoZIzj0EAwIw
        GDEWMBQGA1UEAwwNcmVwbHN0YXQgdGVzdDAeFw0yNjEyMDMwOTQ1MjFaFw0zNjEx
        MzAwOTQ1MjFaMBgxFjAUBgNVBAMMDXJlcGxzdGF0IHRlc3QwWTATBgcqhkjOPQIB
        BggqhkjOPQMBBwNCAASfzpy/C5U2loUpQlqNKOk5l8sIb11EfjFPqL5TL6MRKOsN
        srKm2BpfgSsjrJdwt1m7J6SSCyMsJCNbt8MCsLx3o1MwUTAdBgNVHQ4EFgQUdOVK
        ri85EbGtUWMd9j1+7GFueP0wHwYDVR0jBBgwFoAUdOVKri85EbGtUWMd9j1+7GFu
        eP0wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiBGAnGKOE73R/fj
        usI+WiMLOeJxEU9sqG4dQnfZkad7xgIgQylDqstJzF3jR4R9wy7Sqxr2ArzZ8soT
        Sw79vhIAklA=
        -----END CERTIFICATE-----

        """

    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("replstat-ca-\(UUID().uuidString).pem")
        try Data(text.utf8).write(to: path)
        return path.path
    }

    @Test func aPEMCertificateIsAccepted() throws {
        let path = try file("a bundle\n" + Self.certificate + Self.certificate)
        defer { unlink(path) }
        try CertificateFile.check(path)
    }

    @Test(arguments: [
        ("", "no PEM certificate"),
        ("not a certificate\n", "no PEM certificate"),
        ("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", "no PEM certificate"),
        // Base64 of "hello world": no DER sequence.
        ("-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n", "no PEM certificate"),
        ("-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----\n", "no PEM certificate"),
    ])
    func aFileWithoutCertificatesIsRefused(text: String, hint: String) throws {
        let path = try file(text)
        defer { unlink(path) }
        #expect {
            try CertificateFile.check(path)
        } throws: { error in
            "\(error)".contains(hint) && "\(error)".contains(path)
        }
    }

    @Test func aMissingFileIsRefused() {
        #expect(throws: CaptureSetupError.self) { try CertificateFile.check("/nonexistent/ca.pem") }
    }
}
