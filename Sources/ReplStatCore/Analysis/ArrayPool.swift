import Synchronization

/// Arrays handed back for reuse between the analysis's threads, so that a long run does not
/// allocate a fresh megabyte per piece: fresh allocations freed on another thread fragment
/// the allocator's arenas, and peak memory would creep up with the length of the input.
final class ArrayPool<Element: Sendable>: Sendable {
    private let spare = Mutex<[[Element]]>([])

    /// An empty array, with the capacity of an earlier one when there is one to reuse. It is
    /// emptied here rather than when given back: by now the giver has let go of it, so the
    /// storage is kept instead of copied.
    func borrow() -> [Element] {
        var array = spare.withLock { $0.popLast() } ?? []
        array.removeAll(keepingCapacity: true)
        return array
    }

    /// Keeps `array`'s storage for a later `borrow()`.
    func recycle(_ array: [Element]) {
        spare.withLock { $0.append(array) }
    }
}
