import Synchronization

/// Memory holding the bytes of one or more pieces of lines, handed to the decoding lanes with
/// them: a plain source is read straight into it (`SourceReader`'s destination) and the pieces
/// cut from a chunk are its ranges, decoded without a copy. When the last piece cut from it has
/// been decoded, its memory goes back to the pool it came from.
///
/// `@unchecked Sendable`: the reader writes it before handing it over, and the lanes only read.
final class PieceBytes: @unchecked Sendable {
    let memory: UnsafeMutableRawBufferPointer
    private let pool: PieceBytesPool?

    fileprivate init(memory: UnsafeMutableRawBufferPointer, pool: PieceBytesPool?) {
        self.memory = memory
        self.pool = pool
    }

    deinit {
        if let pool { pool.recycle(memory) } else { memory.deallocate() }
    }

    /// The bytes of `range`.
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: memory[range])
    }
}

/// Blocks of `blockSize` bytes reused from piece to piece, so that a long run does not allocate
/// a fresh block per piece (`ArrayPool` says why).
final class PieceBytesPool: Sendable {
    let blockSize: Int
    /// Addresses of spare blocks (as integers, which are `Sendable`).
    private let spare = Mutex<[UInt]>([])

    init(blockSize: Int) {
        self.blockSize = blockSize
    }

    deinit {
        spare.withLock { blocks in
            for address in blocks { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
        }
    }

    /// Memory for at least `byteCount` bytes: a block of the pool, or memory of its own for
    /// more than a block holds (freed when let go).
    func borrow(byteCount: Int) -> PieceBytes {
        guard byteCount <= blockSize else {
            return PieceBytes(memory: .allocate(byteCount: byteCount, alignment: 16), pool: nil)
        }
        let address = spare.withLock { $0.popLast() }
        let start =
            address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
            ?? .allocate(byteCount: blockSize, alignment: 16)
        return PieceBytes(memory: UnsafeMutableRawBufferPointer(start: start, count: blockSize), pool: self)
    }

    fileprivate func recycle(_ memory: UnsafeMutableRawBufferPointer) {
        guard let start = memory.baseAddress else { return }
        spare.withLock { $0.append(UInt(bitPattern: start)) }
    }
}
