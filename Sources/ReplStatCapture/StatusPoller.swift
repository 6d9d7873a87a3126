import CCurl
import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// Asks the cluster for one index's replication status, and turns every way that can fail
/// into a `PollFailure` instead of an error: a capture outlives a flaky network.
public final class StatusPoller: Sendable {
    private let cluster: ClusterURL
    private let transfers: CurlTransfers
    private let timeoutMillis: Int64
    private let verbose: Bool

    /// - Parameters:
    ///   - timeoutMillis: bounds each poll from connecting to the last byte of the answer.
    ///   - caFile: PEM certificates to trust instead of the system's (a private CA); checked here.
    ///   - connections: polls in flight at once, each on its own connection.
    ///   - verbose: ask for every shard's checkpoints (`?verbose=true`).
    public init(
        cluster: ClusterURL, timeoutMillis: Int64, caFile: String?, credentials: Credentials?, connections: Int,
        verbose: Bool = false
    ) throws(CaptureSetupError) {
        if let caFile { try CertificateFile.check(caFile) }
        var headers = ["Accept: application/json"]
        if let credentials { headers.append("Authorization: " + credentials.authorization) }
        self.cluster = cluster
        self.timeoutMillis = timeoutMillis
        self.verbose = verbose
        transfers = try CurlTransfers(
            settings: CurlSettings(
                timeoutMillis: timeoutMillis, caFile: caFile, headers: headers,
                maxBodyBytes: EnvelopeLineBuilder.maxBodyBytes, connections: max(1, connections)))
    }

    /// One poll, answered or failed within the timeout, whatever the server does. A poll whose
    /// task is cancelled ends at once (its answer is of no use).
    public func poll(_ index: String) async -> PollAnswer {
        let outcome = await transfers.get(cluster.statusURL(of: index, verbose: verbose))
        if outcome.code == CURLE_OK {
            return .answered(httpStatus: outcome.httpStatus, body: outcome.body)
        }
        return .failed(failure(outcome))
    }

    /// Closes the connections; no poll may start after it.
    public func shutdown() async {
        await transfers.shutdown()
    }

    /// Sorts libcurl's outcomes into what an SRE acts on differently, in words for people.
    func failure(_ outcome: CurlOutcome) -> PollFailure {
        let status = outcome.httpStatus == 0 ? nil : outcome.httpStatus
        let place = cluster.authority
        if outcome.tooLarge {
            return PollFailure(
                kind: .responseTooLarge,
                reason: "answer longer than \(EnvelopeLineBuilder.maxBodyBytes) bytes", httpStatus: status)
        }
        switch outcome.code {
        case CURLE_OUT_OF_MEMORY where status != nil, Self.tooLarge:
            // libcurl gives up on headers longer than it keeps (100 KiB a line; libcurl 8 also
            // 300 KiB in all) with "Out of memory" before 8.6, CURLE_TOO_LARGE since. The answer
            // was not read: its status line says nothing of it.
            return PollFailure(
                kind: .responseTooLarge,
                reason: "answer headers longer than libcurl accepts (100 KiB a line): "
                    + "a proxy or the cluster's settings may be adding them")
        case CURLE_OPERATION_TIMEDOUT:
            return PollFailure(kind: .timeout, reason: "no complete answer in \(Self.seconds(timeoutMillis))")
        case CURLE_COULDNT_RESOLVE_HOST:
            return PollFailure(kind: .connectionFailed, reason: "cannot resolve the host name (\(place))")
        case CURLE_COULDNT_CONNECT:
            return PollFailure(
                kind: .connectionFailed, reason: "\(Self.systemText(outcome, or: "cannot connect")) (\(place))")
        case CURLE_GOT_NOTHING:
            return PollFailure(
                kind: .connectionFailed, reason: "the server closed the connection without answering (\(place))")
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR:
            return PollFailure(
                kind: .connectionFailed,
                reason: "\(Self.systemText(outcome, or: "the connection failed")) (\(place))", httpStatus: status)
        case CURLE_PARTIAL_FILE:
            return PollFailure(
                kind: .connectionFailed, reason: "the connection closed before the whole answer arrived (\(place))",
                httpStatus: status)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_INVALIDCERTSTATUS,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_ENGINE_INITFAILED,
            CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_USE_SSL_FAILED:
            return PollFailure(kind: .tlsFailed, reason: "TLS: \(Self.libcurlText(outcome)) (\(place))")
        case CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING, CURLE_HTTP2, CURLE_HTTP2_STREAM,
            CURLE_UNSUPPORTED_PROTOCOL:
            return PollFailure(
                kind: .invalidResponse, reason: "not a usable HTTP answer: \(Self.libcurlText(outcome))",
                httpStatus: status)
        default:
            return PollFailure(kind: .requestFailed, reason: Self.libcurlText(outcome), httpStatus: status)
        }
    }

    /// CURLE_TOO_LARGE (libcurl 8.6 and later), which the headers of older ones do not name.
    private static let tooLarge = CURLcode(rawValue: 100)

    /// The system's reason behind a failed connection: `connection refused`.
    private static func systemText(_ outcome: CurlOutcome, or fallback: String) -> String {
        guard outcome.systemError != 0 else { return fallback }
        return String(cString: strerror(outcome.systemError)).lowercased()
    }

    /// libcurl's sentence, or the name of its error code when it gave none.
    private static func libcurlText(_ outcome: CurlOutcome) -> String {
        outcome.message.isEmpty ? String(cString: replstat_easy_strerror(outcome.code)) : outcome.message
    }

    private static func seconds(_ millis: Int64) -> String {
        millis % 1000 == 0 ? "\(millis / 1000) s" : "\(Double(millis) / 1000) s"
    }
}
