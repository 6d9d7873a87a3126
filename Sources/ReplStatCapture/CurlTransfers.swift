import CCurl
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What one HTTP GET through libcurl ended with.
struct CurlOutcome: Sendable {
    /// libcurl's verdict; `CURLE_OK` when a whole answer arrived, whatever its status.
    var code: CURLcode
    /// The answer's status, 0 when none arrived.
    var httpStatus = 0
    var body: [UInt8] = []
    /// The body went over the limit and the transfer was cut there.
    var tooLarge = false
    /// The system's error number behind a failed connect, send or receive, or 0.
    var systemError: Int32 = 0
    /// libcurl's own sentence about the failure (may be empty).
    var message = ""
    /// Dropped by a cancelled task or by `shutdown`: there is nothing to report.
    var cancelled = false
}

/// The settings every request shares.
struct CurlSettings: Sendable {
    /// From the start of the connection to the last byte of the answer.
    var timeoutMillis: Int64
    /// PEM certificates to trust instead of the system's.
    var caFile: String?
    /// Header lines sent with every request (`Name: value`).
    var headers: [String]
    /// Longest body kept; a longer one ends the transfer.
    var maxBodyBytes: Int
    /// Connections to the cluster at most, kept open between rounds.
    var connections: Int
}

/// libcurl's multi interface driven by one thread of its own: requests are handed to it, it runs
/// them all on a pool of up to `connections` connections (kept between rounds), and resumes
/// each caller when its answer is complete. A cancelled caller's transfer is dropped at once.
final class CurlTransfers: Sendable {
    private let settings: CurlSettings
    private let multi: Handle
    private let state = Mutex(State())

    private struct State {
        var submitted: [Transfer] = []
        var cancelled: [Transfer] = []
        var stopping = false
        var stopped = false
        var whenStopped: [CheckedContinuation<Void, Never>] = []
    }

    /// A C handle that only the transfers' thread touches once the thread runs.
    private struct Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    /// Loads libcurl and sets up its global state, once per process before the first handle;
    /// nil, or why capturing is impossible.
    private static let unavailable: String? = {
        var error = [CChar](repeating: 0, count: 512)
        guard replstat_curl_load(&error, error.count) == 1 else {
            return String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return replstat_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK ? nil : "libcurl could not be initialized"
    }()

    init(settings: CurlSettings) throws(CaptureSetupError) {
        if let unavailable = Self.unavailable { throw CaptureSetupError(unavailable) }
        guard let multi = replstat_multi_init() else {
            throw CaptureSetupError("libcurl could not make a multi handle")
        }
        self.settings = settings
        self.multi = Handle(pointer: multi)
        let connections = settings.connections
        _ = replstat_multi_set_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections)
        _ = replstat_multi_set_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections)
        // The cache of idle connections, kept for the next round.
        _ = replstat_multi_set_long(multi, CURLMOPT_MAXCONNECTS, connections)
        DispatchQueue(label: "replstat.curl").async { [self] in run() }
    }

    /// Fetches `url`; returns when the answer is complete, the transfer failed or timed out, or
    /// the calling task was cancelled.
    func get(_ url: String) async -> CurlOutcome {
        guard let transfer = Transfer(url: url, settings: settings) else {
            return CurlOutcome(code: CURLE_OUT_OF_MEMORY, message: "libcurl could not make a handle")
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.continuation = continuation
                submit(transfer)
            }
        } onCancel: {
            cancel(transfer)
        }
    }

    /// Drops the transfers under way, closes every connection and ends the thread.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyStopped = state.withLock { state in
                state.stopping = true
                if state.stopped { return true }
                state.whenStopped.append(continuation)
                wake(state)
                return false
            }
            if alreadyStopped { continuation.resume() }
        }
    }

    private func submit(_ transfer: Transfer) {
        let refused = state.withLock { state in
            if transfer.phase == .cancelled || state.stopping { return true }
            transfer.phase = .submitted
            state.submitted.append(transfer)
            wake(state)
            return false
        }
        if refused { transfer.finish(CurlOutcome(code: CURLE_ABORTED_BY_CALLBACK, cancelled: true)) }
    }

    private func cancel(_ transfer: Transfer) {
        state.withLock { state in
            defer { transfer.phase = .cancelled }
            guard transfer.phase == .submitted else { return }
            state.cancelled.append(transfer)
            wake(state)
        }
    }

    /// Interrupts the thread's wait. Called under the lock: once `stopped` is set, the multi
    /// handle is cleaned up.
    private func wake(_ state: borrowing State) {
        if !state.stopped { replstat_multi_wakeup(multi.pointer) }
    }

    /// The transfers' thread: adds what was submitted, drops what was cancelled, lets libcurl
    /// work, and finishes what completed, until `shutdown`.
    private func run() {
        let multi = self.multi.pointer
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        while true {
            let (submitted, cancelled, stopping) = state.withLock { state in
                defer {
                    state.submitted = []
                    state.cancelled = []
                }
                return (state.submitted, state.cancelled, state.stopping)
            }
            for transfer in submitted {
                active[transfer.easy] = transfer
                _ = replstat_multi_add_handle(multi, transfer.easy)
            }
            for transfer in stopping ? Array(active.values) + cancelled : cancelled {
                if active.removeValue(forKey: transfer.easy) != nil {
                    _ = replstat_multi_remove_handle(multi, transfer.easy)
                }
                transfer.finish(CurlOutcome(code: CURLE_ABORTED_BY_CALLBACK, cancelled: true))
            }
            if stopping { break }
            var running: Int32 = 0
            _ = replstat_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = replstat_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let transfer = active.removeValue(forKey: easy)
                else { continue }
                let code = replstat_message_result(message)
                _ = replstat_multi_remove_handle(multi, easy)
                transfer.finish(transfer.outcome(code))
            }
            // Wakes up at libcurl's next timeout, on socket activity, or on curl_multi_wakeup.
            _ = replstat_multi_poll(multi, 1000)
        }
        // Nothing is submitted once stopping; what is cancelled now has finished already.
        let waiting = state.withLock { state in
            state.stopped = true
            state.cancelled = []
            return state.whenStopped
        }
        replstat_multi_cleanup(multi)
        for continuation in waiting { continuation.resume() }
    }
}

/// One request: its easy handle, the answer as it arrives, and the caller waiting for it.
private final class Transfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    private let headers: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    private let maxBodyBytes: Int
    private var body: [UInt8] = []
    private var tooLarge = false
    /// Set by the caller before the transfer is submitted; resumed once, by `finish`.
    var continuation: CheckedContinuation<CurlOutcome, Never>?
    /// Changed under the lock of the `CurlTransfers` that runs it.
    var phase = Phase.created

    enum Phase {
        case created, submitted, cancelled
    }

    init?(url: String, settings: CurlSettings) {
        guard let easy = replstat_easy_init() else { return nil }
        self.easy = easy
        maxBodyBytes = settings.maxBodyBytes
        var list: UnsafeMutablePointer<curl_slist>?
        for header in settings.headers { list = replstat_slist_append(list, header) }
        headers = list
        errorBuffer.initialize(to: 0)
        configure(url: url, settings)
    }

    deinit {
        replstat_easy_cleanup(easy)
        replstat_slist_free_all(headers)
        errorBuffer.deallocate()
    }

    private func configure(url: String, _ settings: CurlSettings) {
        _ = replstat_easy_set_string(easy, CURLOPT_URL, url)
        // Plain HTTP/1.1 on http and https only: a redirect or an odd scheme goes nowhere else.
        _ = replstat_easy_set_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = replstat_easy_set_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        _ = replstat_easy_set_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        // The cluster is asked directly: a proxy set in the environment for other tools would see
        // the credentials (in clear over http://) and answer for the cluster.
        _ = replstat_easy_set_string(easy, CURLOPT_PROXY, "")
        _ = replstat_easy_set_long(easy, CURLOPT_NETRC, Int(CURL_NETRC_IGNORED.rawValue))
        // Threads: no SIGALRM for DNS timeouts, and SIGPIPE stays the process's business.
        _ = replstat_easy_set_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = replstat_easy_set_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
        _ = replstat_easy_set_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = settings.caFile {
            _ = replstat_easy_set_string(easy, CURLOPT_CAINFO, caFile)
            // Debian's libcurl also trusts the system's folder of CAs: only the given file counts.
            _ = replstat_easy_set_pointer(easy, CURLOPT_CAPATH, nil)
        }
        _ = replstat_easy_set_long(easy, CURLOPT_TIMEOUT_MS, Int(settings.timeoutMillis))
        _ = replstat_easy_set_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(settings.timeoutMillis))
        _ = replstat_easy_set_offset(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(settings.maxBodyBytes))
        _ = replstat_easy_set_string(easy, CURLOPT_USERAGENT, "replstat-capture")
        _ = replstat_easy_set_headers(easy, headers)
        _ = replstat_easy_set_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = replstat_easy_set_pointer(easy, CURLOPT_WRITEDATA, Unmanaged.passUnretained(self).toOpaque())
        _ = replstat_easy_set_write_function(easy) { data, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.received(UnsafeRawBufferPointer(start: data, count: size * count))
        }
    }

    /// Keeps a piece of the body; past the limit, returning less than given ends the transfer.
    private func received(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard body.count + bytes.count <= maxBodyBytes else {
            tooLarge = true
            return 0
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    func outcome(_ code: CURLcode) -> CurlOutcome {
        var status = 0
        _ = replstat_easy_info_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var systemError = 0
        _ = replstat_easy_info_long(easy, CURLINFO_OS_ERRNO, &systemError)
        return CurlOutcome(
            code: code, httpStatus: status, body: body, tooLarge: tooLarge || code == CURLE_FILESIZE_EXCEEDED,
            systemError: Int32(truncatingIfNeeded: systemError), message: String(cString: errorBuffer))
    }

    func finish(_ outcome: CurlOutcome) {
        let waiting = continuation
        continuation = nil
        waiting?.resume(returning: outcome)
    }
}
