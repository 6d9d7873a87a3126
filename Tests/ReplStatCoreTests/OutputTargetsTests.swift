import Foundation
import Testing

@testable import ReplStatCore

@Suite struct OutputTargetsTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("replstat-targets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("x\n".utf8).write(to: folder.appendingPathComponent("in.jsonl"))
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("link.jsonl").path, withDestinationPath: "in.jsonl")
    }

    func path(_ name: String) -> String { folder.path + "/" + name }

    @Test(arguments: ["in.jsonl", "./in.jsonl", "sub/../in.jsonl", "sub//../in.jsonl", "new/../in.jsonl", "link.jsonl"])
    func anOutputThatIsAnInputUnderAnotherSpellingIsRefused(_ spelling: String) {
        var targets = OutputTargets()
        targets.inputs = [path("in.jsonl")]
        targets.files = [.init(path(spelling), writer: "the rejects file")]
        #expect(
            targets.conflict()?.hasPrefix("the rejects file writes \(path(spelling)), which is also a source") == true)
    }

    @Test(arguments: ["in.jsonl", "sub/../in.jsonl", "link.jsonl", "new/../absent.yaml"])
    func anOutputOnAnotherFileTheRunReadsIsRefused(_ spelling: String) {
        var targets = OutputTargets()
        targets.otherInputs = [(path("absent.yaml"), "the pipeline file"), (path("in.jsonl"), "x")]
        targets.files = [.init(path(spelling), writer: "the markdown report")]
        let role = spelling.hasSuffix("absent.yaml") ? "the pipeline file" : "x"
        #expect(
            targets.conflict()
                == "the markdown report writes \(path(spelling)), which is \(role): it would be replaced; "
                + "give the markdown report another path")
    }

    @Test func twoOutputsOnOneNewFileAreRefused() {
        var targets = OutputTargets()
        targets.files = [.init(path("new/r.md"), writer: "a"), .init(path("sub/../new/./r.md"), writer: "b")]
        #expect(targets.conflict() == "a and b both write \(path("sub/../new/./r.md")): give each its own file")
    }

    @Test func aFileOnTheCSVFolderOrOnAFolderIsRefused() {
        var targets = OutputTargets()
        targets.folders = [.init(path("out"), writer: "the csv tables")]
        targets.files = [.init(path("out/summary.csv"), writer: "t"), .init(path("./out"), writer: "r")]
        #expect(targets.conflict() == "r writes \(path("./out")), which is the folder of the csv tables")
        targets.folders = []
        targets.files = [.init(path("sub"), writer: "j")]
        #expect(targets.conflict() == "j writes \(path("sub")), which is a folder: give a file name")
    }

    @Test func distinctFilesPass() {
        var targets = OutputTargets()
        targets.inputs = [path("in.jsonl")]
        targets.folders = [.init(path("out"), writer: "the csv tables")]
        targets.files = [
            .init(path("out/summary.csv"), writer: "t"), .init(path("report.md"), writer: "m"),
            .init(path("sub/report.md"), writer: "n"),
        ]
        #expect(targets.conflict() == nil)
    }
}
