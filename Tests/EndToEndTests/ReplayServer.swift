import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP server on 127.0.0.1 that answers `GET /_plugins/_replication/{index}/_status` with the
/// response recorded in `CaptureFixtures/{index}.http` (status line, headers, blank line, body;
/// the server sets Content-Length and closes the connection). Some indices misbehave on purpose:
/// `follower-slow` never answers (it waits for the client to give up), `follower-trickle` sends
/// `follower-syncing` a byte every 0.5 s after the head, `follower-dropped` closes the connection
/// without answering, `follower-huge-header` sends a header line of 200 kB, and `follower-wait-*` answer like `follower-paused` after `waitDelay`. An
/// unknown index gets a bare 404. Each connection has a thread of its own, so that many slow
/// answers are served at once.
final class ReplayServer: @unchecked Sendable {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("CaptureFixtures")

    let port: UInt16
    var url: String { "http://127.0.0.1:\(port)" }
    let waitDelay: TimeInterval
    /// Answer without `Connection: close` and close the connection a moment later, as a server
    /// whose idle connections time out: the client finds it closed when it wants to reuse it.
    let closesIdleConnections: Bool
    private let listener: Int32
    private let lock = NSLock()
    private var requests: [(path: String, authorization: String?)] = []
    private var connectionCount = 0

    /// Where a relay forwards its connections; nil for a replay server.
    private let relayTarget: UInt16?

    init(waitDelay: TimeInterval = 1, closesIdleConnections: Bool = false, relayTarget: UInt16? = nil) throws {
        self.waitDelay = waitDelay
        self.closesIdleConnections = closesIdleConnections
        self.relayTarget = relayTarget
        let (listener, port) = try RefusingPort.bindLoopback()
        guard listen(listener, 512) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        self.listener = listener
        self.port = port
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// Stops accepting; connections being served finish on their own.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    /// Every request seen so far: its path and its Authorization header.
    var seen: [(path: String, authorization: String?)] {
        lock.lock()
        defer { lock.unlock() }
        return requests
    }

    /// Connections accepted so far.
    var connections: Int {
        lock.lock()
        defer { lock.unlock() }
        return connectionCount
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                close(listener)
                return
            }
            lock.lock()
            connectionCount += 1
            lock.unlock()
            // A thread each, not the global queue, whose threads are few: 64 slow answers at once.
            if let relayTarget {
                Thread.detachNewThread {
                    Self.relay(connection, to: relayTarget)
                    close(connection)
                }
            } else {
                Thread.detachNewThread { [self] in serve(connection) }
            }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        guard let head = readHead(connection) else { return }
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return }
        let path = String(parts[1])
        let authorization = lines.dropFirst().first { $0.lowercased().hasPrefix("authorization:") }
            .map { String($0.dropFirst("authorization:".count)).trimmingCharacters(in: .whitespaces) }
        lock.lock()
        requests.append((path, authorization))
        lock.unlock()

        let pieces = path.split(separator: "/")
        let index = pieces.count == 4 ? String(pieces[2]) : ""
        switch index {
        case "follower-dropped":
            return
        case "follower-slow":
            waitForClose(connection)
        case "follower-trickle":
            let response = recorded("follower-syncing")
            let head = response.range(of: Data("\r\n\r\n".utf8))!.upperBound
            send(connection, response[..<head])
            for byte in response[head...] {
                Thread.sleep(forTimeInterval: 0.5)
                guard send(connection, Data([byte])) else { return }
            }
        case "follower-huge-header":
            // A status line, then a header line of 200 kB: more than libcurl keeps (100 KiB).
            let padding = String(repeating: "a", count: 200_000)
            send(connection, Data("HTTP/1.1 200 OK\r\nX-Padding: \(padding)\r\nConnection: close\r\n\r\n{}".utf8))
        case _ where index.hasPrefix("follower-wait-"):
            Thread.sleep(forTimeInterval: waitDelay)
            send(connection, recorded("follower-paused"))
        default:
            send(connection, recorded(index))
        }
        if closesIdleConnections {
            // Idle connections time out at various moments, some just as the client reuses them.
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.15))
        }
    }

    /// Holds the connection without answering until the client closes it (60 s at most).
    private func waitForClose(_ connection: Int32) {
        var byte: UInt8 = 0
        var ready = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
        for _ in 0..<600 {
            if poll(&ready, 1, 100) > 0 && recv(connection, &byte, 1, 0) <= 0 { return }
        }
    }

    /// The recorded response with its Content-Length set to the body's length.
    private func recorded(_ index: String) -> Data {
        guard let file = try? Data(contentsOf: Self.fixtures.appendingPathComponent(index + ".http")),
            let split = file.range(of: Data("\r\n\r\n".utf8))
        else {
            return Data("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
        }
        let head = String(decoding: file[..<split.lowerBound], as: UTF8.self)
        let body = file[split.upperBound...]
        let close = closesIdleConnections ? "" : "Connection: close\r\n"
        return Data((head + "\r\nContent-Length: \(body.count)\r\n\(close)\r\n").utf8) + body
    }

    private func readHead(_ connection: Int32) -> String? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let count = recv(connection, &buffer, buffer.count, 0)
            if count <= 0 { return nil }
            bytes += buffer[..<count]
            if let text = String(bytes: bytes, encoding: .utf8), let end = text.range(of: "\r\n\r\n") {
                return String(text[..<end.lowerBound])
            }
        }
        return nil
    }

    /// Whether all of it went out. MSG_NOSIGNAL: a client that gave up must not kill the test
    /// process with SIGPIPE.
    @discardableResult
    private func send(_ connection: Int32, _ data: Data) -> Bool {
        Data(data).withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let sent = Glibc.send(
                    connection, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }
    }
}

extension Replstat {
    /// Runs a command that polls `server` until it has seen `polls` requests (30 s at most),
    /// then sends it `signal` and waits for it: the way an operator stops a capture. Returns its
    /// exit status (nil when the signal killed it), what it wrote on standard error, and whether
    /// the server saw the polls.
    static func runUntil(
        _ server: ReplayServer, saw polls: Int, thenSend signal: Int32, _ arguments: [String]
    ) throws -> (status: Int32?, stderr: String, sawPolls: Bool) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = CaptureTests.noCredentials
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // 30 s at most: a loaded machine is slow to start the binary.
        for _ in 0..<3000 where server.seen.count < polls { Thread.sleep(forTimeInterval: 0.01) }
        let sawPolls = server.seen.count >= polls
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationReason == .exit ? process.terminationStatus : nil, stderr, sawPolls)
    }
}

extension ReplayServer {
    /// A server that forwards each connection to 127.0.0.1:`target` instead of answering it,
    /// counting them in `connections` (each TLS handshake needs a connection of its own).
    convenience init(relayTo target: UInt16) throws {
        try self.init(waitDelay: 0, closesIdleConnections: false, relayTarget: target)
    }

    /// A socket connected to 127.0.0.1:`port`, or nil when nothing accepts there.
    static func connectToLoopback(port: UInt16) -> Int32? {
        let connection = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(connection, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(connection)
            return nil
        }
        return connection
    }

    /// Copies bytes both ways between `connection` and a new connection to `target` until
    /// either side closes.
    static func relay(_ connection: Int32, to target: UInt16) {
        guard let upstream = connectToLoopback(port: target) else { return }
        defer { close(upstream) }
        var ends = [
            pollfd(fd: connection, events: Int16(POLLIN), revents: 0),
            pollfd(fd: upstream, events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 16384)
        while poll(&ends, 2, 30_000) > 0 {
            for (from, to) in [(0, 1), (1, 0)] where ends[from].revents != 0 {
                let count = recv(ends[from].fd, &buffer, buffer.count, 0)
                if count <= 0 { return }
                guard Glibc.send(ends[to].fd, buffer, count, Int32(MSG_NOSIGNAL)) == count else { return }
            }
        }
    }
}

/// A port of 127.0.0.1 that refuses connections for as long as this lives: bound, so that no
/// other program can take it, and not listening. (A port found free and then left could be
/// taken by another process on a shared machine before the test uses it.)
final class RefusingPort {
    let port: UInt16
    private let socket: Int32

    init() throws {
        (socket, port) = try Self.bindLoopback()
    }

    /// A socket bound to a port of 127.0.0.1 that the system picks, and the port.
    static func bindLoopback() throws -> (socket: Int32, port: UInt16) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            close(socket)
            throw POSIXError(.EADDRINUSE)
        }
        return (socket, UInt16(bigEndian: address.sin_port))
    }

    deinit { close(socket) }
}

/// A server program started by a test on port 0 of 127.0.0.1, which picks a free port as it
/// binds and says which in its log: no port is chosen first and bound later, so no other
/// process can take it in between.
enum ListeningPort {
    /// The port in the first line of `log` that matches `said` (its first capture group), once
    /// `process` has written it; fails when the process ends first, or after `patience` (a hang
    /// guard, not a timing margin: the line comes as soon as the program listens).
    static func read(
        from log: URL, _ said: Regex<(Substring, Substring)>, of process: Process, patience: TimeInterval = 300
    ) throws -> UInt16 {
        let deadline = Date().addingTimeInterval(patience)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let match = text.firstMatch(of: said), let port = UInt16(match.1) { return port }
            guard process.isRunning else {
                throw ListeningFailure(
                    description:
                        "\(process.executableURL!.path) ended (status \(process.terminationStatus)) before it listened:\n\(text.suffix(3000))"
                )
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw ListeningFailure(description: "\(process.executableURL!.path) did not say its port in \(Int(patience)) s")
    }

    struct ListeningFailure: Error, CustomStringConvertible {
        let description: String
    }
}
