import ReplStatCore

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
            let bytes: [UInt8]
            do {
                bytes = try InputSource.file(path).contents()
            } catch {
                let verb = error.kind == .unreadable ? "open" : "read"
                throw CaptureSetupError("index file \(path): cannot \(verb) it (\(error.detail))")
            }
            let fromFile = parse(String(decoding: bytes, as: UTF8.self))
            guard !fromFile.isEmpty else { throw CaptureSetupError("index file \(path): no index names in it") }
            names += fromFile
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
