/// The live events that the merge announces itself, beside those the derivation emits: the
/// first error sample of a run of them per index, and each rejected line.
struct LiveEventRules {
    let events: LiveEventSink
    /// Indices whose last line was an error sample: the next one is not announced again.
    private var errorRuns = Set<Int32>()

    init(events: LiveEventSink) {
        self.events = events
    }

    mutating func errorSample(_ sample: ErrorSample, names: RunNames) {
        guard errorRuns.insert(sample.index).inserted else { return }
        let detail = ErrorDetail(
            type: names.text(sample.type), httpStatus: sample.hasHTTPStatus ? Int(sample.httpStatus) : nil)
        events.emit(.error(index: sample.index, time: sample.timestamp, detail: detail))
    }

    /// An accepted status sample ends its index's run of error samples.
    mutating func statusSampleAccepted(index: Int32) {
        errorRuns.remove(index)
    }

    func rejected(source: String, line: Int, outcome: Outcome) {
        events.emit(.reject(source: source, line: line, outcome: outcome))
    }
}
