/// Elements in blocks of a fixed number: per-index state that grows one index at a time without
/// copying what it holds (an array that doubles holds its old and its new copy at once, up to
/// three times its contents at that moment), and that gives its blocks back one by one as they
/// are consumed at the end.
struct ChunkedArray<Element> {
    private static var shift: Int { 12 }
    /// Elements per block.
    static var chunkSize: Int { 1 << shift }
    private static var mask: Int { chunkSize - 1 }

    private var chunks: [[Element]] = []
    private(set) var count = 0

    var chunkCount: Int { chunks.count }

    mutating func append(_ element: Element) {
        if count & Self.mask == 0 {
            var chunk: [Element] = []
            // The first block grows as it fills, so that a run of few indices stays small.
            if count > 0 { chunk.reserveCapacity(Self.chunkSize) }
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    subscript(position: Int) -> Element {
        get { chunks[position >> Self.shift][position & Self.mask] }
        _modify { yield &chunks[position >> Self.shift][position & Self.mask] }
    }

    /// The positions of block `chunk`.
    func positions(ofChunk chunk: Int) -> Range<Int> {
        let start = chunk << Self.shift
        return start..<min(start + Self.chunkSize, count)
    }

    /// Frees block `chunk`: its positions must not be used again.
    mutating func release(chunk: Int) {
        chunks[chunk] = []
    }
}
