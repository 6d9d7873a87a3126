#if canImport(Glibc)
    import Glibc
#endif

/// The follower indices to poll: named one by one, or listed in a file.
public enum IndexList {
    /// Names from a file's text: one per line, blank lines and `#` comments skipped.
    public static func parse(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let name = line.prefix { $0 != "#" }.trimmingPrefix { $0 == " " || $0 == "\t" }
            let trimmed = String(name.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    /// The names in `path`, after `named`, each once, in the order first seen.
    public static func combine(named: [String], file path: String?) throws(CaptureSetupError) -> [String] {
        if named.contains(where: \.isEmpty) { throw CaptureSetupError("an index name cannot be empty") }
        var names = named
        if let path {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw CaptureSetupError("index file \(path): cannot open it (\(String(cString: strerror(errno))))")
            }
            defer { close(descriptor) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else {
                    throw CaptureSetupError("index file \(path): cannot read it (\(String(cString: strerror(errno))))")
                }
                if count == 0 { break }
                bytes.append(contentsOf: buffer[..<count])
            }
            let fromFile = parse(String(decoding: bytes, as: UTF8.self))
            guard !fromFile.isEmpty else { throw CaptureSetupError("index file \(path): no index names in it") }
            names += fromFile
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
