/// A small seedable generator (SplitMix64). The simulator never asks the system for randomness
/// or the time: the same seed must give the same bytes on every run and every machine, so it
/// also avoids libm functions, whose last bits may differ between platforms.
struct SimulationRandom {
    private var state: UInt64

    /// Independent streams from one seed: one per index, so that an index's story does not
    /// depend on how many draws its neighbours made.
    init(seed: UInt64, stream: UInt64) {
        state = Self.mix(seed &+ Self.mix(stream &+ 0x5851_F42D_4C95_7F2D))
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
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

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
