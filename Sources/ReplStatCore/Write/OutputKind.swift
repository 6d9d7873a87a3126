#if canImport(Glibc)
    import Glibc
#endif

/// What stands at the path an output names, which decides how it is written.
///
/// A path that is a symbolic link is written through only when the link leads to a pipe or a
/// device (`/dev/stdout` leads to the terminal or the pipe of standard output). A link to a
/// regular file, or to nothing, is refused: following it would let a link planted in a shared
/// folder aim the output at someone else's file, and replacing it would silently undo
/// someone's deliberate arrangement; the message says what to do instead.
enum OutputKind: Equatable {
    /// Nothing yet, or a regular file: written under a temporary name, then renamed over it.
    case file
    /// A named pipe or a character device (`/dev/null`), also behind a link: written into as it is.
    case device
    /// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: the process's open
    /// descriptor N, written into whatever it is, as a shell does with these names (opening the
    /// name anew would, for a file the shell opened, write over it from its start).
    case descriptor(Int32)

    /// The kind of `path`; throws for what cannot be written (a link to a file, a folder, a
    /// socket, a block device).
    init(_ path: String) throws(OutputError) {
        if let number = Self.descriptorNumber(path) {
            self = .descriptor(number)
            return
        }
        // Refused before a missing folder is made for it (`zz.md/` made `zz.md` and then refused it).
        if path.isEmpty { throw OutputError(path: path, detail: "an empty name names no file: give a file name") }
        if path.hasSuffix("/") {
            throw OutputError(path: path, detail: "it names a folder (it ends in /): give a file name")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            guard errno == ENOENT else { throw OutputError.system(path: path) }
            self = .file
            return
        }
        var type = info.st_mode & S_IFMT
        if type == S_IFLNK {
            let target = Self.linkTarget(path)
            guard stat(path, &info) == 0, [S_IFIFO, S_IFCHR].contains(info.st_mode & S_IFMT) else {
                throw OutputError(
                    path: path,
                    detail: "it is a symbolic link (to \(target)); replstat writes neither through a link to a file "
                        + "nor over the link: name the file itself, or remove the link")
            }
            type = info.st_mode & S_IFMT
        }
        switch type {
        case S_IFREG: self = .file
        case S_IFIFO, S_IFCHR: self = .device
        case S_IFDIR: throw OutputError(path: path, detail: "it is a folder: give a file name")
        default: throw OutputError(path: path, detail: "it is neither a file, a named pipe nor a character device")
        }
    }

    /// Opens a device or a descriptor to be written into as it is. `.file` is not opened here.
    func openInPlace(_ path: String) throws(OutputError) -> Int32 {
        switch self {
        case .file:
            preconditionFailure("a file is written under a temporary name")
        case .descriptor(let number):
            let copy = fcntl(number, F_DUPFD_CLOEXEC, 0)
            guard copy >= 0 else {
                throw OutputError(path: path, detail: "descriptor \(number) is not open (\(errnoText()))")
            }
            return copy
        case .device:
            // Opening a named pipe waits for its reader, as `> pipe` does in a shell.
            let descriptor = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)
            guard descriptor >= 0 else { throw OutputError.system(path: path) }
            // Checked on what was opened: the name may have changed since it was looked at.
            var info = stat()
            guard fstat(descriptor, &info) == 0, [S_IFIFO, S_IFCHR].contains(info.st_mode & S_IFMT) else {
                close(descriptor)
                throw OutputError(path: path, detail: "it changed from a pipe or device to something else")
            }
            return descriptor
        }
    }

    /// N for `/dev/stdout` (1), `/dev/stderr` (2), `/dev/fd/N` and `/proc/self/fd/N`.
    private static func descriptorNumber(_ path: String) -> Int32? {
        switch path {
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
                let digits = path.dropFirst(prefix.count)
                guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ ("0"..."9").contains($0) }),
                    let number = Int32(digits)
                else { return nil }
                return number
            }
            return nil
        }
    }

    private static func linkTarget(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return "?" }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
