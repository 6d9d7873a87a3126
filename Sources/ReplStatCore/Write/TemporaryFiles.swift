import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The temporary files that exist at the moment (`TemporaryFile`s not yet committed or
/// abandoned), for the program to remove when it ends without finishing them (on a signal, or
/// on an early exit), so that Ctrl-C or a kill leaves either the previous files or the new
/// complete ones, and no debris. The library installs no signal handler itself.
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

    /// Allocates the registry now, so that a signal handler that calls
    /// `removeAllInSignalHandler` never has to.
    public static func prepareForSignalHandler() {
        _ = paths
    }

    /// Removes every temporary file from a signal handler: no lock (a handler must not wait),
    /// no allocation; each slot is read once. Call `prepareForSignalHandler` before installing
    /// the handler.
    public static func removeAllInSignalHandler() {
        for slot in 0..<capacity {
            if let path = paths[slot] { unlink(path) }
        }
    }
}
