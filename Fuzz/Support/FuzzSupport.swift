// What the fuzz targets that read a source file share (scripts/fuzz compiles it into them):
// failed invariants, parameters drawn from the input, the scratch file the input is read from.

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Failure reporting

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if condition { return }
    let report = Array("INVARIANT FAILED: \(message())\n".utf8)
    _ = report.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}

// MARK: - Parameters from the input

/// SplitMix64, seeded with a hash of the input: the same input always runs the same way.
struct Random {
    var generator: SplitMix64

    init(_ bytes: [UInt8]) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        generator = SplitMix64(seed: hash)
    }

    mutating func next() -> UInt64 { generator.next() }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}

// MARK: - Scratch file

/// One per target and process, so that targets and parallel jobs do not share it.
let scratchPath: String = {
    let program = CommandLine.arguments.first.flatMap { $0.split(separator: "/").last } ?? "fuzz"
    return "/tmp/replstat-fuzz-\(program)-\(getpid()).bin"
}()

func writeScratch(_ bytes: [UInt8]) {
    let fd = open(scratchPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    check(fd >= 0, "cannot create \(scratchPath)")
    var written = 0
    bytes.withUnsafeBytes { buffer in
        while written < buffer.count {
            let count = write(fd, buffer.baseAddress! + written, buffer.count - written)
            check(count > 0, "cannot write \(scratchPath)")
            written += count
        }
    }
    close(fd)
}
