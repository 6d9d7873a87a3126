import Foundation

/// The system's `gzip`: an implementation independent of the one under test, to make and read
/// gzip files in tests.
public enum SystemGzip {
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Compresses `bytes` into one member. With `keepName`, the header carries a file name and
    /// time (`gzip -N`), as gzip writes for a file; without, neither (`-n`).
    public static func compress(_ bytes: [UInt8], keepName: Bool = false) throws -> [UInt8] {
        guard keepName else { return try run(["-c", "-n"], input: bytes) }
        let input = try ScratchFile.write(bytes, name: "plain")
        defer { ScratchFile.remove(input) }
        return try run(["-c", "-N", input], input: [])
    }

    /// The plain bytes of a gzip file (every member).
    public static func decompress(_ path: String) throws -> [UInt8] {
        try run(["-dc", path], input: [])
    }

    /// The lines of a gzip file, without their LFs.
    public static func lines(_ path: String) throws -> [String] {
        String(decoding: try decompress(path), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    private static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Fed from another thread, so that a full output pipe cannot deadlock us.
        let writer = stdin.fileHandleForWriting
        DispatchQueue.global().async {
            writer.write(Data(input))
            try? writer.close()
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failed(
                description: "gzip \(arguments.joined(separator: " ")): \(String(decoding: errors, as: UTF8.self))")
        }
        return [UInt8](output)
    }
}
