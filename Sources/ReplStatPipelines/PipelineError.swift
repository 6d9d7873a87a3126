import ReplStatCore

/// A place in a pipeline file, as editors take it: `FILE:LINE:COLUMN`, both counted from 1.
public struct FileLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// A mistake in a pipeline file: where it is, what is wrong and, where it helps, what to write
/// instead. Its description is one line: `FILE:LINE:COLUMN: message`.
public struct PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// Where in the file, when the mistake has a place (a file that cannot be read has none).
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public init(_ location: FileLocation, _ message: String) {
        self.init(file: location.file, line: location.line, column: location.column, message: message)
    }

    /// One line, whatever the file held: control characters in keys or values are escaped.
    public var description: String {
        let text = Self.escapingControls(message)
        guard let line, let column else { return "\(file): \(text)" }
        return "\(file):\(line):\(column): \(text)"
    }

    static func escapingControls(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case _ where VisibleText.isHidden(scalar): out += VisibleText.notation(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
