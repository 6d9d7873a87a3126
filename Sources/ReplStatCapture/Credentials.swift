import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// How the poller proves who it is. Read from the environment, never from the command line,
/// where every user of the machine could read it in the process list.
public enum Credentials: Sendable, Equatable {
    case basic(user: String, password: String)
    case apiKey(String)

    public static let userVariable = "REPLSTAT_USER"
    public static let passwordVariable = "REPLSTAT_PASSWORD"
    public static let apiKeyVariable = "REPLSTAT_API_KEY"
    /// Where credentials go instead of a URL or a file.
    public static let hint =
        "set \(userVariable) and \(passwordVariable), or \(apiKeyVariable), in the environment"

    /// The credentials the environment holds, if any.
    public static func fromEnvironment(
        _ lookup: (String) -> String? = { getenv($0).map { String(cString: $0) } }
    ) throws(CaptureSetupError) -> Credentials? {
        func value(_ name: String) -> String? {
            guard let text = lookup(name), !text.isEmpty else { return nil }
            return text
        }
        let user = value(userVariable)
        let password = value(passwordVariable)
        let apiKey = value(apiKeyVariable)
        if apiKey != nil && (user != nil || password != nil) {
            throw CaptureSetupError(
                "both \(apiKeyVariable) and \(userVariable)/\(passwordVariable) are set: keep one way to sign in")
        }
        if let apiKey {
            try refuseControlCharacters(apiKey, in: apiKeyVariable)
            return .apiKey(apiKey)
        }
        switch (user, password) {
        case (nil, nil): return nil
        case (let user?, let password?):
            try refuseControlCharacters(user, in: userVariable)
            try refuseControlCharacters(password, in: passwordVariable)
            // Basic authentication joins the two with a colon and the server splits at the first
            // one (RFC 7617): a user name holding one would sign in as someone else, or not at all.
            if user.utf8.contains(UInt8(ascii: ":")) {
                throw CaptureSetupError(
                    "\(userVariable) holds a colon, which basic authentication cannot carry in a user name (RFC 7617)")
            }
            return .basic(user: user, password: password)
        case (nil, _): throw CaptureSetupError("\(passwordVariable) is set without \(userVariable)")
        case (_, nil): throw CaptureSetupError("\(userVariable) is set without \(passwordVariable)")
        }
    }

    /// Refuses a value holding a control character (a CR or LF above all: in an API key it would
    /// end the `Authorization` header and start another one the cluster obeys). The message
    /// never shows the value: it is a secret.
    private static func refuseControlCharacters(_ value: String, in variable: String) throws(CaptureSetupError) {
        guard let position = value.utf8.firstIndex(where: { $0 < 0x20 || $0 == 0x7F }) else { return }
        let offset = value.utf8.distance(from: value.utf8.startIndex, to: position)
        let hint = value.utf8[position] == 0x0D || value.utf8[position] == 0x0A ? " (a line end read from a file?)" : ""
        throw CaptureSetupError(
            "\(variable) holds a control character at byte \(offset + 1)\(hint): set it to the credential alone")
    }

    /// The value of the `Authorization` header.
    public var authorization: String {
        switch self {
        case .apiKey(let key):
            return "ApiKey " + key
        case .basic(let user, let password):
            var encoded: [UInt8] = []
            Array((user + ":" + password).utf8).withUnsafeBytes { Base64.append($0, to: &encoded) }
            return "Basic " + String(decoding: encoded, as: UTF8.self)
        }
    }

    /// A warning when these credentials would cross the network unencrypted: anyone on the path
    /// can read a basic password or an API key sent over `http://`.
    public func cleartextWarning(for cluster: ClusterURL) -> String? {
        guard !cluster.isEncrypted else { return nil }
        let names =
            switch self {
            case .basic: "\(Self.userVariable)/\(Self.passwordVariable)"
            case .apiKey: Self.apiKeyVariable
            }
        return "\(names) will be sent unencrypted to \(cluster): use https:// to keep them from the network"
    }
}

/// A setting that makes capturing impossible; the message says what to change.
public struct CaptureSetupError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
