import ReplStatCore

/// The follower indices to poll: named one by one, or listed in a file.
public enum IndexList {
    /// A list of index names is small: a larger file is a mistake (a capture given instead, or
    /// `/dev/zero`), and is not read further.
    public static let maxFileBytes = 1 << 20

    /// Names from a file's text: one per line, blank lines and `#` comments skipped.
    public static func parse(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let name = line.prefix { $0 != "#" }.trimmingPrefix { $0 == " " || $0 == "\t" }
            let trimmed = String(name.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    /// Why `name` cannot be polled, or nil. `.` and `..` would be taken as steps in the path
    /// (`/_plugins/_replication/../_status`) and ask for something else than an index. A name
    /// longer than OpenSearch's limit names no index, and the analysis would reject every line
    /// of it (`invalid_field`): better said before the first poll than after a night of them.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "an index name cannot be empty" }
        if name == "." || name == ".." { return "'\(name)' is not an index name" }
        // What bytes that are not UTF-8 become when read as text: two different bad names would
        // both be polled as the same `%EF%BF%BD`, an index that does not exist.
        if name.unicodeScalars.contains("\u{FFFD}") {
            return "the index name '\(shown(name))' is not UTF-8 text (it holds U+FFFD, the mark of bytes that are not)"
        }
        let bytes = name.utf8.count
        if bytes > RecordDecoder.maxIndexBytes {
            return "the index name '\(shown(name))' is \(bytes) bytes long: OpenSearch's limit is "
                + "\(RecordDecoder.maxIndexBytes) bytes, and the analysis rejects longer ones (invalid_field)"
        }
        return nil
    }

    /// The start of a long name, enough to find it, with nothing a terminal would act on.
    private static func shown(_ name: String) -> String {
        let start = name.unicodeScalars.prefix(24).map { scalar in
            scalar.properties.generalCategory == .control ? "?" : String(scalar)
        }
        return start.joined() + "..."
    }

    /// The names in `path`, after `named`, each once, in the order first seen.
    public static func combine(named: [String], file path: String?) throws(CaptureSetupError) -> [String] {
        if let refused = named.lazy.compactMap(problem(with:)).first { throw CaptureSetupError(refused) }
        var names = named
        if let path {
            let bytes: [UInt8]
            do {
                bytes = try InputSource.file(path).contents(limit: maxFileBytes)
            } catch {
                let verb = error.kind == .unreadable ? "open" : "read"
                throw CaptureSetupError("index file \(path): cannot \(verb) it (\(error.detail))")
            }
            guard bytes.count <= maxFileBytes else {
                throw CaptureSetupError("index file \(path): larger than 1 MiB: not a list of index names")
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw CaptureSetupError("index file \(path): not UTF-8 text: index names are UTF-8")
            }
            let fromFile = parse(text)
            guard !fromFile.isEmpty else { throw CaptureSetupError("index file \(path): no index names in it") }
            if let refused = fromFile.lazy.compactMap(problem(with:)).first {
                throw CaptureSetupError("index file \(path): \(refused)")
            }
            names += fromFile
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
