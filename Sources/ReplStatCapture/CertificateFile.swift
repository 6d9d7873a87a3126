import ReplStatCore

/// A `--ca-file`, checked when the capture starts: a wrong path or a file that holds no
/// certificate should stop the command, not fill the capture with TLS errors. libcurl reads
/// the file itself, for each new connection.
public enum CertificateFile {
    /// Larger than any bundle of CA certificates (the system's holds about 150 in 220 KB).
    static let maxBytes = 8 << 20

    /// Checks that `path` can be read and holds at least one PEM certificate: a
    /// `BEGIN CERTIFICATE` block whose base64 decodes to one DER SEQUENCE, as X.509 certificates are.
    public static func check(_ path: String) throws(CaptureSetupError) {
        let bytes: [UInt8]
        do {
            bytes = try InputSource.file(path).contents(limit: maxBytes)
        } catch {
            throw CaptureSetupError("--ca-file \(path): cannot read it (\(error.detail))")
        }
        guard bytes.count <= maxBytes else {
            throw CaptureSetupError("--ca-file \(path): larger than 8 MiB: not a file of CA certificates")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let certificates = blocks(in: text).filter(isDERSequence)
        guard !certificates.isEmpty else {
            throw CaptureSetupError(
                "--ca-file \(path): no PEM certificate in it (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)"
            )
        }
    }

    /// The base64 text of each certificate block, without its line breaks.
    static func blocks(in text: String) -> [String] {
        let begin = "-----BEGIN CERTIFICATE-----"
        let end = "-----END CERTIFICATE-----"
        var found: [String] = []
        var rest = text[...]
        while let start = rest.firstRange(of: begin), let stop = rest[start.upperBound...].firstRange(of: end) {
            found.append(String(rest[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }))
            rest = rest[stop.upperBound...]
        }
        return found
    }

    /// Whether `base64` decodes to exactly one DER SEQUENCE (tag 0x30 and a length that covers the rest).
    static func isDERSequence(_ base64: String) -> Bool {
        guard let der = decodeBase64(base64), der.count >= 2, der[0] == 0x30 else { return false }
        let first = Int(der[1])
        if first < 0x80 { return der.count == 2 + first }
        let lengthBytes = first & 0x7F
        guard (1...4).contains(lengthBytes), der.count >= 2 + lengthBytes else { return false }
        let length = der[2..<(2 + lengthBytes)].reduce(0) { $0 << 8 | Int($1) }
        return der.count == 2 + lengthBytes + length
    }

    static func decodeBase64(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text.utf8 {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        guard (text.utf8.count % 4 == 0), padding <= 2 else { return nil }
        return out
    }
}
