import ReplStatCore
import ReplStatPipelines
import Testing

@testable import ReplStatPipelineFile

#if canImport(Glibc)
    import Glibc
#endif

/// Pipeline files made to cost time: refused at once, with their place, before Yams composes
/// them; and a byte-order mark, which editors write, accepted.
@Suite struct HostileYAMLTests {
    /// The one-line message of a file that must be rejected, and the CPU time parsing took on
    /// this thread (not the wall time, which a loaded machine stretches at will).
    private func failure(_ text: String) -> (message: String, seconds: Double) {
        let start = Self.threadCPUSeconds()
        let message: String
        do {
            _ = try PipelineFile.parse(text, file: "p.yaml")
            message = "accepted"
        } catch {
            message = error.description
        }
        return (message, Self.threadCPUSeconds() - start)
    }

    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Anchors a0 ... a`levels - 1`, each a list of ten aliases to the one before (a0: ten
    /// scalars), so that `*a<n>` stands for more than 10^(n+1) nodes.
    private static func anchors(_ levels: Int) -> String {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1..<levels {
            lines.append(
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The 470-byte file that made Yams hash ten million nodes (17 s of CPU in a release build),
    /// and the same one level deeper (minutes): refused at the first alias past 10,000 nodes
    /// (the 8th `*a2` of a3's list, each standing for 1,111 nodes), well within two seconds of
    /// CPU seconds: the refusal walks a few dozen events.
    @Test(arguments: [8, 9])
    func aliasBombAsAKeyIsRefusedAtOnce(_ levels: Int) {
        let text = Self.anchors(levels) + "sinks:\n  ? *a\(levels - 1) : 1\n"
        #expect(text.utf8.count < 600)
        let (message, seconds) = failure(text)
        #expect(
            message
                == "p.yaml:4:45: aliases here expand to more than 10000 nodes; a pipeline file needs few: "
                + "write the values out")
        #expect(seconds < 2)
    }

    @Test func aliasBombAsAValueIsRefusedToo() {
        let sources = "sources: [" + Array(repeating: "*a2", count: 8).joined(separator: ", ") + "]\n"
        let (message, _) = failure(Self.anchors(3) + sources + "sinks: {markdown: r.md}\n")
        #expect(message.hasPrefix("p.yaml:4:46: aliases here expand to more than 10000 nodes"))
    }

    /// 100 aliases to a list of 100 nodes (the list and 99 scalars) bring exactly 10,000 nodes:
    /// allowed (the file is then refused for its unknown keys); one scalar more is too many.
    @Test(arguments: [(99, "p.yaml:1:1: unknown key 'a'"), (100, "p.yaml:2:")])
    func theLimitIsTenThousandNodes(_ scalars: Int, _ prefix: String) {
        let list = "a: &a [" + Array(repeating: "x", count: scalars).joined(separator: ", ") + "]\n"
        let aliases = "b: [" + Array(repeating: "*a", count: 100).joined(separator: ", ") + "]\n"
        let (message, _) = failure(list + aliases)
        #expect(message.hasPrefix(prefix), "\(message)")
    }

    @Test(
        arguments: [
            ("? [a, b]\n: 1\n", "p.yaml:1:3: a key must be a name, not a list or a mapping"),
            ("? {a: 1}\n: 1\n", "p.yaml:1:3: a key must be a name, not a list or a mapping"),
            ("x: &l [a]\nsinks: {*l : 1}\n", "p.yaml:2:9: a key must be a name, not a list or a mapping"),
            ("sinks: {[a]: 1}\n", "p.yaml:1:9: a key must be a name, not a list or a mapping"),
        ])
    func keysThatAreNotNamesAreRefused(_ text: String, _ message: String) {
        #expect(failure(text).message == message)
    }

    /// A few aliases are what YAML is for: one value given once and used twice.
    @Test func aliasesToScalarsStillWork() throws {
        let pipeline = try PipelineFile.parse(
            "sources: [a.jsonl]\nanalysis: {max-gap: &window 120, reorder-window: *window}\nsinks: {csv: out}\n",
            file: "p.yaml")
        #expect(pipeline.options.maxGap == 120_000)
        #expect(pipeline.options.reorderWindow == 120_000)
    }

    /// A message goes to a terminal: a key's C1 or bidirectional controls show as escapes.
    @Test func messagesShowHiddenCharactersOfTheFile() {
        let message = failure("sources: [a]\nsinks: {\"x\\u202Ey\\u009Bz\": 1}\n").message
        #expect(message.hasPrefix(#"p.yaml:2:9: unknown key 'x\u{202E}y\u{9B}z' in sinks"#), "\(message)")
    }

    @Test func aByteOrderMarkIsAccepted() throws {
        let pipeline = try PipelineFile.parse("\u{FEFF}sources: [a.jsonl]\nsinks:\n  markdown: r.md\n", file: "p.yaml")
        #expect(pipeline.sources.map(\.kind) == [.path("a.jsonl")])
        #expect(pipeline.sources[0].location == FileLocation(file: "p.yaml", line: 1, column: 11))
        #expect(pipeline.reports.markdown == .file("r.md"))
    }
}
