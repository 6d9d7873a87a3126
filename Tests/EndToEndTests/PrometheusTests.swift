import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The real thing (docs/metrics.md): `watch --metrics-file` writes into a node_exporter textfile
/// folder, node_exporter serves it, and Prometheus scrapes it every 4 seconds, as well as
/// `analyze --format openmetrics` served as OpenMetrics. What Prometheus stores for each follower
/// must equal its row of summary.csv for the same capture, hostile index names included; the
/// shipped alerting rules load, and every expression of the rules and the Grafana dashboard runs.
///
/// The programs are Debian's (`scripts/setup --tests`), started here on free ports of 127.0.0.1
/// with temporary folders, and killed at the end however the test ends.
@Suite struct PrometheusTests {
    static let root = PipelineRunTests.root

    /// A shipped sample, plus an index whose name holds what the formats must escape (a quote, a
    /// backslash, a line feed) and control characters, and an index whose every poll failed.
    static func capture(in folder: TemporaryDirectory) throws -> String {
        let sample = try SystemGzip.decompress(root.appendingPathComponent("samples/autopause.jsonl.gz").path)
        let extra = #"""
            {"@timestamp":"2026-11-28T01:59:59.500Z","index":"we\"ird\\na\nme\u0001\u0000\t é","response":{"status":"PAUSED","reason":"User initiated"}}
            {"@timestamp":"2026-11-28T01:40:00.000Z","index":"only-errors","response":{"error":{"type":"security_exception"},"status":403}}
            {"@timestamp":"2026-11-28T01:59:00.000Z","index":"only-errors","response":{"error":{"type":"security_exception"},"status":403}}

            """#
        let path = folder.file("capture.jsonl").path
        try Data(sample + Array(extra.utf8)).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func prometheusStoresWhatSummaryCSVSays() async throws {
        let folder = try TemporaryDirectory()
        let capture = try Self.capture(in: folder)
        let textfiles = folder.file("textfile")
        try FileManager.default.createDirectory(at: textfiles, withIntermediateDirectories: true)
        let metricsFile = textfiles.appendingPathComponent("replstat.prom").path

        let watch = try Replstat.run(["watch", "--metrics-file", metricsFile, capture])
        #expect(watch.status == 0, "\(watch.stderr)")
        let csv = try Replstat.run(["analyze", "--format", "csv", "--out", folder.file("csv").path, capture])
        #expect(csv.status == 0, "\(csv.stderr)")
        let openMetrics = try Replstat.run([
            "analyze", "--format", "openmetrics", "--out", folder.file("openmetrics").path, capture,
        ])
        #expect(openMetrics.status == 0, "\(openMetrics.stderr)")
        let summary = try Self.table(folder.file("csv/summary.csv"))
        #expect(summary.count == 14)
        let quality = try Self.table(folder.file("csv/quality.csv")).filter { $0["source"] == "*" }

        let lint = try Promtool.checkMetrics(metricsFile)
        #expect(lint.status == 0 && lint.output.isEmpty, "\(lint.output)")

        let servers = try Servers(folder: folder, textfiles: textfiles.path)
        defer { servers.stop() }
        let prometheus = PrometheusAPI(port: servers.prometheusPort)

        // Both jobs scraped and up: the textfile and the OpenMetrics text both parsed.
        let up = try await servers.waitFor {
            let up = try await prometheus.query("up")
            return up.count == 2 && up.allSatisfy { $0.value == "1" } ? up : nil
        }
        #expect(Set(up.map { $0.labels["job"] }) == ["node", "openmetrics"])

        for job in ["node", "openmetrics"] {
            let selector = "{job=\"\(job)\"}"
            // Every index has arrived once the samples counter has a series for each.
            let counts = try await servers.waitFor {
                let series = try await prometheus.query("replstat_follower_samples_total" + selector)
                return series.count == summary.count ? series : nil
            }
            #expect(Set(counts.compactMap { $0.labels["index"] }) == Set(summary.map { $0["index"]! }))
            for (metric, column) in [
                ("replstat_follower_samples_total", "samples"),
                ("replstat_follower_error_samples_total", "error_samples"),
                ("replstat_follower_transitions_total", "transitions"),
                ("replstat_follower_stalls_total", "stalls"),
                ("replstat_follower_lag_operations", "lag_last"),
                ("replstat_follower_lag_seconds", "lag_seconds_last"),
            ] {
                let stored = try await prometheus.valuesByIndex(metric + selector)
                for row in summary {
                    let expected = row[column]!.isEmpty ? nil : Double(row[column]!)
                    #expect(stored[row["index"]!] == expected, "\(job) \(metric) of \(row["index"]!)")
                }
            }
            let lastSample = try await prometheus.valuesByIndex(
                "replstat_follower_last_sample_timestamp_seconds" + selector)
            let status = try await prometheus.query("replstat_follower_status\(selector) == 1")
            for row in summary {
                let index = row["index"]!
                let lastSeen = row["last_seen"]!
                #expect(lastSample[index] == (lastSeen.isEmpty ? nil : Self.unixSeconds(lastSeen)), "\(index)")
                let current = status.filter { $0.labels["index"] == index }.map { $0.labels["status"] }
                #expect(current == (row["last_status"]!.isEmpty ? [] : [row["last_status"]]), "\(index)")
            }
            let lines = try await prometheus.query("replstat_capture_lines_total" + selector)
            for row in quality where row["outcome"] != "lines" {
                let stored = lines.first { $0.labels["outcome"] == row["outcome"] }?.value
                #expect(stored == row["count"], "\(job) lines \(row["outcome"]!)")
            }
            #expect(lines.count == quality.count - 1)
        }

        // The shipped rules loaded, and their expressions pick the followers they are about.
        let rules = try await prometheus.get("/api/v1/rules")
        let groups = ((rules["data"] as? [String: Any])?["groups"] as? [[String: Any]]) ?? []
        let loaded = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
        #expect(loaded.count == 5 && loaded.allSatisfy { $0["health"] as? String != "err" }, "\(loaded)")
        let alerts = try Self.alertExpressions()
        let notReplicating = try await prometheus.query(alerts["ReplicationFollowerNotReplicating"]!)
        #expect(Set(notReplicating.compactMap { $0.labels["index"] }) == ["we\"ird\\na\nme\u{1}\u{0}\t é"])
        let failing = try await prometheus.query(alerts["ReplicationPollsFailing"]!)
        #expect(Set(failing.compactMap { $0.labels["index"] }) == ["only-errors"])
        let mtime = try await prometheus.query(#"node_textfile_mtime_seconds{file=~".*replstat[^/]*\\.prom"}"#)
        #expect(mtime.count == 1)
        // Every expression of the rules and the dashboard is one Prometheus accepts.
        for expression in Array(alerts.values) + (try Self.dashboardExpressions()) {
            let answer = try await prometheus.get(
                "/api/v1/query?query=" + PrometheusAPI.encode(expression.replacingOccurrences(of: "$index", with: ".*"))
            )
            #expect(answer["status"] as? String == "success", "\(expression): \(answer)")
        }
    }

    @Test func promtoolAcceptsTheShippedRules() throws {
        let check = try Promtool.run([
            "check", "rules", Self.root.appendingPathComponent("docs/replstat-alerts.yml").path,
        ])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("SUCCESS: 5 rules found"), "\(check.output)")
    }

    /// A CSV report's rows, by column name.
    static func table(_ file: URL) throws -> [[String: String]] {
        let rows = CSV.parse(try String(contentsOf: file, encoding: .utf8))
        guard let header = rows.first else { return [] }
        return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// `2026-11-28T01:59:59.424Z` as Unix seconds.
    static func unixSeconds(_ timestamp: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: timestamp) else { return nil }
        // Milliseconds exactly, as replstat writes them: 1795831199.424.
        return Double(String(format: "%.3f", date.timeIntervalSince1970))
    }

    /// Each alert's expression, by name, from the shipped rule file (a list of `- alert:` items
    /// whose `expr:` is one line or a folded block).
    static func alertExpressions() throws -> [String: String] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/replstat-alerts.yml"), encoding: .utf8)
        var expressions: [String: String] = [:]
        var name: String?
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.popFirst() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- alert: ") { name = String(trimmed.dropFirst("- alert: ".count)) }
            guard trimmed.hasPrefix("expr:"), let current = name else { continue }
            var expression = trimmed.dropFirst("expr:".count).trimmingCharacters(in: .whitespaces)
            if expression == ">-" {
                let indent = line.prefix { $0 == " " }.count
                var block: [String] = []
                while let next = lines.first, next.prefix(while: { $0 == " " }).count > indent {
                    block.append(next.trimmingCharacters(in: .whitespaces))
                    lines = lines.dropFirst()
                }
                expression = block.joined(separator: " ")
            }
            expressions[current] = expression
        }
        return expressions
    }

    static func dashboardExpressions() throws -> [String] {
        let data = try Data(contentsOf: root.appendingPathComponent("docs/grafana-dashboard.json"))
        let dashboard = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        return panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
    }
}

/// node_exporter on the textfile folder, a server of the OpenMetrics report, and Prometheus
/// scraping both every 4 seconds, each on port 0 of 127.0.0.1 (it binds a free port and its log
/// says which: `ListeningPort`), with its log in the folder. A
/// scrape slower than its timeout fails and makes its series stale: on a loaded machine 1 s can be
/// too short.
final class Servers: @unchecked Sendable {
    private(set) var prometheusPort: UInt16 = 0
    private var processes: [Process] = []
    private let logs: URL

    init(folder: TemporaryDirectory, textfiles: String) throws {
        logs = folder.url
        // Serves the one file as OpenMetrics, whatever the path, and says its port as the Go
        // programs do.
        let serve = try folder.write(
            "serve.py",
            """
            import http.server, sys
            body = open(sys.argv[1], 'rb').read()
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200)
                    self.send_header('Content-Type', 'application/openmetrics-text; version=1.0.0; charset=utf-8')
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
            print(f'msg="Listening on" address=127.0.0.1:{server.server_port}', file=sys.stderr, flush=True)
            server.serve_forever()
            """)
        let nodePort: UInt16
        let openMetricsPort: UInt16
        do {
            nodePort = try start(
                "/usr/bin/prometheus-node-exporter",
                [
                    "--web.listen-address=127.0.0.1:0", "--collector.disable-defaults", "--collector.textfile",
                    "--collector.textfile.directory=\(textfiles)",
                ], log: "node-exporter.log")
            openMetricsPort = try start(
                "/usr/bin/env", ["python3", serve.path, folder.file("openmetrics/metrics.prom").path],
                log: "openmetrics-server.log")
        } catch {
            stop()
            throw error
        }
        let config = """
            global:
              scrape_interval: 4s
              scrape_timeout: 4s
              evaluation_interval: 1s
            rule_files: ["\(PrometheusTests.root.appendingPathComponent("docs/replstat-alerts.yml").path)"]
            scrape_configs:
              - job_name: node
                static_configs: [{targets: ["127.0.0.1:\(nodePort)"]}]
              - job_name: openmetrics
                static_configs: [{targets: ["127.0.0.1:\(openMetricsPort)"]}]
            """
        let configFile = try folder.write("prometheus.yml", config)
        do {
            prometheusPort = try start(
                "/usr/bin/prometheus",
                [
                    "--config.file=\(configFile.path)", "--storage.tsdb.path=\(folder.file("data").path)",
                    "--web.listen-address=127.0.0.1:0",
                ], log: "prometheus.log")
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Starts `program`, listening on port 0, and returns the port its log says it listens on.
    private func start(_ program: String, _ arguments: [String], log: String) throws -> UInt16 {
        guard FileManager.default.isExecutableFile(atPath: program) else { throw PrometheusMissing(program: program) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let logFile = logs.appendingPathComponent(log)
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else {
            throw Failure("cannot create \(logFile.path)")
        }
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes.append(process)
        return try ListeningPort.read(from: logFile, /msg="Listening on".*address=127\.0\.0\.1:([0-9]+)/, of: process)
    }

    /// Kills every program started (they keep nothing worth a clean stop) and waits for each.
    func stop() {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in processes { process.waitUntilExit() }
        processes = []
    }

    /// What the logs say, for a failure's message.
    var logText: String {
        ["node-exporter.log", "openmetrics-server.log", "prometheus.log"].map { name in
            let text = (try? String(contentsOf: logs.appendingPathComponent(name), encoding: .utf8)) ?? ""
            return "--- \(name)\n" + text.suffix(3000)
        }.joined(separator: "\n")
    }

    /// Asks until the answer is there (connection refused while Prometheus starts counts as not
    /// yet), every 0.2 s; fails at once when a program died. The hang guard counts attempts as
    /// well as time: it gives up only after 5 minutes and 1,500 attempts, since on a loaded
    /// machine this task may wait minutes for one of the test process's few threads (the other
    /// tests hold them), and minutes without an attempt say nothing about Prometheus.
    func waitFor<T>(_ attempt: () async throws -> T?) async throws -> T {
        let start = Date()
        var attempts = 0
        var lastError: (any Error)?
        while attempts < 1_500 || Date().timeIntervalSince(start) < 300 {
            if let died = processes.first(where: { !$0.isRunning }) {
                throw Failure("\(died.executableURL!.path) ended (status \(died.terminationStatus))\n\(logText)")
            }
            attempts += 1
            do {
                if let answer = try await attempt() { return answer }
            } catch {
                lastError = error
            }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        let seconds = Int(Date().timeIntervalSince(start))
        throw Failure(
            "no answer after \(attempts) attempts in \(seconds) s (last error: \(lastError.map { "\($0)" } ?? "none"))\n\(logText)"
        )
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Prometheus' HTTP API on 127.0.0.1.
struct PrometheusAPI {
    let port: UInt16

    struct Series {
        let labels: [String: String]
        let value: String
    }

    func get(_ path: String) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.timeoutInterval = 30
        let (data, _) = try await URLSession.shared.data(for: request)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Servers.Failure("not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }

    /// An instant query's series.
    func query(_ expression: String) async throws -> [Series] {
        let answer = try await get("/api/v1/query?query=" + Self.encode(expression))
        guard answer["status"] as? String == "success",
            let result = (answer["data"] as? [String: Any])?["result"] as? [[String: Any]]
        else { throw Servers.Failure("\(expression): \(answer)") }
        return result.map { item in
            Series(
                labels: item["metric"] as? [String: String] ?? [:],
                value: ((item["value"] as? [Any])?.last as? String) ?? "")
        }
    }

    /// Each series' value by its `index` label.
    func valuesByIndex(_ expression: String) async throws -> [String: Double] {
        var values: [String: Double] = [:]
        for series in try await query(expression) {
            if let index = series.labels["index"] { values[index] = Double(series.value) }
        }
        return values
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed)!
    }
}
