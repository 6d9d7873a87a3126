/// What an error sample says about itself: OpenSearch's `error.type` (`security_exception`,
/// `replication_exception`, or a poller's `capture_timeout`) and the HTTP `status` number. Read
/// only for the error events of `watch` (the first of a run of them, so rarely), from the line
/// that the decoder already accepted as an error sample.
public struct ErrorDetail: Equatable, Sendable {
    public var type: String?
    public var httpStatus: Int?

    public init(type: String? = nil, httpStatus: Int? = nil) {
        self.type = type
        self.httpStatus = httpStatus
    }

    /// The detail of an error-sample line; nil fields where the body has none.
    public static func parse(_ line: UnsafeRawBufferPointer) -> ErrorDetail {
        let scanner = JSONLineScanner()
        guard scanner.scan(line) == .object else { return ErrorDetail() }
        let nested = scanner[.response].kind == .object
        let error = scanner[nested ? .error : .flatError]
        let status = scanner[nested ? .status : .flatStatus]
        let bytes = line.bindMemory(to: UInt8.self)
        var detail = ErrorDetail()
        if status.kind == .number && status.isInteger,
            let digits = String(validating: bytes[slice: status], as: UTF8.self)
        {
            detail.httpStatus = Int(digits)
        }
        if error.kind == .object {
            detail.type = stringMember("type", inObjectAt: Int(error.start), in: bytes)
        }
        return detail
    }

    /// The string value of a top-level key of the (valid) object that starts at `start`; the
    /// last occurrence counts, as everywhere in a capture; nil when it is absent or no string.
    static func stringMember(_ name: String, inObjectAt start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let wanted = Array(name.utf8)
        var found: String?
        var i = start + 1
        var depth = 0
        var expectingKey = true
        var valueOfWanted = false
        while i < bytes.count {
            let c = bytes[i]
            if depth == 0 && valueOfWanted && c != UInt8(ascii: ":") && c > 0x20 {
                // The first byte of the wanted key's value.
                valueOfWanted = false
                found = nil
                if c == UInt8(ascii: "\"") {
                    let end = stringEnd(bytes, from: i)
                    let content = UnsafeBufferPointer(rebasing: bytes[(i + 1)..<end])
                    found = String(decoding: JSONString.decode(content), as: UTF8.self)
                    i = end + 1
                    continue
                }
            }
            switch c {
            case UInt8(ascii: "\""):
                let end = stringEnd(bytes, from: i)
                if depth == 0 && expectingKey {
                    valueOfWanted = Array(bytes[(i + 1)..<end]) == wanted
                    expectingKey = false
                }
                i = end + 1
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return found }
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 0 { expectingKey = true }
            default:
                break
            }
            i += 1
        }
        return found
    }

    /// The index of the quote that closes the string opening at `start`.
    private static func stringEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start + 1
        while i < bytes.count && bytes[i] != UInt8(ascii: "\"") {
            i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1
        }
        return i
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    fileprivate subscript(slice slot: FieldSlot) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: self[Int(slot.start)..<Int(slot.end)])
    }
}
