import Dispatch
import Synchronization

/// What the reading side hands to the merge, in input order.
enum HandoffItem: Sendable {
    case piece(DecodedPiece)
    /// The source ended (at its end, or at damage).
    case endOfSource(SourceFailure?)
}

/// A fixed ring of slots between the workers and the merge: items are delivered in any order
/// and received in sequence order, and at most `capacity` are in flight, so memory stays flat
/// whatever the length of the input.
final class OrderedHandoff: Sendable {
    let capacity: Int
    private let slots: Mutex<[HandoffItem?]>
    private let filled: [DispatchSemaphore]
    private let free: DispatchSemaphore

    init(capacity: Int) {
        self.capacity = capacity
        slots = Mutex(Array(repeating: nil, count: capacity))
        filled = (0..<capacity).map { _ in DispatchSemaphore(value: 0) }
        free = DispatchSemaphore(value: capacity)
    }

    /// Waits until the item with this sequence number has room in the ring.
    func reserve() {
        free.wait()
    }

    func deliver(_ item: HandoffItem, sequence: Int) {
        let slot = sequence % capacity
        slots.withLock { $0[slot] = item }
        filled[slot].signal()
    }

    /// Waits for the item with this sequence number and frees its slot.
    func receive(sequence: Int) -> HandoffItem {
        let slot = sequence % capacity
        filled[slot].wait()
        let item = slots.withLock { slots in
            defer { slots[slot] = nil }
            return slots[slot]!
        }
        free.signal()
        return item
    }
}
