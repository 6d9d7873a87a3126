import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The temporary files that exist at the moment (`TemporaryFile`s not yet committed or
/// abandoned). An interrupted run removes them, so that Ctrl-C or a kill leaves either the
/// previous files or the new complete ones, and no debris.
public enum TemporaryFiles {
    private static let capacity = 64
    /// C strings of the paths, read by the signal handler, which may only call unlink.
    nonisolated(unsafe) private static let paths: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        slots.initialize(repeating: nil, count: capacity)
        return slots
    }()
    /// Files are made on more than one thread (a spool on the reader's, reports on the main one).
    private static let lock = Mutex(())

    /// Remembers a temporary file; returns its slot, for `forget` (nil when all are taken: the
    /// file is then not removed on a signal).
    static func remember(_ path: String) -> Int? {
        lock.withLock { _ in
            for slot in 0..<capacity where paths[slot] == nil {
                paths[slot] = strdup(path)
                return slot
            }
            return nil
        }
    }

    /// The file was renamed into place or removed: nothing to clean up any more.
    static func forget(_ slot: Int?) {
        guard let slot else { return }
        lock.withLock { _ in
            guard let path = paths[slot] else { return }
            // Emptied before it is freed, so a handler reads nil or the whole path; only one
            // running on another thread in the instants between the two could read freed memory.
            paths[slot] = nil
            free(path)
        }
    }

    /// Removes every temporary file now: the program is about to end without finishing them.
    public static func removeAll() {
        lock.withLock { _ in
            for slot in 0..<capacity {
                if let path = paths[slot] { unlink(path) }
            }
        }
    }

    /// On SIGINT, SIGTERM and SIGHUP: remove the temporary files and exit with 128 + the
    /// signal's number (130 for Ctrl-C), as a shell reports a process the signal ended.
    public static func removeOnInterrupt() {
        _ = paths  // Initialised here, not in the handler.
        // A parent may have started us with these signals blocked (a blocked mask is inherited
        // across exec): unblock them, or Ctrl-C would wait for the end of the input.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&unblocked, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { received in
                // No lock here (a handler must not wait): each slot is read once.
                for slot in 0..<TemporaryFiles.capacity {
                    if let path = TemporaryFiles.paths[slot] { unlink(path) }
                }
                _exit(128 + received)
            }
        }
    }
}
