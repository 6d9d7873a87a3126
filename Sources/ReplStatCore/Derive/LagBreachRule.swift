/// The lag alert's rule for one measure (`LagAlert.Measure`): a run of consecutive lag samples
/// above the threshold, no gap inside, announced once it has lasted the alert's duration and
/// closed by the first sample that is not above (or follows a gap). A run still going on at the
/// end of the input is never closed: no recovery was seen.
struct LagBreachRule {
    let measure: LagAlert.Measure
    private(set) var run: LagBreach?
    private(set) var announced = false

    init(measure: LagAlert.Measure) {
        self.measure = measure
    }

    /// Takes in a status sample at `time`; `lag` is nil unless it is a lag sample, `lagMillis`
    /// nil unless it has a lag in seconds. An unknown value is not above the threshold.
    mutating func track(
        time: Int64, lag: UInt64?, lagMillis: Int64?, afterGap: Bool, alert: LagAlert, index: Int32,
        events: LiveEventSink?
    ) {
        let above: Bool
        switch measure {
        case .operations: above = lag.map { value in alert.threshold.map { value > $0 } ?? false } ?? false
        case .seconds: above = lagMillis.map { value in alert.thresholdMillis.map { value > $0 } ?? false } ?? false
        }
        if var current = run, above, !afterGap {
            current.end = time
            current.maxLag = max(current.maxLag, lag ?? 0)
            current.maxLagMillis = Self.larger(current.maxLagMillis, lagMillis)
            run = current
        } else {
            close(at: time, events: events)
            guard above, let lag else { return }
            run = LagBreach(index: index, start: time, end: time, time: time, maxLag: lag, maxLagMillis: lagMillis)
        }
        if let current = run, !announced, current.end - current.start >= alert.millis {
            announced = true
            events?.emit(
                .lagBreachStart(
                    measure, index: index, time: time, start: current.start, lag: lag!, lagMillis: lagMillis))
        }
    }

    /// Ends the run going on at `time`, announcing its end if its start was announced.
    private mutating func close(at time: Int64, events: LiveEventSink?) {
        guard var current = run else { return }
        run = nil
        if announced {
            current.time = time
            events?.emit(.lagBreachEnd(measure, current))
        }
        announced = false
    }

    private static func larger(_ first: Int64?, _ second: Int64?) -> Int64? {
        guard let first else { return second }
        guard let second else { return first }
        return max(first, second)
    }
}
