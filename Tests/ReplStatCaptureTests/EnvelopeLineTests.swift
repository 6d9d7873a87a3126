import ReplStatCore
import Testing

@testable import ReplStatCapture

@Suite struct EnvelopeLineTests {
    /// 2026-11-30T12:00:00.123Z, by hand: 20,787 days after 1970-01-01 (Python: (date(2026,11,30) - date(1970,1,1)).days), plus 12 h.
    static let noon: Int64 = 20_787 * 86_400_000 + 12 * 3_600_000 + 123
    let builder = EnvelopeLineBuilder()

    func text(_ index: String, _ answer: PollAnswer) -> (String, Bool) {
        let (bytes, isError) = builder.line(timestamp: Self.noon, index: index, answer: answer)
        return (String(decoding: bytes, as: UTF8.self), isError)
    }

    @Test func aStatusAnswerIsWrappedAsReturned() {
        let body = #"{"status":"PAUSED","reason":"User initiated","unknown_key":[1,2.5e3,null]}"#
        let (line, isError) = text("follower-01", .answered(httpStatus: 200, body: Array(body.utf8)))
        #expect(line == #"{"@timestamp":"2026-11-30T12:00:00.123Z","index":"follower-01","response":"# + body + "}")
        #expect(!isError)
    }

    @Test func aPrettyPrintedAnswerFitsOnOneLineWithItsStringsIntact() {
        let body = "\u{FEFF}{\r\n  \"status\" : \"FAILED\",\n  \"reason\" : \"a\\nb\"\n}\n"
        let (line, _) = text("f", .answered(httpStatus: 200, body: Array(body.utf8)))
        #expect(line.hasSuffix(#""response":{    "status" : "FAILED",   "reason" : "a\nb" } }"#))
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{FEFF}"))
    }

    @Test func openSearchErrorAnswersAreKeptAsErrorSamples() {
        let body =
            #"{"error":{"root_cause":[],"type":"security_exception","reason":"no permissions"},"status":403}"#
        let (line, isError) = text("f", .answered(httpStatus: 403, body: Array(body.utf8)))
        #expect(line.hasSuffix(#""response":"# + body + "}"))
        #expect(isError)
    }

    @Test func anErrorAnswerWithStatus200IsStillAnErrorSample() {
        let (_, isError) = text("f", .answered(httpStatus: 200, body: Array(#"{"error":"x"}"#.utf8)))
        #expect(isError)
    }

    @Test func aFailedStatusWithoutTheErrorEnvelopeKeepsItsBodyInsideOne() {
        let (line, isError) = text("f", .answered(httpStatus: 503, body: Array(#"{"message":"busy"}"#.utf8)))
        #expect(
            line.hasSuffix(
                #""response":{"error":{"type":"capture_http_error","reason":"HTTP 503 without an error object"},"#
                    + #""status":503,"body":{"message":"busy"}}}"#))
        #expect(isError)
    }

    @Test(arguments: [
        (200, "<html>ok</html>", "capture_invalid_response", "HTTP 200 answer is not a JSON object: <html>ok</html>"),
        (200, "[1,2]", "capture_invalid_response", "HTTP 200 answer is not a JSON object: [1,2]"),
        (
            200, #"{"status":"SYNCING""#, "capture_invalid_response",
            #"HTTP 200 answer is not a JSON object: {\"status\":\"SYNCING\""#
        ),
        (200, "", "capture_invalid_response", "HTTP 200 answer is not a JSON object: (empty)"),
        // Every error status is an HTTP error, whatever its body.
        (
            502, "<html>bad gateway</html>", "capture_http_error",
            "HTTP 502 answer is not a JSON object: <html>bad gateway</html>"
        ),
        (403, "<h1>Forbidden</h1>", "capture_http_error", "HTTP 403 answer is not a JSON object: <h1>Forbidden</h1>"),
        (503, "", "capture_http_error", "HTTP 503 answer is not a JSON object: (empty)"),
        (
            302, "", "capture_http_error",
            "HTTP 302 answer is not a JSON object: (empty) (redirects are not followed: give the address the cluster answers at)"
        ),
    ])
    func anAnswerThatIsNotAJSONObjectBecomesACaptureError(status: Int, body: String, type: String, reason: String) {
        let (line, isError) = text("f", .answered(httpStatus: status, body: Array(body.utf8)))
        #expect(
            line
                == #"{"@timestamp":"2026-11-30T12:00:00.123Z","index":"f","response":{"error":{"type":""# + type
                + #"","reason":""# + reason + #""},"status":\#(status)}}"#)
        #expect(isError)
    }

    /// Valid inside the envelope, but not one value: it would overwrite the envelope's index and time.
    @Test func aBodyThatIsNotOneObjectCannotReachIntoTheEnvelope() {
        let body = #"{"status":"SYNCING"},"index":"other","@timestamp":"2000-01-01T00:00:00Z""#
        let (line, isError) = text("f", .answered(httpStatus: 200, body: Array(body.utf8)))
        #expect(line.contains(#""index":"f","response":{"error":{"type":"capture_invalid_response""#))
        #expect(!line.contains(#""index":"other""#))
        #expect(isError)
    }

    /// 64 levels are fine alone (the limit of docs/format.md) but one too many inside the envelope.
    @Test func aBodyNestedTooDeepForTheEnvelopeIsAnError() {
        let deepest = "{\"a\":" + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
        let (line, isError) = text("f", .answered(httpStatus: 200, body: Array(deepest.utf8)))
        #expect(line.contains("capture_invalid_response") && line.contains("nested deeper than 64 levels"))
        #expect(isError)
        let fits = "{\"a\":" + String(repeating: "[", count: 62) + String(repeating: "]", count: 62) + "}"
        let (kept, _) = text("f", .answered(httpStatus: 200, body: Array(fits.utf8)))
        #expect(kept.hasSuffix(#""response":"# + fits + "}"))
    }

    /// The line, not only the body, must stay within analyze's default limit of 1 MiB.
    @Test func anAnswerThatMakesTheLineLongerThan1MiBIsAnError() {
        let envelopeBytes = #"{"@timestamp":"2026-11-30T12:00:00.123Z","index":"f","response":}"#.utf8.count
        func body(_ size: Int) -> [UInt8] {
            let head = Array(#"{"status":"PAUSED","pad":""#.utf8)
            return head + [UInt8](repeating: UInt8(ascii: "x"), count: size - head.count - 2) + Array(#""}"#.utf8)
        }
        let (longest, isError) = builder.line(
            timestamp: Self.noon, index: "f", answer: .answered(httpStatus: 200, body: body((1 << 20) - envelopeBytes)))
        #expect(longest.count == 1 << 20)
        #expect(!isError)
        let (tooLong, _) = text("f", .answered(httpStatus: 200, body: body((1 << 20) - envelopeBytes + 1)))
        #expect(tooLong.contains("capture_response_too_large"))
        #expect(tooLong.contains("makes a line longer than 1 MiB"))
    }

    @Test func aLongAnswerIsCutInTheReasonAtACharacterBoundary() {
        let body = String(repeating: "x", count: 199) + "é" + String(repeating: "y", count: 50)
        let reason = EnvelopeLineBuilder.excerpt(Array(body.utf8))
        #expect(reason == String(repeating: "x", count: 199) + "...")
    }

    @Test func aFailedPollIsAnErrorSampleWithoutHTTPStatus() {
        let failure = PollFailure(kind: .timeout, reason: "no answer in time")
        let (line, isError) = text(#"we"ird"#, .failed(failure))
        #expect(
            line
                == #"{"@timestamp":"2026-11-30T12:00:00.123Z","index":"we\"ird","response":{"error":{"type":"capture_timeout","reason":"no answer in time"}}}"#
        )
        #expect(isError)
    }

    /// What capture writes is what analyze accepts: each answer kind decodes to the intended outcome.
    @Test func everyLineDecodesToTheIntendedOutcome() {
        let syncing =
            "{\n\"status\":\"SYNCING\",\"syncing_details\":{\"leader_checkpoint\":3,\"follower_checkpoint\":1}}"
        let answers: [(PollAnswer, isStatus: Bool)] = [
            (.answered(httpStatus: 200, body: Array(#"{"status":"RUNNING"}"#.utf8)), true),
            (.answered(httpStatus: 200, body: Array(syncing.utf8)), true),
            (.answered(httpStatus: 500, body: Array(#"{"error":{"type":"x"},"status":500}"#.utf8)), false),
            (.answered(httpStatus: 502, body: Array("nope".utf8)), false),
            (.answered(httpStatus: 404, body: Array(#"{"found":false}"#.utf8)), false),
            (.failed(PollFailure(kind: .connectionFailed, reason: "refused")), false),
        ]
        var decoder = RecordDecoder()
        for (answer, isStatus) in answers {
            let (bytes, _) = builder.line(timestamp: Self.noon, index: "f", answer: answer)
            let decoded = bytes.withUnsafeBytes { decoder.decode(FramedLine(bytes: $0)) }
            switch decoded {
            case .status: #expect(isStatus, "\(answer)")
            case .error(let sample):
                #expect(!isStatus, "\(answer)")
                #expect(sample.timestamp == Self.noon)
            case .rejected(let outcome): Issue.record("\(answer) rejected as \(outcome)")
            }
        }
    }
}

@Suite struct CredentialsTests {
    @Test func basicAuthenticationIsBase64OfUserColonPassword() throws {
        let credentials = try Credentials.fromEnvironment {
            ["REPLSTAT_USER": "ops", "REPLSTAT_PASSWORD": "s3cret"][$0]
        }
        #expect(credentials == .basic(user: "ops", password: "s3cret"))
        // By hand: base64("ops:s3cret").
        #expect(credentials?.authorization == "Basic b3BzOnMzY3JldA==")
    }

    @Test func anAPIKeyIsSentAsIs() throws {
        let credentials = try Credentials.fromEnvironment { ["REPLSTAT_API_KEY": "abc=="][$0] }
        #expect(credentials?.authorization == "ApiKey abc==")
    }

    @Test func noneSetMeansNoHeaderAndEmptyMeansUnset() throws {
        #expect(try Credentials.fromEnvironment { _ in nil } == nil)
        #expect(try Credentials.fromEnvironment { _ in "" } == nil)
    }

    @Test(arguments: [
        ["REPLSTAT_USER": "ops"],
        ["REPLSTAT_PASSWORD": "p"],
        ["REPLSTAT_API_KEY": "k", "REPLSTAT_PASSWORD": "p"],
    ])
    func halfOrDoubleSetIsRefused(environment: [String: String]) {
        #expect(throws: CaptureSetupError.self) { try Credentials.fromEnvironment { environment[$0] } }
    }

    /// A CR or LF in a credential would end the `Authorization` header and start another one
    /// (header injection): refused, and the message never shows the secret.
    @Test(arguments: [
        (["REPLSTAT_API_KEY": "abc\r\nX-Injected: yes"], "REPLSTAT_API_KEY", 4),
        (["REPLSTAT_API_KEY": "abc==\r"], "REPLSTAT_API_KEY", 6),
        (["REPLSTAT_API_KEY": "a\u{7F}b"], "REPLSTAT_API_KEY", 2),
        (["REPLSTAT_USER": "ops\n", "REPLSTAT_PASSWORD": "s3cret"], "REPLSTAT_USER", 4),
        (["REPLSTAT_USER": "ops", "REPLSTAT_PASSWORD": "s3\u{0}cret"], "REPLSTAT_PASSWORD", 3),
    ])
    func aControlCharacterIsRefusedWithoutShowingTheValue(
        environment: [String: String], variable: String, byte: Int
    ) {
        do {
            _ = try Credentials.fromEnvironment { environment[$0] }
            Issue.record("accepted \(environment)")
        } catch {
            #expect(error.description.hasPrefix("\(variable) holds a control character at byte \(byte)"))
            for secret in ["abc", "s3", "ops\n", "X-Injected"] {
                #expect(!error.description.contains(secret), "\(error.description)")
            }
        }
    }

    @Test func aColonInTheUserNameIsRefused() {
        #expect(throws: CaptureSetupError.self) {
            try Credentials.fromEnvironment { ["REPLSTAT_USER": "team:ops", "REPLSTAT_PASSWORD": "p"][$0] }
        }
        // In the password a colon is fine: the server splits at the first one.
        #expect(
            (try? Credentials.fromEnvironment { ["REPLSTAT_USER": "ops", "REPLSTAT_PASSWORD": "a:b"][$0] })
                == .basic(user: "ops", password: "a:b"))
    }
}

@Suite struct IndexListTests {
    @Test func namesAreReadOnePerLineWithoutCommentsOrBlanks() {
        let text =
            "# followers of us-east-1\nfollower-01\n\n  follower-02  # the big one\r\n\tfollower-03\n#follower-04\n"
        #expect(IndexList.parse(text) == ["follower-01", "follower-02", "follower-03"])
    }

    @Test func repeatedNamesArePolledOnce() throws {
        #expect(try IndexList.combine(named: ["a", "b", "a"], file: nil) == ["a", "b"])
    }

    @Test func namesAreEscapedInThePath() {
        #expect(ClusterURL.percentEncoded("follower-01.x_y~") == "follower-01.x_y~")
        #expect(ClusterURL.percentEncoded("a/b c?é") == "a%2Fb%20c%3F%C3%A9")
    }
}
