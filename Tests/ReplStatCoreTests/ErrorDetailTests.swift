import Testing

@testable import ReplStatCore

@Suite struct ErrorDetailTests {
    func detail(_ line: String) -> ErrorDetail {
        Array(line.utf8).withUnsafeBytes { ErrorDetail.parse($0) }
    }

    @Test func openSearchsEnvelopeGivesTypeAndStatus() {
        let line =
            #"{"@timestamp":"2026-11-28T00:00:00Z","index":"a","response":{"error":{"root_cause":[{"type":"inner"}],"#
            + #""type":"security_exception","reason":"no permissions"},"status":403}}"#
        #expect(detail(line) == ErrorDetail(type: "security_exception", httpStatus: 403))
    }

    @Test func theFlatLayoutToo() {
        let line = #"{"ts":1,"index":"a","error":{"type":"capture_timeout","reason":"x"}}"#
        #expect(detail(line) == ErrorDetail(type: "capture_timeout", httpStatus: nil))
    }

    @Test(
        arguments: [
            // Only the error object's own key, never one of a nested object.
            (#"{"error":{"root_cause":[{"type":"inner"}],"caused_by":{"type":"deep"}}}"#, nil),
            // The last occurrence of a key counts; a type that is no string is none.
            (#"{"error":{"type":"first","type":"last"}}"#, "last"),
            (#"{"error":{"type":"first","type":7}}"#, nil),
            // Escapes are decoded; a string error (older versions) has no type.
            (#"{"error":{"type":"a\"b\u00e9"}}"#, "a\"bé"),
            (#"{"error":"IndexMissingException[[a] missing]"}"#, nil),
            (#"{"error" : { "reason" : "x" , "type" : "spaced" } }"#, "spaced"),
        ] as [(String, String?)])
    func typeIsTheErrorObjectsOwnStringMember(body: String, type: String?) {
        let line = #"{"@timestamp":"2026-11-28T00:00:00Z","index":"a","response":"# + body + "}"
        #expect(detail(line).type == type, "\(body)")
    }

    @Test func aStatusThatIsNoIntegerIsNone() {
        let line = #"{"ts":1,"index":"a","response":{"error":{"type":"x"},"status":"500"}}"#
        #expect(detail(line) == ErrorDetail(type: "x", httpStatus: nil))
        let fraction = #"{"ts":1,"index":"a","response":{"error":{"type":"x"},"status":500.5}}"#
        #expect(detail(fraction).httpStatus == nil)
    }
}
