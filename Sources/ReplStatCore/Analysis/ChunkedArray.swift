#if canImport(Glibc)
    import Glibc
#endif

/// Elements in blocks of a fixed number: per-index state that grows one index at a time without
/// copying what it holds (an array that doubles holds its old and its new copy at once, up to
/// three times its contents at that moment), and that gives its blocks back one by one as they
/// are consumed at the end.
///
/// Each block is mapped on its own (`mmap`), so that giving it back returns its memory to the
/// system at once: freed through `malloc`, it would stay with the process once malloc's
/// threshold for mapping has risen past the block's size, and the figures written at the end
/// would come on top of it. A block costs memory only for the pages its elements touch.
final class ChunkedArray<Element> {
    private static var shift: Int { 12 }
    /// Elements per block.
    static var chunkSize: Int { 1 << shift }
    private static var mask: Int { chunkSize - 1 }
    private static var chunkBytes: Int { MemoryLayout<Element>.stride * chunkSize }

    // Used on every sample; the owner's accesses never overlap (see `IndexPartition`).
    /// The blocks; nil once given back.
    @exclusivity(unchecked) private var chunks: [UnsafeMutablePointer<Element>?] = []
    @exclusivity(unchecked) private(set) var count = 0

    var chunkCount: Int { chunks.count }

    init() {}

    deinit {
        for chunk in chunks.indices { release(chunk: chunk) }
    }

    func append(_ element: Element) {
        if count & Self.mask == 0 { chunks.append(Self.mapChunk()) }
        (chunks[chunks.count - 1].unsafelyUnwrapped + (count & Self.mask)).initialize(to: element)
        count += 1
    }

    subscript(position: Int) -> Element {
        get { chunks[position >> Self.shift].unsafelyUnwrapped[position & Self.mask] }
        _modify { yield &chunks[position >> Self.shift].unsafelyUnwrapped[position & Self.mask] }
    }

    /// Where the element at `position` is: it stays there until its block is given back (blocks
    /// never move). Through it, the hot path modifies an element without an access to the array
    /// object, which costs a retain and a release around every call it is held across.
    func address(of position: Int) -> UnsafeMutablePointer<Element> {
        chunks[position >> Self.shift].unsafelyUnwrapped + (position & Self.mask)
    }

    /// The positions of block `chunk`.
    func positions(ofChunk chunk: Int) -> Range<Int> {
        let start = chunk << Self.shift
        return start..<min(start + Self.chunkSize, count)
    }

    /// Gives block `chunk` back: its positions must not be used again.
    func release(chunk: Int) {
        guard let block = chunks[chunk] else { return }
        block.deinitialize(count: positions(ofChunk: chunk).count)
        munmap(block, Self.chunkBytes)
        chunks[chunk] = nil
    }

    private static func mapChunk() -> UnsafeMutablePointer<Element> {
        let address = mmap(nil, chunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let address, address != MAP_FAILED else {
            OutOfMemory.end("no room for the state of more indices")
        }
        return address.bindMemory(to: Element.self, capacity: chunkSize)
    }
}
