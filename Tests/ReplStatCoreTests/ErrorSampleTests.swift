import Testing

@testable import ReplStatCore

/// What an error sample says of itself (docs/format.md, error episodes): `http_status` is the
/// body's integer `status`, `error_type` the error object's own `type` string, `reason` its
/// `reason` string or the error itself when it is a string.
@Suite struct ErrorSampleTests {
    private struct Said: Equatable {
        var httpStatus: Int64?
        var type: String?
        var reason: String?
    }

    private static func said(_ line: String) -> Said? {
        var decoder = RecordDecoder()
        guard case .error(let sample) = Array(line.utf8).withUnsafeBytes({ decoder.decode(FramedLine(bytes: $0)) })
        else { return nil }
        func text(_ id: Int32) -> String? { id == StatusSample.none ? nil : decoder.texts.string(id) }
        return Said(
            httpStatus: sample.hasHTTPStatus ? sample.httpStatus : nil, type: text(sample.type),
            reason: text(sample.reason))
    }

    private static func nested(_ body: String) -> String {
        #"{"@timestamp":"2026-11-28T00:00:00Z","index":"a","response":"# + body + "}"
    }

    @Test func openSearchsEnvelope() {
        let line = Self.nested(
            #"{"error":{"root_cause":[{"type":"inner","reason":"inner"}],"type":"security_exception","#
                + #""reason":"no permissions"},"status":403}"#)
        #expect(Self.said(line) == Said(httpStatus: 403, type: "security_exception", reason: "no permissions"))
    }

    @Test func theFlatLayoutToo() {
        let line = #"{"ts":1,"index":"a","error":{"type":"capture_timeout","reason":"x"}}"#
        #expect(Self.said(line) == Said(httpStatus: nil, type: "capture_timeout", reason: "x"))
        // With a response, its body counts and the envelope's error fields do not.
        let both = #"{"ts":1,"index":"a","error":{"type":"outer"},"status":1,"response":{"error":{"reason":"in"}}}"#
        #expect(Self.said(both) == Said(httpStatus: nil, type: nil, reason: "in"))
    }

    @Test(
        arguments: [
            // Only the error object's own keys, never those of a nested object.
            (#"{"error":{"root_cause":[{"type":"inner"}],"caused_by":{"type":"deep","reason":"deep"}}}"#, nil, nil),
            // The last occurrence of a key counts; a value that is no string is none.
            (#"{"error":{"type":"first","type":"last","reason":"r1","reason":"r2"}}"#, "last", "r2"),
            (#"{"error":{"type":"first","type":7,"reason":["x"]}}"#, nil, nil),
            (#"{"error":{"type":"gone"},"error":{"reason":"kept"}}"#, nil, "kept"),
            // Escapes are decoded; an empty type is none.
            (#"{"error":{"type":"a\"b\u00e9","reason":"l1\nl2"}}"#, "a\"b\u{e9}", "l1\nl2"),
            (#"{"error":{"type":"","reason":""}}"#, nil, ""),
            // A string error (older versions) is the reason, and there is no type.
            (#"{"error":"IndexMissingException[[a] missing]"}"#, nil, "IndexMissingException[[a] missing]"),
            (#"{"error" : { "reason" : "x" , "type" : "spaced" } }"#, "spaced", "x"),
            (#"{"error":5}"#, nil, nil),
        ] as [(String, String?, String?)])
    func typeAndReason(body: String, type: String?, reason: String?) {
        #expect(Self.said(Self.nested(body)) == Said(httpStatus: nil, type: type, reason: reason), "\(body)")
    }

    @Test(
        arguments: [
            ("500", 500), ("-1", -1), ("0", 0), ("-0", 0), ("9223372036854775807", .max),
            ("-9223372036854775808", .min),
        ] as [(String, Int64)])
    func httpStatusIsAnInteger(text: String, value: Int64) {
        #expect(Self.said(Self.nested(#"{"error":{},"status":\#(text)}"#))?.httpStatus == value)
    }

    @Test(arguments: [#""500""#, "500.0", "5e2", "404.5", "9223372036854775808", "null", "true", "{}"])
    func aStatusThatIsNoInt64IsNone(text: String) {
        #expect(Self.said(Self.nested(#"{"error":{},"status":\#(text)}"#)) == Said(), "\(text)")
    }
}
