import Foundation
import Testing

/// The repository's Markdown (README.md, docs/, pipelines/, samples/) stands on its own in a
/// clone: every relative link names a file of the repository, and a `#section` one of its
/// headings; nothing points outside it (`../shared/SPEC.md` was such a link).
@Suite struct DocumentationLinksTests {
    static let root = PipelineRunTests.root

    /// Every Markdown file of the repository but those in hidden folders (.build, .git) and the
    /// conformance cases copied from elsewhere.
    static let documents: [String] = {
        let skipped = ["Tests/EndToEndTests/Conformance"]
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        var found: [String] = []
        while let path = enumerator?.nextObject() as? String {
            let name = (path as NSString).lastPathComponent
            if name.hasPrefix(".") || skipped.contains(path) {
                enumerator?.skipDescendants()
                continue
            }
            if name.hasSuffix(".md") { found.append(path) }
        }
        return found.sorted()
    }()

    @Test func theDocumentsAreFound() {
        for document in [
            "README.md", "docs/format.md", "docs/robustness.md", "pipelines/README.md", "samples/README.md",
        ] {
            #expect(Self.documents.contains(document), "\(document)")
        }
    }

    @Test(arguments: documents) func everyLinkStaysInTheRepository(_ document: String) throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent(document), encoding: .utf8)
        let folder = (document as NSString).deletingLastPathComponent
        for target in Markdown.links(in: text) {
            if target.contains("://") || target.hasPrefix("mailto:") {
                #expect(target.hasPrefix("https://") || target.hasPrefix("http://"), "\(document): \(target)")
                continue
            }
            let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
            let path = String(parts[0])
            let fragment = parts.count > 1 ? String(parts[1]) : nil
            #expect(!path.hasPrefix("/"), "\(document): \(target) is an absolute path")
            let resolved = path.isEmpty ? document : Markdown.normalized(folder.isEmpty ? path : folder + "/" + path)
            guard !resolved.hasPrefix("../") && resolved != ".." else {
                Issue.record("\(document): \(target) leaves the repository")
                continue
            }
            let file = Self.root.appendingPathComponent(resolved)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder) else {
                Issue.record("\(document): \(target): no such file in the repository")
                continue
            }
            if let fragment, resolved.hasSuffix(".md"), !isFolder.boolValue {
                let anchors = Markdown.anchors(in: try String(contentsOf: file, encoding: .utf8))
                #expect(anchors.contains(fragment), "\(document): \(target): no such heading")
            }
        }
    }

    /// Paths a clone does not have, even outside links: the shared folder beside the repository.
    @Test(arguments: documents) func noPathOutsideTheRepository(_ document: String) throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent(document), encoding: .utf8)
        #expect(!text.contains("../shared"), "\(document)")
        #expect(!text.contains("SPEC.md"), "\(document)")
    }

    @Test func theLinkReaderFindsWhatItShould() {
        let text = """
            [a](x.md) and ![b](img/c.png "title") and [d](#e-f)
            ```
            [not](a-link.md)
            ```
            `[nor](this.md)` but
            [g]: ref/h.md
            ## The `JSON` report, again!
            """
        #expect(Markdown.links(in: text) == ["x.md", "img/c.png", "#e-f", "ref/h.md"])
        #expect(Markdown.anchors(in: text) == ["the-json-report-again"])
        #expect(Markdown.normalized("docs/../README.md") == "README.md")
        #expect(Markdown.normalized("docs/../../shared/SPEC.md") == "../shared/SPEC.md")
    }
}

/// Just enough Markdown reading for links: outside fenced code blocks and code spans.
enum Markdown {
    /// The targets of inline links and images, and of reference definitions.
    static func links(in text: String) -> [String] {
        var targets: [String] = []
        for line in prose(text).map({ $0.replacing(/`[^`]*`/, with: "``") }) {
            for match in line.matches(of: /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/) { targets.append(String(match.1)) }
            if let match = line.wholeMatch(of: /\s*\[[^\]]+\]:\s+(\S+).*/) { targets.append(String(match.1)) }
        }
        return targets
    }

    /// The anchors GitHub gives the headings: lowercase, spaces as `-`, punctuation dropped.
    static func anchors(in text: String) -> Set<String> {
        var anchors: Set<String> = []
        for line in prose(text) where line.hasPrefix("#") {
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
                .replacingOccurrences(of: "`", with: "")
            anchors.insert(
                String(
                    title.compactMap {
                        $0 == " " ? "-" : ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : nil
                    }))
        }
        return anchors
    }

    /// `path` with `.` and `folder/..` steps taken away; a `..` that climbs out stays in front.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// The lines outside fenced code blocks.
    private static func prose(_ text: String) -> [String] {
        var inFence = false
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                inFence.toggle()
                continue
            }
            if !inFence { lines.append(String(line)) }
        }
        return lines
    }
}
