import Foundation
import Testing

/// `replstat capture` against a local server that replays recorded OpenSearch answers.
@Suite(.timeLimit(.minutes(10))) struct CaptureTests {
    static let statusIndices = [
        "follower-syncing", "follower-bootstrapping", "follower-running", "follower-paused", "follower-failed",
        "follower-stopped", "follower-gone",
    ]
    static let errorIndices = [
        "follower-broken", "follower-forbidden", "follower-missing", "follower-proxy", "follower-slow",
        "follower-dropped",
    ]
    /// Run with an empty environment: no credentials leak in from the test's own.
    static let noCredentials = ["PATH": "/usr/bin:/bin"]

    static func gunzip(_ file: URL) throws -> [String] {
        try SystemGzip.lines(file.path)
    }

    static func object(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    static func recordedBody(_ index: String) throws -> String {
        let file = try String(
            contentsOf: ReplayServer.fixtures.appendingPathComponent(index + ".http"), encoding: .utf8)
        let headerEnd = try #require(file.firstRange(of: "\r\n\r\n"))
        return String(file[headerEnd.upperBound...])
    }

    /// follower-slow never answers, so the timeout can leave a wide margin to the answers that
    /// come: 5 s hold with both cores busy with other work.
    @Test func everyRecordedAnswerBecomesOneLineAndTheCaptureAnalyzesToTheExpectedReports() throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let capture = dir.file("capture.jsonl.gz")
        let indices = Self.statusIndices + Self.errorIndices
        let started = Date()
        let run = try Replstat.run(
            [
                "capture", "--url", server.url, "--polls", "2", "--interval", "0.5", "--timeout", "5", "--out",
                capture.path,
            ]
                + indices.flatMap { ["--index", $0] }, environment: Self.noCredentials)
        let ended = Date()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
        #expect(run.stdout.isEmpty)

        let lines = try Self.gunzip(capture)
        #expect(lines.count == 2 * indices.count)
        var byIndex: [String: [[String: Any]]] = [:]
        for line in lines {
            let envelope = try Self.object(line)
            let index = try #require(envelope["index"] as? String)
            byIndex[index, default: []].append(envelope)
            let stamp = try #require(envelope["@timestamp"] as? String)
            let time = try #require(ISO8601DateFormatter.withMilliseconds.date(from: stamp), "\(stamp)")
            #expect(time >= started.addingTimeInterval(-0.001) && time <= ended.addingTimeInterval(0.001))
            // The body as returned: compact recorded answers appear byte for byte.
            if !["follower-syncing", "follower-slow", "follower-dropped", "follower-proxy"].contains(index) {
                #expect(line.hasSuffix(#","response":"# + (try Self.recordedBody(index)) + "}"), "\(index)")
            }
        }
        #expect(Set(byIndex.keys) == Set(indices))
        #expect(byIndex.values.allSatisfy { $0.count == 2 })

        // The pretty-printed answer is kept whole, on one line.
        let syncing = try #require(byIndex["follower-syncing"]?.first?["response"] as? [String: Any])
        let details = try #require(syncing["syncing_details"] as? [String: Any])
        #expect(details["leader_checkpoint"] as? Int == 12040)
        #expect(details["follower_checkpoint"] as? Int == 11990)

        func error(_ index: String) throws -> (type: String?, reason: String?, status: Int?) {
            let response = try #require(byIndex[index]?.first?["response"] as? [String: Any])
            let error = try #require(response["error"] as? [String: Any], "\(index)")
            return (error["type"] as? String, error["reason"] as? String, response["status"] as? Int)
        }
        #expect(try error("follower-broken").type == "replication_exception")
        #expect(try error("follower-broken").status == 500)
        #expect(try error("follower-forbidden").type == "security_exception")
        #expect(try error("follower-forbidden").status == 403)
        #expect(try error("follower-missing").status == 404)
        #expect(try error("follower-slow").type == "capture_timeout")
        #expect(try error("follower-slow").status == nil)
        #expect(try error("follower-slow").reason == "no complete answer in 5 s")
        #expect(try error("follower-dropped").type == "capture_connection_failed")
        #expect(
            try error("follower-dropped").reason
                == "the server closed the connection without answering (127.0.0.1:\(server.port))")
        let proxy = try error("follower-proxy")
        #expect(proxy.type == "capture_http_error")
        #expect(proxy.status == 502)
        #expect(proxy.reason?.contains("<title>502 Bad Gateway</title>") == true)

        // Analyzed: 7 indices x 2 status samples, 6 x 2 error samples, nothing rejected.
        let out = dir.file("report")
        let analyzed = try Replstat.run(["analyze", "--format", "csv", "--out", out.path, capture.path])
        #expect(analyzed.status == 0, "\(analyzed.stderr)")
        let quality = CSV.parse(try String(contentsOf: out.appendingPathComponent("quality.csv"), encoding: .utf8))
        let totals = Dictionary(uniqueKeysWithValues: quality.filter { $0[0] == "*" }.map { ($0[1], $0[2]) })
        #expect(totals["lines"] == "26")
        #expect(totals["status"] == "14")
        #expect(totals["error"] == "12")
        #expect(totals.filter { !["lines", "status", "error"].contains($0.key) }.values.allSatisfy { $0 == "0" })

        let summary = CSV.parse(try String(contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8))
        let header = summary[0]
        var rows: [String: [String: String]] = [:]
        for row in summary.dropFirst() { rows[row[0]] = Dictionary(uniqueKeysWithValues: zip(header, row)) }
        #expect(rows.count == 13)
        let syncingRow = try #require(rows["follower-syncing"])
        #expect(syncingRow["samples"] == "2")
        #expect(syncingRow["last_status"] == "SYNCING")
        #expect(syncingRow["leader_alias"] == "us-east-1")
        #expect(syncingRow["leader_index"] == "leader-orders")
        #expect(syncingRow["lag_samples"] == "2")
        #expect(syncingRow["lag_last"] == "50")
        #expect(rows["follower-running"]?["lag_samples"] == "0")
        #expect(rows["follower-bootstrapping"]?["last_status"] == "BOOTSTRAPPING")
        #expect(rows["follower-paused"]?["last_status"] == "PAUSED")
        #expect(rows["follower-failed"]?["last_status"] == "FAILED")
        #expect(rows["follower-stopped"]?["last_status"] == "STOPPED")
        #expect(rows["follower-gone"]?["last_status"] == "REPLICATION NOT IN PROGRESS")
        for index in Self.errorIndices {
            #expect(rows[index]?["samples"] == "0", "\(index)")
            #expect(rows[index]?["error_samples"] == "2", "\(index)")
            #expect(rows[index]?["last_status"] == "", "\(index)")
        }
        let transitions = try String(contentsOf: out.appendingPathComponent("transitions.csv"), encoding: .utf8)
        #expect(transitions.split(separator: "\n").count == 1)
    }

    /// Headers longer than libcurl keeps: said so, as an answer too large, not as libcurl's "Out
    /// of memory", and without the status of an answer that was not read.
    @Test func headersTooLongForLibcurlAreAnAnswerTooLarge() throws {
        let server = try ReplayServer()
        let run = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-huge-header", "--polls", "1", "--timeout", "20"],
            environment: Self.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        let response = try #require(try Self.object(run.stdoutText)["response"] as? [String: Any])
        let error = try #require(response["error"] as? [String: Any], "\(run.stdoutText)")
        #expect(error["type"] as? String == "capture_response_too_large", "\(run.stdoutText)")
        let reason = try #require(error["reason"] as? String)
        #expect(reason.contains("headers") && !reason.lowercased().contains("memory"), "\(reason)")
        #expect(response["status"] == nil, "\(run.stdoutText)")
    }

    /// A timeout on silence would never end a body that trickles in; --timeout bounds the whole
    /// answer.
    @Test func anAnswerThatTricklesInIsCutAtTheTimeout() throws {
        let server = try ReplayServer()
        let started = Date()
        let run = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-trickle", "--polls", "1", "--timeout", "2"],
            environment: Self.noCredentials)
        let elapsed = Date().timeIntervalSince(started)
        #expect(run.status == 0, "\(run.stderr)")
        let response = try #require(try Self.object(run.stdoutText)["response"] as? [String: Any])
        #expect((response["error"] as? [String: Any])?["type"] as? String == "capture_timeout")
        // The whole answer would take 0.5 s a byte, over two minutes.
        #expect(elapsed < 40, "\(elapsed) s")
    }

    @Test func standardOutputGetsPlainLinesThatWatchReadsLive() throws {
        let server = try ReplayServer()
        let run = try Replstat.bash(
            "'\(Replstat.binary.path)' capture --url \(server.url) --index follower-broken --index follower-paused "
                + "--polls 1 | '\(Replstat.binary.path)' watch --reorder-window 0", environment: Self.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        let events = run.stdoutText.split(separator: "\n").map(String.init)
        #expect(events.count == 1)
        let event = try Self.object(try #require(events.first))
        #expect(event["event"] as? String == "error_start")
        #expect(event["index"] as? String == "follower-broken")
        #expect(event["error_type"] as? String == "replication_exception")
        #expect(event["http_status"] as? Int == 500)
    }

    /// Without --polls the capture runs until stopped: a reader that goes away stops it, quietly.
    @Test func aReaderThatGoesAwayEndsTheCapture() throws {
        let server = try ReplayServer()
        let run = try Replstat.bash(
            "'\(Replstat.binary.path)' capture --url \(server.url) --index follower-paused --interval 0.1 | head -2",
            environment: Self.noCredentials)
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        let lines = run.stdoutText.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains(#""index":"follower-paused""#) })
    }

    @Test func credentialsComeFromTheEnvironment() throws {
        let server = try ReplayServer()
        let basic = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-paused", "--polls", "1"],
            environment: ["REPLSTAT_USER": "ops", "REPLSTAT_PASSWORD": "s3cret"])
        #expect(basic.status == 0, "\(basic.stderr)")
        let apiKey = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-paused", "--polls", "1"],
            environment: ["REPLSTAT_API_KEY": "a2V5LWlkOnNlY3JldA=="])
        #expect(apiKey.status == 0, "\(apiKey.stderr)")
        let anonymous = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-paused", "--polls", "1"],
            environment: Self.noCredentials)
        #expect(anonymous.status == 0, "\(anonymous.stderr)")
        // By hand: base64("ops:s3cret") = b3BzOnMzY3JldA==.
        #expect(server.seen.map(\.authorization) == ["Basic b3BzOnMzY3JldA==", "ApiKey a2V5LWlkOnNlY3JldA==", nil])
        #expect(server.seen.allSatisfy { $0.path == "/_plugins/_replication/follower-paused/_status" })

        let both = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-paused", "--polls", "1"],
            environment: ["REPLSTAT_API_KEY": "k", "REPLSTAT_USER": "ops", "REPLSTAT_PASSWORD": "p"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("REPLSTAT_API_KEY") && both.stderr.contains("REPLSTAT_USER"))
        let half = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-paused", "--polls", "1"],
            environment: ["REPLSTAT_USER": "ops"])
        #expect(half.status == 2)
        #expect(half.stderr.contains("REPLSTAT_PASSWORD"))
        #expect(server.seen.count == 3)
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalClosesTheGzipMemberAndARestartAppends(signal: Int32) throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let capture = dir.file("capture.jsonl.gz")
        // The third round has started (6 polls of 2 indices): the first two are complete.
        let stopped = try Replstat.runUntil(
            server, saw: 6, thenSend: signal,
            [
                "capture", "--url", server.url, "--index", "follower-syncing", "--index", "follower-broken",
                "--interval", "0.2", "--out", capture.path,
            ])
        #expect(stopped.sawPolls)
        #expect(stopped.status == 0)
        #expect(stopped.stderr.isEmpty)

        let test = try Replstat.shell("gzip -t '\(capture.path)'")
        #expect(test.status == 0, "gzip -t: \(test.stderr)")
        let first = try Self.gunzip(capture)
        #expect(first.count >= 4)
        #expect(try first.allSatisfy { try Self.object($0)["response"] is [String: Any] })

        let again = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-paused", "--polls", "1", "--out", capture.path],
            environment: Self.noCredentials)
        #expect(again.status == 0, "\(again.stderr)")
        let both = try Self.gunzip(capture)
        #expect(both.count == first.count + 1)
        #expect(Array(both.prefix(first.count)) == first)
        #expect(both.last?.contains(#""index":"follower-paused""#) == true)
    }

    @Test func aDamagedCaptureIsNotAppendedTo() throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let capture = dir.file("cut.jsonl.gz")
        let whole = try Data(
            contentsOf: Conformance.casesDirectory.appendingPathComponent("truncated-gzip/cut.jsonl.gz"))
        try whole.write(to: capture)
        let run = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-paused", "--polls", "1", "--out", capture.path],
            environment: Self.noCredentials)
        #expect(run.status == 1)
        #expect(run.stderr.contains("cut.jsonl.gz") && run.stderr.contains("damage"), "\(run.stderr)")
        #expect(try Data(contentsOf: capture) == whole)

        let plain = try dir.write("plain.jsonl", "{}\n")
        let onPlain = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-paused", "--polls", "1", "--out", plain.path],
            environment: Self.noCredentials)
        #expect(onPlain.status == 1)
        #expect(onPlain.stderr.contains("not a gzip file"), "\(onPlain.stderr)")
    }

    /// A write that fails part-way (a full disk; here a file size limit of 4 KiB, SIGXFSZ
    /// ignored, so that write(2) fails with EFBIG as on ENOSPC) leaves no cut member: the file is
    /// cut back to its last whole member, so that it reads whole and a restarted capture goes on.
    @Test func aFailedWriteLeavesTheFileWhole() throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let capture = dir.file("ccr.jsonl.gz")
        let arguments = [
            "capture", "--url", server.url, "--index", "follower-paused", "--interval", "0.1", "--flush-every",
            "0.1", "--out", capture.path,
        ]
        let full = try Replstat.bash(
            "trap '' XFSZ; ulimit -f 4; exec "
                + ([Replstat.binary.path] + arguments + ["--polls", "1000"]).map {
                    "'" + $0 + "'"
                }.joined(separator: " "), environment: Self.noCredentials)
        #expect(full.status == 1, "\(full.stderr)")
        #expect(full.stderr.contains(capture.path), "\(full.stderr)")
        let test = try Replstat.bash("gzip -t '\(capture.path)'")
        #expect(test.status == 0, "\(test.stderr)")
        let kept = try Self.gunzip(capture).count
        #expect(kept > 0)

        let again = try Replstat.run(arguments + ["--polls", "1"], environment: Self.noCredentials)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.gunzip(capture).count == kept + 1)
    }

    @Test func rotationBySizeStartsFilesNamedAfterTheirFirstPoll() throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let run = try Replstat.run(
            [
                "capture", "--url", server.url, "--index", "follower-paused", "--index", "follower-running", "--polls",
                "2", "--interval", "0.1", "--out", dir.file("ccr.jsonl.gz").path, "--rotate-size", "1",
            ], environment: Self.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        #expect(names.count == 4, "\(names)")
        var lines: [String] = []
        for name in names {
            #expect(name.wholeMatch(of: /ccr-\d{8}T\d{6}Z(_\d\d)?\.jsonl\.gz/) != nil, "\(name)")
            let content = try Self.gunzip(dir.file(name))
            #expect(content.count == 1)
            lines += content
        }
        #expect(lines.count == 4)
        // Sorted by name is sorted by time, also for files started within the same second.
        let stamps = try lines.map { try #require(try Self.object($0)["@timestamp"] as? String) }
        #expect(stamps == stamps.sorted())
    }

    /// A private CA, trusted only through --ca-file: `openssl s_server -HTTP` serves the recorded
    /// answer over TLS with a certificate for 127.0.0.1 signed by it.
    @Test func tlsWithAPrivateCAIsTrustedThroughCAFile() throws {
        let dir = try TemporaryDirectory()
        let setup = try Replstat.shell(
            """
            cd '\(dir.url.path)' && exec 2>openssl.log
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \\
                -days 2 -subj '/CN=replstat test CA' &&
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \\
                -subj '/CN=127.0.0.1' &&
            printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext.cnf &&
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \\
                -extfile ext.cnf &&
            mkdir -p _plugins/_replication/follower-tls &&
            printf 'HTTP/1.0 200 OK\\r\\nContent-Type: application/json\\r\\n\\r\\n%s' \\
                '{"status":"RUNNING","follower_index":"follower-tls"}' > _plugins/_replication/follower-tls/_status
            """)
        #expect(setup.status == 0, "openssl (install it: apt-get install openssl): \(setup.stderr)")
        // Port 0: s_server binds a free one and says which (`ACCEPT 127.0.0.1:PORT`) on its output.
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = ["s_server", "-accept", "127.0.0.1:0", "-cert", "server.pem", "-key", "server.key", "-HTTP"]
        server.currentDirectoryURL = dir.url
        let log = dir.file("s_server.log")
        try #require(FileManager.default.createFile(atPath: log.path, contents: nil))
        let logHandle = try FileHandle(forWritingTo: log)
        server.standardOutput = logHandle
        server.standardError = logHandle
        try server.run()
        defer { server.terminate() }
        let port = try ListeningPort.read(from: log, /ACCEPT 127\.0\.0\.1:([0-9]+)/, of: server)

        let url = "https://127.0.0.1:\(port)"
        let trusted = try Replstat.run(
            ["capture", "--url", url, "--index", "follower-tls", "--polls", "1", "--ca-file", dir.file("ca.pem").path],
            environment: Self.noCredentials)
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(
            trusted.stdoutText.hasSuffix(#""response":{"status":"RUNNING","follower_index":"follower-tls"}}"# + "\n"))

        // Without the CA: one handshake, final for the poll, reported at once (not at the timeout).
        let relay = try ReplayServer(relayTo: port)
        let started = Date()
        let untrusted = try Replstat.run(
            [
                "capture", "--url", "https://127.0.0.1:\(relay.port)", "--index", "follower-tls", "--polls", "1",
                "--timeout", "60",
            ],
            environment: Self.noCredentials)
        let elapsed = Date().timeIntervalSince(started)
        #expect(untrusted.status == 0, "\(untrusted.stderr)")
        let line = try Self.object(untrusted.stdoutText)
        let error = (line["response"] as? [String: Any])?["error"] as? [String: Any]
        #expect(error?["type"] as? String == "capture_tls_failed", "\(untrusted.stdoutText)")
        let reason = try #require(error?["reason"] as? String)
        #expect(reason.contains("certificate") && reason.hasSuffix("(127.0.0.1:\(relay.port))"), "\(reason)")
        #expect(relay.connections == 1)
        #expect(elapsed < 30, "\(elapsed) s")

        // A CA file that holds no certificate is refused before anything is sent.
        let notPEM = try dir.write("not.pem", "no certificate here\n")
        let refused = try Replstat.run(
            ["capture", "--url", url, "--index", "follower-tls", "--polls", "1", "--ca-file", notPEM.path],
            environment: Self.noCredentials)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("no PEM certificate"), "\(refused.stderr)")
    }

    @Test func usageErrorsSayWhatToDo() throws {
        let dir = try TemporaryDirectory()
        let longNames = try dir.write("long.txt", "follower-01\n" + String(repeating: "b", count: 300) + "\n")
        let cases: [([String], String)] = [
            (["capture", "--url", "http://127.0.0.1:9"], "--index"),
            (["capture", "--url", "ftp://example", "--index", "a"], "http://"),
            (["capture", "--url", "http://127.0.0.1:9", "--index", "a", "--rotate-daily"], "--out"),
            (["capture", "--url", "http://127.0.0.1:9", "--index", "a", "--ca-file", "/nonexistent.pem"], "--ca-file"),
            (["capture", "--url", "http://127.0.0.1:9", "--index-file", "/nonexistent.txt"], "/nonexistent.txt"),
            (["capture", "--url", "http://127.0.0.1:9", "--index", "a", "--interval", "soon"], "--interval"),
            (
                [
                    "capture", "--url", "http://127.0.0.1:9", "--index", "a", "--out", "x.gz", "--rotate-size",
                    "999999999999G",
                ],
                "--rotate-size"
            ),
            (["capture", "--url", "http://127.0.0.1:9", "--index", ""], "empty"),
            (["capture", "--url", "http://127.0.0.1:9", "--index", "."], "'.' is not an index name"),
            (["capture", "--url", "http://127.0.0.1:9", "--index", ".."], "'..' is not an index name"),
            (["capture", "--url", "http://127.0.0.1:9#frag", "--index", "a"], "fragment"),
            (["capture", "--url", "http://127.0.0.1:9/?pretty", "--index", "a"], "query"),
            (["capture", "--url", "http://127.0.0.1:9", "--index-file", "/dev/zero"], "larger than 1 MiB"),
            (
                ["capture", "--url", "http://127.0.0.1:9", "--index", String(repeating: "n", count: 256)],
                "is 256 bytes long: OpenSearch's limit is 255 bytes"
            ),
            (
                ["capture", "--url", "http://127.0.0.1:9", "--index-file", longNames.path],
                "index file \(longNames.path): the index name 'bbbbbbbbbbbbbbbbbbbbbbbb...' is 300 bytes long"
            ),
        ]
        for (arguments, hint) in cases {
            let run = try Replstat.run(arguments, environment: Self.noCredentials)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stderr.contains(hint), "\(arguments): \(run.stderr)")
            // The usage of capture, not the root's, also for what is found after parsing.
            #expect(run.stderr.contains("Usage: replstat capture [<options>] --url"), "\(arguments): \(run.stderr)")
        }
    }
}

/// What capture must not do with a hostile or mistaken setting, file or server.
@Suite(.timeLimit(.minutes(10))) struct CaptureTrustTests {
    static func reason(_ line: String) throws -> (type: String?, reason: String?, status: Int?) {
        let response = try #require(try CaptureTests.object(line)["response"] as? [String: Any])
        let error = try #require(response["error"] as? [String: Any], "\(line)")
        return (error["type"] as? String, error["reason"] as? String, response["status"] as? Int)
    }

    /// A link could lead the gzip into someone else's file, or create the file it points to.
    @Test(arguments: [true, false])
    func aSymbolicLinkAsOutIsRefused(targetExists: Bool) throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let target = dir.file("someone-else")
        if targetExists { try Data("theirs\n".utf8).write(to: target) }
        let link = dir.file("ccr.jsonl.gz")
        #expect(symlink(target.path, link.path) == 0)
        let run = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-paused", "--polls", "1", "--out", link.path],
            environment: CaptureTests.noCredentials)
        #expect(run.status == 1)
        #expect(run.stderr.contains("ccr.jsonl.gz") && run.stderr.contains("symbolic link"), "\(run.stderr)")
        if targetExists {
            #expect(try String(contentsOf: target, encoding: .utf8) == "theirs\n")
        } else {
            #expect(!FileManager.default.fileExists(atPath: target.path))
        }
        #expect(server.seen.isEmpty)
    }

    /// New capture files describe a cluster: readable by their owner only.
    @Test func newCaptureFilesAreForTheirOwnerOnly() throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        for (name, extra) in [("plain.jsonl.gz", []), ("rotated.jsonl.gz", ["--rotate-daily"])] {
            let run = try Replstat.bash(
                "umask 000 && exec '\(Replstat.binary.path)' capture --url \(server.url) --index follower-paused "
                    + "--polls 1 --out '\(dir.file(name).path)' \(extra.joined(separator: " "))",
                environment: CaptureTests.noCredentials)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(names.count == 2, "\(names)")
        for name in names {
            let mode = try FileManager.default.attributesOfItem(atPath: dir.file(name).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name): \(String(mode ?? 0, radix: 8))")
        }
    }

    /// Found before the first poll: nothing (credentials included) goes to the cluster.
    @Test func anUnwritableOutIsFoundBeforeTheFirstPoll() throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let blocker = try dir.write("file", "x")
        for extra in [[], ["--rotate-daily"]] {
            let run = try Replstat.run(
                [
                    "capture", "--url", server.url, "--index", "follower-paused", "--polls", "1", "--out",
                    blocker.path + "/ccr.jsonl.gz",
                ] + extra, environment: ["REPLSTAT_USER": "ops", "REPLSTAT_PASSWORD": "s3cret"])
            #expect(run.status == 1, "\(extra)")
            #expect(run.stderr.contains(blocker.path), "\(run.stderr)")
        }
        #expect(server.seen.isEmpty)
    }

    /// Rotated files are named after `--out` and their first poll: an `--out` naming only a
    /// folder (`captures/`, `captures/.jsonl.gz`) would give files named `-20261130T120000Z...`,
    /// which `rm`, `gzip` and the like take for options. Refused before any poll.
    @Test(arguments: ["/", "/.jsonl.gz", "/.gz"]) func rotatedFilesNeedANameBesidesTheirTime(_ out: String) throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let run = try Replstat.run(
            [
                "capture", "--url", server.url, "--index", "follower-paused", "--polls", "1", "--rotate-daily",
                "--out", dir.path + out,
            ], environment: CaptureTests.noCredentials)
        #expect(run.status == 2)
        #expect(
            run.stderr.hasPrefix(
                "Error: --out names no file, only its folder: rotated files are named after it and their first "
                    + "poll (captures/ccr.jsonl.gz gives captures/ccr-20261130T120000Z.jsonl.gz)"), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        #expect(server.seen.isEmpty)
    }

    /// An endless index file (a FIFO, a device) is read up to 1 MiB and refused.
    @Test func anEndlessIndexFileIsRefusedAtOneMiB() throws {
        let run = try Replstat.bash(
            "yes follower-01 | '\(Replstat.binary.path)' capture --url http://127.0.0.1:9 --index-file /dev/stdin",
            environment: CaptureTests.noCredentials)
        #expect(run.status == 2)
        #expect(run.stderr.contains("larger than 1 MiB"), "\(run.stderr)")
    }

    /// 64 answers that each take 1 s, 64 in flight: each on its own connection, all within 5 s.
    @Test func parallelPollsEachHaveAConnection() throws {
        let server = try ReplayServer(waitDelay: 1)
        let indices = (0..<64).map { "follower-wait-\($0)" }
        let run = try Replstat.run(
            ["capture", "--url", server.url, "--parallel", "64", "--timeout", "5", "--polls", "1"]
                + indices.flatMap { ["--index", $0] }, environment: CaptureTests.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.count == 64)
        let answered = try lines.filter {
            try (CaptureTests.object($0)["response"] as? [String: Any])?["status"] as? String == "PAUSED"
        }
        #expect(answered.count == 64, "\(lines.filter { !$0.contains("PAUSED") }.prefix(3))")
        #expect(server.connections == 64)
    }

    /// An idle connection the server closed without saying so is found dead and replaced.
    @Test func aConnectionTheServerClosedIsReplaced() throws {
        let server = try ReplayServer(closesIdleConnections: true)
        let run = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-paused", "--polls", "50", "--interval", "0.1"],
            environment: CaptureTests.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.count == 50)
        #expect(
            lines.filter { !$0.contains(#""status":"PAUSED""#) }.isEmpty, "\(lines.filter { !$0.contains("PAUSED") })")
    }

    @Test func aRefusedConnectionIsReportedAtOnce() throws {
        let refusing = try RefusingPort()
        let port = refusing.port
        let started = Date()
        let run = try Replstat.run(
            ["capture", "--url", "http://127.0.0.1:\(port)", "--index", "a", "--polls", "1", "--timeout", "60"],
            environment: CaptureTests.noCredentials)
        let elapsed = Date().timeIntervalSince(started)
        withExtendedLifetime(refusing) {}
        #expect(run.status == 0, "\(run.stderr)")
        let error = try Self.reason(run.stdoutText)
        #expect(error.type == "capture_connection_failed")
        #expect(error.reason == "connection refused (127.0.0.1:\(port))")
        #expect(elapsed < 30, "\(elapsed) s")
    }

    /// Credentials never on the command line, and never repeated in a message.
    @Test func aPasswordInTheURLIsRefusedAndNeverShown() throws {
        let server = try ReplayServer()
        let authority = "127.0.0.1:\(server.port)"
        for url in ["http://ops:s3cret@\(authority)", "htps://ops:s3cret@\(authority)", "http://ops@\(authority)"] {
            let run = try Replstat.run(
                ["capture", "--url", url, "--index", "follower-paused", "--polls", "1"],
                environment: CaptureTests.noCredentials)
            #expect(run.status == 2, "\(url)")
            #expect(!run.stderr.contains("s3cret") && !run.stderr.contains("ops@"), "\(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
        #expect(server.seen.isEmpty)
    }

    @Test func credentialsOverPlainHTTPAreWarnedAboutOnce() throws {
        let server = try ReplayServer()
        let run = try Replstat.run(
            ["capture", "--url", server.url, "--index", "follower-paused", "--polls", "2", "--interval", "0.1"],
            environment: ["REPLSTAT_USER": "ops", "REPLSTAT_PASSWORD": "s3cret"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "warning").count == 2, "\(run.stderr)")
        #expect(run.stderr.contains("REPLSTAT_USER") && run.stderr.contains("https://"))
        #expect(!run.stderr.contains("s3cret"))
    }

    /// `--verbose` asks for each shard's checkpoints: the query follows the encoded name.
    @Test func verboseAsksForTheShardDetails() throws {
        let server = try ReplayServer()
        let run = try Replstat.run(
            [
                "capture", "--url", server.url, "--index", "follower-syncing", "--index", "a?b", "--polls", "2",
                "--interval", "0.1", "--verbose",
            ],
            environment: CaptureTests.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            server.seen.map(\.path).sorted() == [
                "/_plugins/_replication/a%3Fb/_status?verbose=true",
                "/_plugins/_replication/a%3Fb/_status?verbose=true",
                "/_plugins/_replication/follower-syncing/_status?verbose=true",
                "/_plugins/_replication/follower-syncing/_status?verbose=true",
            ])
    }

    @Test func indexNamesArePercentEncodedInThePath() throws {
        let server = try ReplayServer()
        let run = try Replstat.run(
            ["capture", "--url", server.url + "/", "--index", "a b/../c?d#e", "--polls", "1"],
            environment: CaptureTests.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(server.seen.map(\.path) == ["/_plugins/_replication/a%20b%2F..%2Fc%3Fd%23e/_status"])
        #expect(try CaptureTests.object(run.stdoutText)["index"] as? String == "a b/../c?d#e")
    }

    /// Every error status is an HTTP error with its status, whatever the body: HTML from a
    /// proxy, a redirect (not followed), a 401 in plain text.
    @Test func everyErrorStatusIsAnHTTPErrorWithItsStatus() throws {
        let server = try ReplayServer()
        let cases = [
            ("follower-proxy", 502), ("follower-html-forbidden", 403), ("follower-unavailable", 503),
            ("follower-moved", 302), ("follower-unauthorized", 401),
        ]
        let run = try Replstat.run(
            ["capture", "--url", server.url, "--polls", "1"] + cases.flatMap { ["--index", $0.0] },
            environment: CaptureTests.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        var byIndex: [String: String] = [:]
        for line in run.stdoutText.split(separator: "\n").map(String.init) {
            byIndex[try #require(try CaptureTests.object(line)["index"] as? String)] = line
        }
        for (index, status) in cases {
            let error = try Self.reason(try #require(byIndex[index], "\(index)"))
            #expect(error.type == "capture_http_error", "\(index)")
            #expect(error.status == status, "\(index)")
            #expect(error.reason?.hasPrefix("HTTP \(status) answer is not a JSON object: ") == true, "\(index)")
        }
        #expect(server.seen.count == cases.count)
    }

    /// Refused everywhere: said once on standard error, and only then.
    @Test func aCaptureThatIsRefusedEverywhereSaysSoOnce() throws {
        let server = try ReplayServer()
        let denied = try Replstat.run(
            [
                "capture", "--url", server.url, "--index", "follower-forbidden", "--index", "follower-unauthorized",
                "--polls", "3", "--interval", "0.1",
            ], environment: CaptureTests.noCredentials)
        #expect(denied.status == 0, "\(denied.stderr)")
        #expect(denied.stderr.components(separatedBy: "401 or 403").count == 2, "\(denied.stderr)")
        #expect(denied.stdoutText.split(separator: "\n").count == 6)

        let mixed = try Replstat.run(
            [
                "capture", "--url", server.url, "--index", "follower-forbidden", "--index", "follower-paused",
                "--polls", "2", "--interval", "0.1",
            ], environment: CaptureTests.noCredentials)
        #expect(mixed.status == 0, "\(mixed.stderr)")
        #expect(mixed.stderr.isEmpty, "\(mixed.stderr)")
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withMilliseconds: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}
