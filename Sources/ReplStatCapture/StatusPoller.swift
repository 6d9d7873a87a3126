import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL
import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// How the poller proves who it is. Read from the environment, never from the command line,
/// where every user of the machine could read it in the process list.
public enum Credentials: Sendable, Equatable {
    case basic(user: String, password: String)
    case apiKey(String)

    public static let userVariable = "REPLSTAT_USER"
    public static let passwordVariable = "REPLSTAT_PASSWORD"
    public static let apiKeyVariable = "REPLSTAT_API_KEY"

    /// The credentials the environment holds, if any.
    public static func fromEnvironment(
        _ lookup: (String) -> String? = { getenv($0).map { String(cString: $0) } }
    ) throws(CaptureSetupError) -> Credentials? {
        func value(_ name: String) -> String? {
            guard let text = lookup(name), !text.isEmpty else { return nil }
            return text
        }
        let user = value(userVariable)
        let password = value(passwordVariable)
        let apiKey = value(apiKeyVariable)
        if apiKey != nil && (user != nil || password != nil) {
            throw CaptureSetupError(
                "both \(apiKeyVariable) and \(userVariable)/\(passwordVariable) are set: keep one way to sign in")
        }
        if let apiKey { return .apiKey(apiKey) }
        switch (user, password) {
        case (nil, nil): return nil
        case (let user?, let password?): return .basic(user: user, password: password)
        case (nil, _): throw CaptureSetupError("\(passwordVariable) is set without \(userVariable)")
        case (_, nil): throw CaptureSetupError("\(userVariable) is set without \(passwordVariable)")
        }
    }

    /// The value of the `Authorization` header.
    public var authorization: String {
        switch self {
        case .apiKey(let key):
            return "ApiKey " + key
        case .basic(let user, let password):
            var encoded: [UInt8] = []
            Array((user + ":" + password).utf8).withUnsafeBytes { Base64.append($0, to: &encoded) }
            return "Basic " + String(decoding: encoded, as: UTF8.self)
        }
    }
}

/// A setting that makes capturing impossible; the message says what to change.
public struct CaptureSetupError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Asks the cluster for one index's replication status, and turns every way that can fail
/// into a `PollFailure` instead of an error: a capture outlives a flaky network.
public final class StatusPoller: Sendable {
    private let client: HTTPClient
    private let baseURL: String
    private let authorization: String?
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - baseURL: `http(s)://host:port`, with or without a trailing slash or a path prefix.
    ///   - caFile: PEM certificates to trust instead of the system's (a private CA).
    public init(baseURL: String, timeoutMillis: Int64, caFile: String?, credentials: Credentials?)
        throws(CaptureSetupError)
    {
        guard let scheme = baseURL.split(separator: ":", maxSplits: 1).first?.lowercased(),
            scheme == "http" || scheme == "https", baseURL.contains("://")
        else {
            throw CaptureSetupError("--url must start with http:// or https:// (got '\(baseURL)')")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            // Load it now: a wrong path should stop the command, not fill the capture with TLS errors.
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !certificates.isEmpty else { throw CaptureSetupError("no certificate in it") }
                tls.trustRoots = .certificates(certificates)
            } catch {
                throw CaptureSetupError("--ca-file \(caFile): cannot use it as PEM certificates (\(error))")
            }
        }
        timeout = .milliseconds(timeoutMillis)
        let configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            // The client retries a failed connection until its connect timeout and then reports the
            // last error (refused, TLS): that must come before the poll's own deadline, or every
            // such failure would be written as a timeout.
            timeout: .init(connect: .milliseconds(max(1, timeoutMillis * 4 / 5)), read: timeout))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        authorization = credentials?.authorization
    }

    func url(of index: String) -> String {
        baseURL + "/_plugins/_replication/" + Self.percentEncoded(index) + "/_status"
    }

    /// One poll, answered or failed within the timeout, whatever the server does: the client's
    /// own timeouts end at the response head or after silence, and a body that trickles in a
    /// byte at a time would escape both.
    public func poll(_ index: String) async -> PollAnswer {
        let timeout = self.timeout
        return await withTaskGroup(of: PollAnswer?.self) { group in
            group.addTask { await self.fetch(index) }
            group.addTask {
                try? await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
                return Task.isCancelled
                    ? nil
                    : .failed(PollFailure(kind: .timeout, reason: "no complete answer in \(Self.seconds(timeout))"))
            }
            // The first to finish wins; the other is cancelled (a cancelled fetch ends at once).
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failed(PollFailure(kind: .requestFailed, reason: "cancelled"))
        }
    }

    private func fetch(_ index: String) async -> PollAnswer {
        var request = HTTPClientRequest(url: url(of: index))
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "replstat-capture")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        do {
            let response = try await client.execute(request, timeout: timeout)
            let status = Int(response.status.code)
            do {
                let body = try await response.body.collect(upTo: EnvelopeLineBuilder.maxBodyBytes)
                return .answered(httpStatus: status, body: Array(buffer: body))
            } catch is NIOTooManyBytesError {
                return .failed(
                    PollFailure(
                        kind: .responseTooLarge,
                        reason: "HTTP \(status) answer longer than \(EnvelopeLineBuilder.maxBodyBytes) bytes",
                        httpStatus: status))
            }
        } catch {
            return .failed(Self.failure(error))
        }
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let millis = amount.nanoseconds / 1_000_000
        return millis % 1000 == 0 ? "\(millis / 1000) s" : "\(Double(millis) / 1000) s"
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Sorts the many errors of the HTTP and TLS stack into what an SRE acts on differently.
    static func failure(_ error: any Error) -> PollFailure {
        let text = String(describing: error)
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .tlsHandshakeTimeout,
                .getConnectionFromPoolTimeout:
                return PollFailure(kind: .timeout, reason: "no answer in time (\(text))")
            case .remoteConnectionClosed:
                return PollFailure(
                    kind: .connectionFailed, reason: "the server closed the connection without answering")
            default:
                return PollFailure(kind: .requestFailed, reason: text)
            }
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return PollFailure(kind: .tlsFailed, reason: text)
        }
        if error is NIOConnectionError || error is IOError || error is ChannelError {
            return PollFailure(kind: .connectionFailed, reason: text)
        }
        return PollFailure(kind: .requestFailed, reason: text)
    }

    /// Index names are plain in practice, but a name is data: keep it from changing the path.
    static func percentEncoded(_ name: String) -> String {
        var out = ""
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}
