import ReplStatCore

/// What one poll of one index came back with.
public enum PollAnswer: Sendable, Equatable {
    /// The server answered with this HTTP status and body.
    case answered(httpStatus: Int, body: [UInt8])
    /// There is no answer to keep: the request failed, or the answer could not be read.
    case failed(PollFailure)
}

/// Why a poll has no answer. It is written down as an error sample, so that a capture shows
/// when the poller could not see the cluster instead of silently missing those minutes.
public struct PollFailure: Sendable, Equatable {
    /// The `error.type` written into the capture line.
    public enum Kind: String, Sendable {
        case timeout = "capture_timeout"
        case connectionFailed = "capture_connection_failed"
        case tlsFailed = "capture_tls_failed"
        case requestFailed = "capture_request_failed"
        case responseTooLarge = "capture_response_too_large"
        case invalidResponse = "capture_invalid_response"
        case httpError = "capture_http_error"
    }

    public let kind: Kind
    public let reason: String
    /// The HTTP status when the server did answer.
    public let httpStatus: Int?

    public init(kind: Kind, reason: String, httpStatus: Int? = nil) {
        self.kind = kind
        self.reason = reason
        self.httpStatus = httpStatus
    }
}

/// Builds the capture lines of docs/format.md:
/// `{"@timestamp":"...","index":"...","response":BODY}`, with the body as the server sent it.
public struct EnvelopeLineBuilder {
    /// Longest line written: analyze's default line limit. A longer answer would be rejected as
    /// `line_too_long`, so it is written down as an error sample instead.
    public static let maxLineBytes = 1 << 20
    /// Longest answer body read (the line around it adds a little).
    public static let maxBodyBytes = maxLineBytes
    /// How much of an answer that is not JSON goes into the error's reason.
    static let excerptBytes = 200

    private let scanner = JSONLineScanner()

    public init() {}

    /// One line without its LF, and whether it holds an error sample.
    public func line(timestamp: Int64, index: String, answer: PollAnswer) -> (bytes: [UInt8], isError: Bool) {
        switch answer {
        case .failed(let failure):
            return (envelope(timestamp, index, body: errorBody(failure)), true)
        case .answered(let httpStatus, let body):
            let compact = Self.singleLine(body)
            func failed(_ kind: PollFailure.Kind, _ reason: String) -> (bytes: [UInt8], isError: Bool) {
                let failure = PollFailure(
                    kind: kind, reason: "HTTP \(httpStatus) answer " + reason, httpStatus: httpStatus)
                return (envelope(timestamp, index, body: errorBody(failure)), true)
            }
            // The body alone must be one object: checked only inside the envelope, a body like
            // `{...},"index":"other"` would pass and overwrite the envelope's own keys.
            guard compact.withUnsafeBytes({ scanner.scan($0) }) == .object else {
                // An error status is what matters (a proxy's HTML 403 or 503, a redirect): the body
                // is only its detail. A success status with such a body is an answer gone wrong.
                let isSuccess = (200..<300).contains(httpStatus)
                let redirect =
                    (300..<400).contains(httpStatus)
                    ? " (redirects are not followed: give the address the cluster answers at)" : ""
                return failed(
                    isSuccess ? .invalidResponse : .httpError,
                    "is not a JSON object: \(Self.excerpt(body))" + redirect)
            }
            let hasError = !scanner[.flatError].isMissing
            var kept = compact
            let isWrapped = !(200..<300).contains(httpStatus) && !hasError
            if isWrapped {
                // A proxy's or a plugin's answer without OpenSearch's error envelope: keep the body, but
                // as an error sample, since it is no status of the index.
                let failure = PollFailure(
                    kind: .httpError, reason: "HTTP \(httpStatus) without an error object", httpStatus: httpStatus)
                kept = errorBody(failure)
                kept.removeLast()
                kept.append(contentsOf: Array(#","body":"#.utf8))
                kept.append(contentsOf: compact)
                kept.append(UInt8(ascii: "}"))
            }
            let line = envelope(timestamp, index, body: kept)
            // What analyze would reject with its defaults is written down as an error sample instead.
            guard line.count <= Self.maxLineBytes else {
                return failed(.responseTooLarge, "of \(body.count) bytes makes a line longer than 1 MiB")
            }
            guard line.withUnsafeBytes({ scanner.scan($0) }) == .object else {
                return failed(
                    .invalidResponse, "is nested deeper than \(JSONLineScanner.maxDepth) levels once in the envelope")
            }
            return (line, hasError || isWrapped)
        }
    }

    private func envelope(_ timestamp: Int64, _ index: String, body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + index.utf8.count + 64)
        out.append(contentsOf: Array(#"{"@timestamp":""#.utf8))
        Timestamp.append(timestamp, to: &out)
        out.append(contentsOf: Array(#"","index":"#.utf8))
        JSONText.appendString(index.utf8, to: &out)
        out.append(contentsOf: Array(#","response":"#.utf8))
        out.append(contentsOf: body)
        out.append(UInt8(ascii: "}"))
        return out
    }

    private func errorBody(_ failure: PollFailure) -> [UInt8] {
        var out = Array(#"{"error":{"type":""#.utf8)
        out.append(contentsOf: Array(failure.kind.rawValue.utf8))
        out.append(contentsOf: Array(#"","reason":"#.utf8))
        JSONText.appendString(failure.reason.utf8, to: &out)
        out.append(UInt8(ascii: "}"))
        if let status = failure.httpStatus {
            out.append(contentsOf: Array(#","status":"#.utf8))
            out.append(contentsOf: Array(String(status).utf8))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// A pretty-printed answer spans lines. Inside valid JSON, CR and LF can only be whitespace
    /// between tokens (in strings they must be escaped), so blanking them keeps the value; an
    /// answer that is not valid JSON stays invalid. A byte-order mark is not part of the value.
    static func singleLine(_ body: [UInt8]) -> [UInt8] {
        var bytes = body
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        for i in bytes.indices where bytes[i] == 0x0A || bytes[i] == 0x0D { bytes[i] = 0x20 }
        return bytes
    }

    /// The start of an answer, as text a person can read in the error's reason.
    static func excerpt(_ body: [UInt8]) -> String {
        if body.isEmpty { return "(empty)" }
        var text = String(decoding: body.prefix(excerptBytes), as: UTF8.self)
        // A multi-byte character cut at the limit decodes to one replacement character: drop it.
        if body.count > excerptBytes, text.hasSuffix("\u{FFFD}") { text.removeLast() }
        text = String(text.map { $0.isNewline ? " " : $0 })
        return body.count > excerptBytes ? text + "..." : text
    }
}
