/// "Did you mean" for a misspelt name: the closest known name, if it is close enough to be a typo.
enum KeySuggestion {
    static func closest(to name: String, among known: [String]) -> String? {
        // `reorder_window` and `Max-Gap` are the CLI's names written another way: distance 0.
        let normalized = name.lowercased().replacingUnderscores()
        let scored = known.map { (name: $0, distance: distance(normalized, $0)) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        return best.distance <= max(2, name.count / 3) ? best.name : nil
    }

    /// Levenshtein distance: insertions, deletions and substitutions of one character.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
