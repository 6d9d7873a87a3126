import Foundation

/// Test data on disk: every test writes its own files under unique names, so tests can run in
/// parallel.
public enum ScratchFile {
    /// Writes `bytes` to a new file in the temporary folder; returns its path. `name` ends the
    /// file's name (a `.jsonl.gz` suffix, say).
    public static func write(_ bytes: [UInt8], name: String = "capture.jsonl") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("replstat-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }

    public static func write(_ text: String, name: String = "capture.jsonl") throws -> String {
        try write(Array(text.utf8), name: name)
    }

    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A scratch folder removed when the test ends.
public final class TemporaryDirectory {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("replstat-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public var path: String { url.path }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    public func write(_ name: String, _ text: String) throws -> URL {
        let target = file(name)
        try Data(text.utf8).write(to: target)
        return target
    }
}
