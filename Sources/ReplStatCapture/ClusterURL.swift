/// The address of the cluster to poll (`--url`, a pipeline's `url`), checked before anything is
/// sent: `http(s)://host[:port][/prefix]`, without user info, query or fragment.
public struct ClusterURL: Sendable, Equatable, CustomStringConvertible {
    /// `http` or `https`.
    public let scheme: String
    /// `host`, `host:port` or `[v6]:port`.
    public let authority: String
    /// A path before `/_plugins/...` (a cluster behind a reverse proxy), without the last `/`.
    public let pathPrefix: String

    public var isEncrypted: Bool { scheme == "https" }
    public var description: String { scheme + "://" + authority + pathPrefix }

    /// - Parameter setting: how the user gave it (`--url`, `'url'`), for the messages.
    public init(_ text: String, setting: String) throws(CaptureSetupError) {
        guard let separator = text.firstRange(of: "://") else {
            throw CaptureSetupError("\(setting) must start with http:// or https:// (got '\(Self.redacted(text))')")
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw CaptureSetupError("\(setting) must start with http:// or https:// (got '\(Self.redacted(text))')")
        }
        let rest = text[separator.upperBound...]
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        if authority.contains("@") {
            throw CaptureSetupError(
                "\(setting) holds a user name or password, which would show in the process list and in messages; "
                    + Credentials.hint)
        }
        let afterAuthority = rest[authorityEnd...]
        if afterAuthority.contains(where: { $0 == "?" || $0 == "#" }) {
            // Not echoed: a query may hold a token.
            throw CaptureSetupError(
                "\(setting) cannot have a query (?...) or a fragment (#...): the status path goes after it; "
                    + "give the cluster's address alone, such as https://host:9200")
        }
        guard Self.isValidAuthority(authority) else {
            throw CaptureSetupError("\(setting) has no valid host[:port] (got '\(text)')")
        }
        guard afterAuthority.utf8.allSatisfy(Self.isPathByte) else {
            throw CaptureSetupError(
                "\(setting) has a character that is not allowed in a URL path (got '\(text)'); percent-encode it")
        }
        var prefix = String(afterAuthority)
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.scheme = scheme
        self.authority = authority
        pathPrefix = prefix
    }

    /// The status address of one index, with `?verbose=true` when asked for the shards' details.
    /// The name is data: percent-encoded, it cannot change the path.
    public func statusURL(of index: String, verbose: Bool = false) -> String {
        description + "/_plugins/_replication/" + Self.percentEncoded(index) + "/_status"
            + (verbose ? "?verbose=true" : "")
    }

    /// `text` with what looks like user info (`user:secret@`) taken out, for a message about an
    /// address that was refused before it could be parsed.
    public static func redacted(_ text: String) -> String {
        let start = text.firstRange(of: "://")?.upperBound ?? text.startIndex
        let end = text[start...].firstIndex { "/?#".contains($0) } ?? text.endIndex
        guard let at = text[start..<end].lastIndex(of: "@") else { return text }
        return String(text[..<start]) + String(text[text.index(after: at)...])
    }

    static func percentEncoded(_ name: String) -> String {
        var out = ""
        let hex = Array("0123456789ABCDEF".unicodeScalars)
        for byte in name.utf8 {
            if isUnreserved(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 3986's pchar and `/`: unreserved, sub-delims, `:`, `@`, `%`.
    private static func isPathByte(_ byte: UInt8) -> Bool {
        isUnreserved(byte) || "/:@%!$&'()*+,;=".utf8.contains(byte)
    }

    /// A host name, an IPv4 address or a bracketed IPv6 address, then an optional port 1-65535.
    private static func isValidAuthority(_ authority: String) -> Bool {
        var host = Substring(authority)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let inside = host[host.index(after: host.startIndex)..<close]
            guard !inside.isEmpty, inside.utf8.allSatisfy({ isUnreserved($0) || $0 == UInt8(ascii: ":") }) else {
                return false
            }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return false }
                port = after.dropFirst()
            }
            host = inside
        } else if let colon = host.lastIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
            guard host.utf8.allSatisfy(isUnreserved) else { return false }
        } else {
            guard host.utf8.allSatisfy(isUnreserved) else { return false }
        }
        guard !host.isEmpty else { return false }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let number = Int(port), (1...65535).contains(number)
            else { return false }
        }
        return true
    }
}
