import ReplStatCore

/// The simulator's draws, on SplitMix64. The simulator never asks the system for randomness
/// or the time: the same seed must give the same bytes on every run and every machine, so it
/// also avoids libm functions, whose last bits may differ between platforms.
struct SimulationRandom {
    private var generator: SplitMix64

    /// Independent streams from one seed: one per index, so that an index's story does not
    /// depend on how many draws its neighbours made.
    init(seed: UInt64, stream: UInt64) {
        generator = SplitMix64(seed: SplitMix64.mix(seed &+ SplitMix64.mix(stream &+ 0x5851_F42D_4C95_7F2D)))
    }

    mutating func next() -> UInt64 {
        generator.next()
    }

    /// A double in [0, 1).
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A double in [low, high).
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * unit()
    }

    /// An integer in 0..<count (the modulo bias is far below what a simulation can show).
    mutating func below(_ count: Int) -> Int {
        precondition(count > 0)
        return Int(next() % UInt64(count))
    }

    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    mutating func pick<Element>(_ elements: [Element]) -> Element {
        elements[below(elements.count)]
    }
}
