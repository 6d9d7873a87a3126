import Foundation
import Testing

@testable import ReplStatCapture

@Suite struct ClusterURLTests {
    @Test(arguments: [
        ("http://127.0.0.1:9200", "http://127.0.0.1:9200/_plugins/_replication/f/_status"),
        ("HTTPS://dr-cluster:9200/", "https://dr-cluster:9200/_plugins/_replication/f/_status"),
        ("https://proxy.example/opensearch//", "https://proxy.example/opensearch/_plugins/_replication/f/_status"),
        ("http://[::1]:9200", "http://[::1]:9200/_plugins/_replication/f/_status"),
        ("http://localhost", "http://localhost/_plugins/_replication/f/_status"),
    ])
    func aClusterAddressGetsTheStatusPathAfterIt(url: String, status: String) throws {
        #expect(try ClusterURL(url, setting: "--url").statusURL(of: "f") == status)
    }

    @Test func indexNamesArePercentEncodedInThePath() throws {
        let cluster = try ClusterURL("http://h:9200", setting: "--url")
        #expect(cluster.statusURL(of: "a b/c?d#e") == "http://h:9200/_plugins/_replication/a%20b%2Fc%3Fd%23e/_status")
        #expect(ClusterURL.percentEncoded("follower-01.x_y~") == "follower-01.x_y~")
        #expect(ClusterURL.percentEncoded("a/b c?é") == "a%2Fb%20c%3F%C3%A9")
    }

    /// Each refusal says what is wrong, and none repeats a password.
    @Test(arguments: [
        ("http://ops:s3cret@h:9200", "user name or password"),
        ("https://ops@h:9200", "user name or password"),
        ("htps://ops:s3cret@h:9200", "must start with http:// or https:// (got 'htps://h:9200')"),
        ("h:9200", "must start with http://"),
        ("ftp://h", "must start with http://"),
        ("http://h:9200/?pretty", "query"),
        ("http://h:9200#frag", "fragment"),
        ("http://h:9200/x?token=s3cret", "query"),
        ("http://", "no valid host"),
        ("http://:9200", "no valid host"),
        ("http://h:0", "no valid host"),
        ("http://h:65536", "no valid host"),
        ("http://h:92a0", "no valid host"),
        ("http://h h:9200", "no valid host"),
        ("http://h:9200/a b", "not allowed in a URL path"),
    ])
    func aBadAddressIsRefusedWithoutItsSecrets(url: String, hint: String) {
        #expect {
            try ClusterURL(url, setting: "--url")
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("--url ") && message.contains(hint) && !message.contains("s3cret")
        }
    }

    @Test func redactedTakesOutUserInfoOnly() {
        #expect(ClusterURL.redacted("htps://u:p@h:1/x@y") == "htps://h:1/x@y")
        #expect(ClusterURL.redacted("u:p@h") == "h")
        #expect(ClusterURL.redacted("http://h/p") == "http://h/p")
    }

    @Test func credentialsOverPlainHTTPAreWarnedAbout() throws {
        let plain = try ClusterURL("http://h:9200", setting: "--url")
        let tls = try ClusterURL("https://h:9200", setting: "--url")
        let basic = Credentials.basic(user: "ops", password: "s3cret")
        #expect(basic.cleartextWarning(for: tls) == nil)
        let warning = try #require(basic.cleartextWarning(for: plain))
        #expect(warning.contains("REPLSTAT_USER") && warning.contains("https://") && !warning.contains("s3cret"))
        #expect(Credentials.apiKey("k").cleartextWarning(for: plain)?.contains("REPLSTAT_API_KEY") == true)
    }
}

@Suite struct IndexNameTests {
    @Test(arguments: ["", ".", ".."])
    func namesThatAreNoIndexAreRefused(name: String) {
        #expect(IndexList.problem(with: name) != nil)
        #expect(throws: CaptureSetupError.self) { try IndexList.combine(named: ["a", name], file: nil) }
    }

    /// SPEC: an index longer than 255 bytes makes its lines `invalid_field`; bytes, not characters
    /// (`é` is two).
    @Test func namesOver255BytesAreRefused() throws {
        for name in [String(repeating: "a", count: 255), String(repeating: "é", count: 127) + "a"] {
            #expect(IndexList.problem(with: name) == nil, "\(name.utf8.count) bytes")
        }
        let long = String(repeating: "x", count: 256)
        #expect(
            IndexList.problem(with: long)
                == "the index name 'xxxxxxxxxxxxxxxxxxxxxxxx...' is 256 bytes long: OpenSearch's limit is 255 bytes, "
                + "and the analysis rejects longer ones (invalid_field)")
        let escape = "\u{1B}[2J" + String(repeating: "é", count: 128)
        let problem = try #require(IndexList.problem(with: escape))
        #expect(problem.hasPrefix("the index name '?[2Jéééééééééééééééééééé...' is 260 bytes long"), "\(problem)")
        #expect(throws: CaptureSetupError.self) { try IndexList.combine(named: ["a", long], file: nil) }
    }

    /// Bytes that are not UTF-8 (an argument, or in the index file) would be polled as U+FFFD:
    /// two different names as one index that does not exist.
    @Test func namesThatAreNotUTF8AreRefused() throws {
        let repaired = String(decoding: [0x61, 0xFF, 0xFE], as: UTF8.self)  // what argv's `a\xff\xfe` becomes
        #expect(IndexList.problem(with: repaired)?.contains("not UTF-8") == true)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("replstat-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data([0x66, 0x31, 0x0A, 0x61, 0xFF, 0x0A]).write(to: file)
        do {
            _ = try IndexList.combine(named: [], file: file.path)
            Issue.record("accepted a file that is not UTF-8")
        } catch {
            #expect(error.description == "index file \(file.path): not UTF-8 text: index names are UTF-8")
        }
    }

    @Test(arguments: ["...", ".hidden", "a..b", "follower-01"])
    func otherNamesArePolled(name: String) throws {
        #expect(IndexList.problem(with: name) == nil)
        #expect(try IndexList.combine(named: [name], file: nil) == [name])
    }

    /// `/dev/zero` is read up to the limit and refused, not to the end of memory.
    @Test func anIndexFileOverOneMiBIsRefused() {
        #expect {
            try IndexList.combine(named: [], file: "/dev/zero")
        } throws: { error in
            "\(error)".contains("larger than 1 MiB")
        }
    }
}
