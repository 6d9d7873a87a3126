/// Builds RFC 4180 CSV text: LF line ends, fields with `,` `"` CR or LF quoted, `"` doubled.
public struct CSVTable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public init(header: [String]) {
        append(header)
    }

    public mutating func append(_ fields: [String]) {
        for (position, field) in fields.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            let utf8 = field.utf8
            let needsQuotes = utf8.contains {
                $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A
            }
            if needsQuotes {
                bytes.append(UInt8(ascii: "\""))
                for byte in utf8 {
                    if byte == UInt8(ascii: "\"") { bytes.append(byte) }
                    bytes.append(byte)
                }
                bytes.append(UInt8(ascii: "\""))
            } else {
                bytes.append(contentsOf: utf8)
            }
        }
        bytes.append(0x0A)
    }
}
