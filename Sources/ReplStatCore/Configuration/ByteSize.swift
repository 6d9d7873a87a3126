/// A size as people write it in options: `1048576`, `512K`, `100M`, `2G` (powers of 1024).
public enum ByteSize {
    /// Bytes, or nil for anything else, zero, or more than 1024G (a capture file that large is
    /// a typo, and the limit keeps the arithmetic far from overflow).
    public static func parse(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        let unit = text.last.flatMap { units[Character($0.uppercased())] }
        let digits = unit == nil ? Substring(text) : text.dropLast()
        guard !digits.isEmpty, digits.count <= 13, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let number = Int64(digits), number > 0
        else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit ?? 1)
        guard !overflow, bytes <= 1 << 40 else { return nil }
        return bytes
    }
}
