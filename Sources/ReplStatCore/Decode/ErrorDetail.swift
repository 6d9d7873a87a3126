/// What an error sample says about itself, as `watch`'s error events print it: OpenSearch's
/// `error.type` (`security_exception`, `replication_exception`, or a poller's
/// `capture_timeout`) and the HTTP `status` number; nil where the body has none.
public struct ErrorDetail: Equatable, Sendable {
    public var type: String?
    public var httpStatus: Int?

    public init(type: String? = nil, httpStatus: Int? = nil) {
        self.type = type
        self.httpStatus = httpStatus
    }
}
