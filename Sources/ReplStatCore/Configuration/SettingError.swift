/// A setting out of its limits: which one, by the name that its command-line flag (`--name`)
/// and its pipeline-file key share, and what it must be. The front ends say where it was
/// written: `--jobs must be ...` on the command line, `FILE:LINE:COLUMN: 'jobs' must be ...`
/// for a pipeline file.
public struct SettingError: Error, Sendable, Equatable {
    public var name: String
    /// What is wrong, to follow the setting's name: `must be at least 0.1 seconds`.
    public var problem: String
    /// The setting this one needs, named after `problem` (`rotate-size` needs `out`).
    public var needs: String?
    /// For a whole number out of its range, the range (the command line words it shortly).
    public var range: ClosedRange<Int>?

    public init(_ name: String, _ problem: String, needs: String? = nil, range: ClosedRange<Int>? = nil) {
        self.name = name
        self.problem = problem
        self.needs = needs
        self.range = range
    }
}

/// The limits of a whole-number setting, and how every front end words them.
public struct CountLimit: Sendable {
    public let name: String
    /// What the number counts: `a number of threads`.
    public let meaning: String
    public let range: ClosedRange<Int>

    public init(_ name: String, meaning: String, range: ClosedRange<Int>) {
        self.name = name
        self.meaning = meaning
        self.range = range
    }

    /// `must be a number of threads, a whole number from 1 to 256, not '0'`.
    public func problem(_ given: String) -> String {
        let bounds =
            range.upperBound == Int.max
            ? "from \(range.lowerBound) up" : "from \(range.lowerBound) to \(range.upperBound)"
        return "must be \(meaning), a whole number \(bounds), not '\(given)'"
    }

    /// Throws when `value` is out of the range.
    public func check(_ value: Int) throws(SettingError) {
        guard range.contains(value) else { throw SettingError(name, problem(String(value)), range: range) }
    }
}
