#if canImport(Glibc)
    import Glibc
#endif

/// Checks, before a run reads anything, that what it writes cannot destroy what it reads or
/// itself: an output that is also an input would be emptied before it is read, two outputs on
/// one file would leave only the last, and a file written where a folder stands fails only
/// after the whole analysis. Paths are compared as the system resolves them (`a`, `./a`,
/// `d/../a` and a symbolic link to `a` are one file). A pipe or a device (`/dev/null`, the
/// terminal, `/dev/stdout`) is written into, never replaced, so it may take several outputs.
public struct OutputTargets {
    /// A file the run writes, and who writes it ("rejects", "csv table summary.csv", ...).
    public struct Target {
        public var path: String
        public var writer: String

        public init(_ path: String, writer: String) {
            self.path = path
            self.writer = writer
        }
    }

    /// The sources.
    public var inputs: [String] = []
    /// What the run reads besides its sources, and what each is ("the pipeline file", ...).
    public var otherInputs: [(path: String, role: String)] = []
    public var files: [Target] = []
    public var folders: [Target] = []

    public init() {}

    /// The first conflict, as a message that says what to change; nil when there is none.
    public func conflict() -> String? {
        let inputKeys = inputs.map { (name: $0, key: Self.identity($0)) }
        let otherInputKeys = otherInputs.map { (role: $0.role, key: Self.identity($0.path)) }
        var written: [(target: Target, key: String)] = []
        for target in files where !Self.isDevice(target.path) {
            let key = Self.identity(target.path)
            if let input = inputKeys.first(where: { $0.key == key }) {
                return "\(target.writer) writes \(target.path), which is also a source (\(input.name)): it would be "
                    + "replaced before it is read; give \(target.writer) another path"
            }
            if let other = otherInputKeys.first(where: { $0.key == key }) {
                return "\(target.writer) writes \(target.path), which is \(other.role): it would be replaced; "
                    + "give \(target.writer) another path"
            }
            if let earlier = written.first(where: { $0.key == key }) {
                return "\(earlier.target.writer) and \(target.writer) both write \(target.path): give each its own file"
            }
            if let folder = folders.first(where: { Self.identity($0.path) == key }) {
                return "\(target.writer) writes \(target.path), which is the folder of \(folder.writer)"
            }
            var status = stat()
            if stat(target.path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
                return "\(target.writer) writes \(target.path), which is a folder: give a file name"
            }
            written.append((target, key))
        }
        return nil
    }

    static func isDevice(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && [S_IFIFO, S_IFCHR].contains(status.st_mode & S_IFMT)
    }

    /// A key equal for two paths that name one file: the device and inode of an existing file,
    /// otherwise the absolute path with `.`, `..` and links of its existing folders resolved.
    /// `..` is taken first, as the run will see it: it creates missing folders (`new/../a` is `a`).
    static func identity(_ path: String) -> String {
        let path = resolved(path)
        var status = stat()
        if stat(path, &status) == 0 { return "inode \(status.st_dev):\(status.st_ino)" }
        return "path " + path
    }

    static func resolved(_ path: String) -> String {
        var absolute = path
        if !path.hasPrefix("/"), let directory = getcwd(nil, 0) {
            absolute = String(cString: directory) + "/" + path
            free(directory)
        }
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        // The longest existing folder is resolved by the system (links included); the rest is kept.
        for split in stride(from: parts.count, through: 0, by: -1) {
            let head = "/" + parts[..<split].joined(separator: "/")
            guard let real = realpath(head, nil) else { continue }
            defer { free(real) }
            let tail = parts[split...].joined(separator: "/")
            let base = String(cString: real)
            return tail.isEmpty ? base : (base == "/" ? "/" : base + "/") + tail
        }
        return "/" + parts.joined(separator: "/")
    }
}
