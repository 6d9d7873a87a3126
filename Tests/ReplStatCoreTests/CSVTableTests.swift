import Testing

@testable import ReplStatCore

/// RFC 4180 quoting, and the defusing of text taken from a capture (docs/format.md, CSV conventions).
@Suite struct CSVTableTests {
    private func text(_ table: CSVTable) -> String { String(decoding: table.bytes, as: UTF8.self) }

    @Test func quotesWhatRFC4180Needs() {
        var table = CSVTable(header: ["a", "b"])
        table.append(["x,y", #"say "hi""#])
        table.append(["line\nbreak", "cr\r"])
        #expect(text(table) == "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"line\nbreak\",\"cr\r\"\n")
    }

    /// Each leading character a spreadsheet reads as the start of a formula, in each column of
    /// capture text; the `'` goes inside the quotes when the field needs them.
    @Test(
        arguments: [
            ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
            ("\r=x", "\"'\r=x\""),
            (#"=HYPERLINK("http://a.example","go")"#, #""'=HYPERLINK(""http://a.example"",""go"")""#),
            ("=a,b", "\"'=a,b\""), ("a=b", "a=b"), (" =x", " =x"), ("'=x", "'=x"), ("", ""),
        ])
    func captureTextThatStartsLikeAFormulaIsDefused(_ value: String, _ written: String) {
        for column in ["index", "leader_alias", "leader_index", "reason", "error_type"] {
            var table = CSVTable(columns: ["n", column])
            table.append(["1", value])
            #expect(text(table) == "1," + written + "\n", "\(column)")
        }
    }

    /// Numbers (a negative checkpoint), names from the command line (`-` is standard input) and
    /// the header are written as they are.
    @Test func otherColumnsAndTheHeaderAreLeftAlone() {
        var table = CSVTable(header: ["source", "leader_checkpoint", "index"], capturedText: ["index"])
        table.append(["-", "-5", "-x"])
        #expect(text(table) == "source,leader_checkpoint,index\n-,-5,'-x\n")
        var unmarked = CSVTable(header: ["index"], capturedText: [])
        unmarked.append(["=x"])
        #expect(text(unmarked) == "index\n=x\n")
    }

    /// `watch --format csv`: capture text defused after its hidden characters are made visible,
    /// the source's name as given.
    @Test func eventRowsAreDefusedAndShowHiddenCharacters() {
        let row = EventFormat.csvLine([
            ("event", .string("error_start")), ("index", .string("=cmd|' /C calc'!A0")),
            ("error_type", .string("+\u{1B}[2J")), ("source", .string("-")), ("line", .number("-1")),
            ("reason", .string("\tx\\y\u{9B}z\u{202E}")),
        ])
        let expected =
            #"error_start,,'=cmd|' /C calc'!A0,,,\u{9}x\\y\u{9B}z\u{202E},,,,,,,,-,-1,'+\u{1B}[2J,,,,,"# + "\n"
        #expect(String(decoding: row, as: UTF8.self) == expected)
    }
}
