/// Turns the ids that samples, rows and live events carry back into text.
public protocol NameResolver {
    /// The name of an index id.
    func indexName(_ id: Int32) -> String
    /// The text of an id of a reason, leader alias, leader index or error type, or nil for
    /// `StatusSample.none`.
    func text(_ id: Int32) -> String?
}

/// The index names and texts a run has met so far, under the run's ids: what live events are
/// printed with while the run goes on. Only the merge's thread adds to it and reads it.
public final class RunNames: NameResolver {
    public private(set) var indexNames = StringTable()
    /// Texts are few and short in a capture of any size, unless someone makes them otherwise:
    /// past 16 MiB, long ones wait in a temporary file (`StringTable`).
    public private(set) var texts = StringTable(memoryBudget: 16 << 20)

    public init() {}

    public func indexName(_ id: Int32) -> String { indexNames.string(id) }

    public func text(_ id: Int32) -> String? { id == StatusSample.none ? nil : texts.string(id) }

    func internIndexName(_ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBufferPointer { indexNames.intern($0) }
    }

    func internText(_ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBufferPointer { texts.intern($0) }
    }
}
