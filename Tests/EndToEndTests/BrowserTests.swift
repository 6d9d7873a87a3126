import Foundation
import Testing

/// The HTML report of every shipped sample, rendered by a real browser: headless Chromium
/// (Debian's `chromium`, which `scripts/setup --tests` installs) loads it from a file, with
/// nothing else to reach. It must render without a single console message (the page has no
/// script, so any message is the browser's complaint about the page, such as an SVG attribute it
/// cannot read), give a screenshot, and show in its DOM what the report must show.
///
/// Chromium gets a hang guard only (`timeout`, minutes), never a deadline a busy machine could
/// miss; the samples run one after the other so that two browsers never share the two cores.
@Suite(.serialized) struct BrowserTests {
    static let chromium = "/usr/bin/chromium"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let samples = ["autopause", "bootstrap-fail", "fleet-day", "healthy", "outage"]

    struct Page {
        var dom: String
        var console: [String]
        var screenshot: Data
    }

    /// Loads `file` in headless Chromium: the DOM once loaded, the console messages, a screenshot.
    static func load(_ file: URL, in folder: TemporaryDirectory) throws -> Page {
        #expect(
            FileManager.default.isExecutableFile(atPath: chromium),
            "Chromium is missing: run scripts/setup --tests (Debian package chromium)")
        let shot = folder.file("screenshot.png")
        func browser(_ profile: String, _ arguments: String) -> String {
            // Root needs --no-sandbox; each run its own profile, so that runs never share one.
            "timeout --kill-after=60 600 \(chromium) --headless --no-sandbox --disable-gpu --hide-scrollbars "
                + "--no-first-run --enable-logging=stderr --v=0 --user-data-dir='\(folder.file(profile).path)' "
                + arguments + " '\(file.absoluteString)'"
        }
        let dump = try Replstat.bash(browser("profile-dom", "--dump-dom"))
        #expect(dump.status == 0, "chromium --dump-dom: \(dump.stderr)")
        let picture = try Replstat.bash(browser("profile-shot", "--window-size=1280,1600 --screenshot='\(shot.path)'"))
        #expect(picture.status == 0, "chromium --screenshot: \(picture.stderr)")
        // Console messages come as `[pid:tid:time:INFO:CONSOLE:line] "message", source: ...`.
        let console = (dump.stderr + "\n" + picture.stderr).split(separator: "\n").filter {
            $0.contains(":CONSOLE")
        }.map(String.init)
        return Page(dom: dump.stdoutText, console: console, screenshot: (try? Data(contentsOf: shot)) ?? Data())
    }

    /// The check of console messages can fail: a page with a bad SVG attribute gives one.
    @Test func aBrokenPageGivesAConsoleMessage() throws {
        let folder = try TemporaryDirectory()
        let page = try folder.write(
            "broken.html", #"<!DOCTYPE html><html><body><svg><rect width="-5" height="3"/></svg></body></html>"#)
        let loaded = try Self.load(page, in: folder)
        #expect(loaded.console.contains { $0.contains("A negative value is not valid") })
    }

    @Test(arguments: samples)
    func theReportOfASampleRendersCleanly(_ sample: String) throws {
        let folder = try TemporaryDirectory()
        let source = "samples/\(sample).jsonl.gz"
        let written = try Replstat.run(
            ["analyze", "--format", "html", "--out", folder.path, source], in: Self.repository)
        #expect(written.status == 0, "\(written.stderr)")
        let report = folder.file("report.html")
        let html = try String(contentsOf: report, encoding: .utf8)
        // The same page on standard output.
        let printed = try Replstat.run(["analyze", "--format", "html", source], in: Self.repository)
        #expect(printed.stdoutText == html)
        #expect(!html.contains("http://") && !html.contains("https://"))

        let page = try Self.load(report, in: folder)
        #expect(page.console.isEmpty, "console messages: \(page.console)")
        #expect(page.screenshot.starts(with: [0x89, 0x50, 0x4E, 0x47]) && page.screenshot.count > 10_000)

        // One timeline row per index with a status sample (under the 200-row limit here).
        let csv = try Replstat.run(["analyze", "--format", "csv", "--out", folder.path, source], in: Self.repository)
        #expect(csv.status == 0)
        let summary = try String(contentsOf: folder.file("summary.csv"), encoding: .utf8)
        let withStatus = summary.split(separator: "\n").dropFirst().filter { $0.split(separator: ",")[3] != "0" }
        #expect(withStatus.count > 0)
        #expect(count(#"<div class="row" data-index="#, in: page.dom) == withStatus.count)
        for row in withStatus {
            #expect(page.dom.contains(#"<div class="row" data-index="\#(row.split(separator: ",")[0])">"#))
        }
        #expect(page.dom.contains(#"<h2 id="fleet-timeline">Fleet timeline</h2>"#))
        #expect(page.dom.contains(#"<h2 id="data-quality">Data quality</h2>"#))
    }

    /// The hostile capture of `HostileTextTests` (formulas, terminal escapes, Markdown links and
    /// images, bidirectional controls): no address and no hidden character in the page, no
    /// console message, every name a row, and the would-be link and image plain text.
    @Test func hostileTextShowsAsTextInTheBrowser() throws {
        let folder = try TemporaryDirectory()
        let source = try folder.write("capture.jsonl", HostileTextTests.capture)
        let run = try Replstat.run(["analyze", "--format", "html", "--out", folder.path, source.path])
        #expect(run.status == 0, "\(run.stderr)")
        let html = try String(contentsOf: folder.file("report.html"), encoding: .utf8)
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.unicodeScalars.contains { [0x1B, 0x07, 0x9B, 0x202E, 0x2028].contains($0.value) })
        let page = try Self.load(folder.file("report.html"), in: folder)
        #expect(page.console.isEmpty, "console messages: \(page.console)")
        #expect(count(#"<div class="row" data-index="#, in: page.dom) == HostileTextTests.indices.count)
        #expect(!page.dom.contains("<img") && !page.dom.contains("<a ") && !page.dom.contains("<script"))
        #expect(page.dom.contains("![x](http[:]//attacker.example/p.png) [Click](https[:]//x)"))
    }

    /// samples/README.md: follower-invoices-0002 auto-pauses at 00:34:51, is stopped and
    /// restarted, and syncs again from 00:53:11.
    @Test func theAutopauseSampleShowsItsPauseAndTransitionsAtTheirTimes() throws {
        let folder = try TemporaryDirectory()
        let written = try Replstat.run(
            ["analyze", "--format", "html", "--out", folder.path, "samples/autopause.jsonl.gz"], in: Self.repository)
        #expect(written.status == 0, "\(written.stderr)")
        let page = try Self.load(folder.file("report.html"), in: folder)
        #expect(page.console.isEmpty, "console messages: \(page.console)")
        let row = try #require(timelineRow("follower-invoices-0002", in: page.dom))
        // From the index's first sample to its last (summary.csv's first_seen and last_seen).
        for (status, from, to) in [
            ("SYNCING", "00:00:00.906", "00:34:51.044"), ("PAUSED", "00:34:51.044", "00:48:01.431"),
            ("STOPPED", "00:48:01.431", "00:48:11.233"),
            ("REPLICATION NOT IN PROGRESS", "00:48:11.233", "00:52:41.039"),
            ("BOOTSTRAPPING", "00:52:41.039", "00:53:11.099"), ("SYNCING", "00:53:11.099", "01:59:51.166"),
        ] {
            #expect(
                row.contains(
                    #"data-status="\#(status)" data-start="2026-11-28T\#(from)Z" data-end="2026-11-28T\#(to)Z""#),
                "\(status) from \(from)")
        }
        #expect(row.contains(">PAUSED</text>"))
        let ticks = row.matches(of: /<g class="tick" data-time="([^"]+)"/).map { String($0.1) }
        #expect(
            ticks
                == ["00:34:51.044", "00:48:01.431", "00:48:11.233", "00:52:41.039", "00:53:11.099"].map {
                    "2026-11-28T\($0)Z"
                })
        #expect(row.contains("SYNCING → PAUSED: AutoPaused"))
        // The other indices never left SYNCING: one band each, no tick.
        let other = try #require(timelineRow("follower-audit-0003", in: page.dom))
        #expect(count(#"class="band "#, in: other) == 1 && !other.contains(#"class="tick""#))
    }

    /// The timeline row of `index` in the DOM, up to its end.
    private func timelineRow(_ index: String, in dom: String) -> String? {
        guard let start = dom.range(of: #"<div class="row" data-index="\#(index)">"#),
            let end = dom[start.upperBound...].range(of: "</div>")
        else { return nil }
        return String(dom[start.lowerBound..<end.upperBound])
    }

    private func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }
}
