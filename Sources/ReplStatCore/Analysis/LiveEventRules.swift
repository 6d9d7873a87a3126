/// The live events that the merge announces itself, beside those the derivation emits: each
/// rejected line.
struct LiveEventRules {
    let events: LiveEventSink

    init(events: LiveEventSink) {
        self.events = events
    }

    func rejected(source: String, line: Int, outcome: Outcome) {
        events.emit(.reject(source: source, line: line, outcome: outcome))
    }
}
