#if canImport(Glibc)
    import Glibc
#endif

/// A file written under a temporary name in the folder of the file it becomes, then renamed
/// over it: a reader sees the previous file or the new complete one, never half of one.
///
/// The temporary name ends in 12 random characters and is created with
/// `O_CREAT | O_EXCL | O_NOFOLLOW`, as `mkstemp` does, so no one can prepare it (a link planted
/// there is never followed, a file opened there in advance is never written). It is created
/// with mode 0600 and gets its final mode only at `commit`: the mode of the file it replaces
/// (whose owner and group are kept too when the system allows it), or for a new file 0666
/// less the umask. While it exists it is registered with `TemporaryFiles`, through which the
/// program removes it when it is interrupted (SIGINT, SIGTERM, SIGHUP) or ends early.
final class TemporaryFile {
    /// The final name, also used in messages.
    let path: String
    let temporaryPath: String
    let descriptor: Int32
    /// The regular file at `path` when this one was made, whose mode and owner it takes.
    private let replaced: stat?
    private let slot: Int?
    /// Closed by `seal` (or `abandon`): its descriptor is no longer this file's.
    private var isSealed = false

    init(replacing path: String) throws(OutputError) {
        self.path = path
        var existing = stat()
        replaced = lstat(path, &existing) == 0 && (existing.st_mode & S_IFMT) == S_IFREG ? existing : nil
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        // Room for ".tmp-" and the random part within a name's 255 bytes.
        let name = path[(slash.map { path.index(after: $0) } ?? path.startIndex)...].utf8.prefix(200)
        let prefix = folder + String(decoding: name, as: UTF8.self) + ".tmp-"
        (temporaryPath, descriptor, slot) = try Self.create(prefix, access: O_WRONLY, for: path)
    }

    /// Creates a file named `prefix` + 12 random characters that did not exist; failures are
    /// told as failures to write `finalPath`.
    private static func create(
        _ prefix: String, access: Int32, for finalPath: String
    ) throws(OutputError) -> (String, Int32, Int?) {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        for _ in 0..<100 {
            let suffix = (0..<12).map { _ in alphabet[Int(random.next(upperBound: UInt(alphabet.count)))] }
            let candidate = prefix + String(decoding: suffix, as: UTF8.self)
            // Remembered before it exists: a signal between the two must not leave it behind.
            let slot = TemporaryFiles.remember(candidate)
            let descriptor = open(candidate, access | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return (candidate, descriptor, slot) }
            let failure = OutputError.system(path: finalPath)
            TemporaryFiles.forget(slot)
            if failure.code != EEXIST { throw failure }
        }
        throw OutputError(path: finalPath, detail: "no free temporary name in its folder after 100 tries")
    }

    /// An open file in `folder` that has no name: for data kept only while the run needs it.
    static func unnamed(in folder: String) throws(OutputError) -> Int32 {
        // O_TMPFILE (a C macro Swift does not import): __O_TMPFILE, 0o20000000 on x86-64 and arm64, with O_DIRECTORY.
        let descriptor = open(folder, O_RDWR | 0o2000_0000 | O_DIRECTORY | O_CLOEXEC, 0o600)
        if descriptor >= 0 { return descriptor }
        // A file system without O_TMPFILE (an older kernel takes it for O_DIRECTORY alone):
        // a name, removed at once.
        guard [EOPNOTSUPP, EISDIR, EINVAL].contains(errno) else { throw OutputError.system(path: folder) }
        let (path, named, slot) = try create(folder + "/replstat-", access: O_RDWR, for: folder)
        unlink(path)
        TemporaryFiles.forget(slot)
        return named
    }

    /// Gives the file its final mode, forces it to disk and renames it over the final name.
    func commit() throws(OutputError) {
        try seal()
        try place()
    }

    /// Gives the file its final mode, forces it to disk and closes it, still under its
    /// temporary name: `place` then puts it in place, `abandon` removes it.
    ///
    /// Forced to disk first (fsync): a system that crashes just after the rename could
    /// otherwise keep the new name over data never written, and lose the previous file too.
    func seal() throws(OutputError) {
        guard !isSealed else { return }
        isSealed = true
        var failure: OutputError?
        if fchmod(descriptor, finalMode()) != 0 || fsync(descriptor) != 0 { failure = .system(path: path) }
        if close(descriptor) != 0 && failure == nil { failure = .system(path: path) }
        if let failure {
            abandon()
            throw failure
        }
    }

    /// Renames the sealed file over its final name.
    func place() throws(OutputError) {
        defer { TemporaryFiles.forget(slot) }
        if rename(temporaryPath, path) != 0 {
            let failure = OutputError.system(path: path)
            unlink(temporaryPath)
            throw failure
        }
    }

    /// Closes and removes the file; whatever was at `path` stays.
    func abandon() {
        if !isSealed { close(descriptor) }
        isSealed = true
        unlink(temporaryPath)
        TemporaryFiles.forget(slot)
    }

    /// The replaced file's mode (permission bits only: set-user-ID and the like are not
    /// copied), after taking its owner and group where allowed; a new file's 0666 less the
    /// umask. When the group cannot be kept, the file is in the writer's group, which gets no
    /// more than a new file would give it.
    private func finalMode() -> mode_t {
        let fresh = 0o666 & ~Self.umask
        guard let replaced else { return fresh }
        let mode = replaced.st_mode & 0o777
        if fchown(descriptor, replaced.st_uid, replaced.st_gid) == 0
            || fchown(descriptor, uid_t.max, replaced.st_gid) == 0
        {
            return mode
        }
        return mode & (fresh | ~0o070)
    }

    /// The process's umask, read without changing it (Linux 4.7 and later show it in
    /// /proc/self/status); setting it to read it back would race with threads creating files.
    static let umask: mode_t = {
        if let status = try? InputSource.file("/proc/self/status").contents(limit: 64 * 1024) {
            let text = String(decoding: status, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
                let value = mode_t(String(line.dropFirst(6).filter { $0 != " " && $0 != "\t" }), radix: 8)
            {
                return value
            }
        }
        let current = Glibc.umask(0o022)
        Glibc.umask(current)
        return current
    }()
}
