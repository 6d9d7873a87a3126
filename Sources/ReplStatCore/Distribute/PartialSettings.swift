/// The analysis settings that decide outcomes and figures (`--reorder-window`, `--max-gap`,
/// `--stall-after`, `--max-line-bytes`), written in every partial document so that `merge`
/// refuses to join pieces of different analyses.
public struct PartialSettings: Sendable, Equatable {
    public var reorderWindow: Int64
    public var maxGap: Int64
    public var stallAfter: Int64
    public var maxLineBytes: Int

    public init(_ options: AnalysisOptions) {
        reorderWindow = options.reorderWindow
        maxGap = options.maxGap
        stallAfter = options.stallAfter
        maxLineBytes = options.maxLineBytes
    }

    /// `options` with these settings.
    public func applied(to options: AnalysisOptions) -> AnalysisOptions {
        var options = options
        options.reorderWindow = reorderWindow
        options.maxGap = maxGap
        options.stallAfter = stallAfter
        options.maxLineBytes = maxLineBytes
        return options
    }

    /// Each setting as the command line gives it.
    var described: [(name: String, value: String)] {
        [
            ("reorder-window", Decimal3.typedSeconds(reorderWindow)), ("max-gap", Decimal3.typedSeconds(maxGap)),
            ("stall-after", Decimal3.typedSeconds(stallAfter)), ("max-line-bytes", String(maxLineBytes)),
        ]
    }

    /// The settings in which `other` differs, as `--max-gap 300 and 120`.
    func differences(from other: PartialSettings) -> String {
        zip(described, other.described).filter { $0.0.value != $0.1.value }.map {
            "--\($0.0.name) \($0.0.value) and \($0.1.value)"
        }.joined(separator: ", ")
    }

    /// The four fields, each `name=value` in milliseconds or bytes.
    func add(to line: inout PartialLine) {
        line.add(word: "reorder-window=\(reorderWindow)")
        line.add(word: "max-gap=\(maxGap)")
        line.add(word: "stall-after=\(stallAfter)")
        line.add(word: "max-line-bytes=\(maxLineBytes)")
    }

    static func read(_ fields: inout PartialFields) throws(PartialFields.Problem) -> PartialSettings {
        var options = AnalysisOptions()
        func setting(_ name: String) throws(PartialFields.Problem) -> Int64 {
            let field = try fields.word(name)
            let prefix = name + "="
            guard field.hasPrefix(prefix),
                let value = PartialFields.parse(Array(field.utf8.dropFirst(prefix.utf8.count))[...], as: Int64.self),
                value >= 0
            else { throw PartialFields.Problem(message: "the setting '\(name)' is written '\(field)'") }
            return value
        }
        options.reorderWindow = try setting("reorder-window")
        options.maxGap = try setting("max-gap")
        options.stallAfter = try setting("stall-after")
        let maxLineBytes = try setting("max-line-bytes")
        guard AnalysisOptions.maxLineBytesLimit.range.contains(Int(maxLineBytes)) else {
            throw PartialFields.Problem(message: "the setting 'max-line-bytes' is out of range: \(maxLineBytes)")
        }
        options.maxLineBytes = Int(maxLineBytes)
        return PartialSettings(options)
    }
}
