import Foundation
import Testing

@testable import ReplStatCore

/// JSON strings: what JSON requires, and no character a terminal obeys or that reorders text,
/// while a JSON reader still gets the very same string.
@Suite struct JSONTextTests {
    private func json(_ text: String) -> String {
        var out: [UInt8] = []
        JSONText.appendString(text.utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test(
        arguments: [
            ("a\"b\\c", #""a\"b\\c""#), ("\n\r\t", #""\n\r\t""#), ("\u{1B}[2J\u{7F}", #""\u001b[2J\u007f""#),
            ("\u{80}\u{85}\u{9B}\u{9F}", #""\u0080\u0085\u009b\u009f""#),
            ("\u{2028}\u{2029}", #""\u2028\u2029""#),
            (
                "\u{202A}\u{202E}\u{2066}\u{2069}\u{200E}\u{200F}\u{061C}",
                #""\u202a\u202e\u2066\u2069\u200e\u200f\u061c""#
            ),
            // Neighbours of those, with the same lead bytes, stay as they are.
            (
                "\u{A0}é\u{2027}\u{202F}\u{2030}\u{2065}\u{206A}\u{0600}\u{200D}",
                "\"\u{A0}é\u{2027}\u{202F}\u{2030}\u{2065}\u{206A}\u{0600}\u{200D}\""
            ),
            ("日本 😀", "\"日本 😀\""),
        ])
    func escapes(_ text: String, _ written: String) throws {
        let line = json(text)
        #expect(line == written)
        let decoded = try JSONSerialization.jsonObject(with: Data(line.utf8), options: .fragmentsAllowed) as? String
        #expect(decoded == text)
    }

    /// Every scalar from U+0000 to U+3000 comes back from a JSON reader, and no hidden one is raw.
    @Test func everyScalarRoundTrips() throws {
        let scalars = (0..<0x3000).compactMap(Unicode.Scalar.init)
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        let line = json(text)
        #expect(!line.unicodeScalars.contains { VisibleText.isHidden($0) })
        let decoded = try JSONSerialization.jsonObject(with: Data(line.utf8), options: .fragmentsAllowed) as? String
        #expect(decoded?.unicodeScalars.elementsEqual(text.unicodeScalars) == true)
    }
}
