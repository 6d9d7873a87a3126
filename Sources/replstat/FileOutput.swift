import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// Unbuffered writes to the standard streams (stdio's globals are not concurrency-safe).
enum FileOutput {
    static func standardError(_ text: String) {
        try? OutputFile.writeAll(2, Array(text.utf8), path: "standard error")
    }

    static func standardOutput(_ bytes: [UInt8]) throws(OutputError) {
        try OutputFile.writeAll(1, bytes, path: "standard output")
    }
}
