/// An index's lag over time as the reports of the run draw it, from its first lag sample on:
/// the peaks of the Markdown report's sparkline (`LagSparkline`), or the HTML report's timeline
/// (`LagTimeline`), from which the sparkline is drawn too when both reports are asked for. One
/// pointer in every index's derivation, nil until the first lag sample and unless a report draws it.
enum LagOverTime {
    case none
    case sparkline(LagSparkline)
    case timeline(LagTimeline)

    var sparkline: LagSparkline? {
        if case .sparkline(let sparkline) = self { sparkline } else { nil }
    }

    var timeline: LagTimeline? {
        if case .timeline(let timeline) = self { timeline } else { nil }
    }

    /// Takes in a lag sample, in timestamp order. `capacity` is the run's
    /// (`AnalysisOptions.timelineCapacity`): above `LagSparkline.capacity`, a timeline of that
    /// many buckets; otherwise, unless 0, the sparkline's peaks.
    mutating func record(at time: Int64, lag: UInt64, millis: Int64?, capacity: Int) {
        // Each is taken out before it is written, so that its storage is not shared with `self`
        // and is written in place rather than copied.
        switch self {
        case .none where capacity > LagSparkline.capacity:
            var timeline = LagTimeline(capacity: capacity)
            timeline.record(at: time, lag: lag, millis: millis)
            self = .timeline(timeline)
        case .none:
            if capacity > 0 { self = .sparkline(LagSparkline(at: time, lag: lag)) }
        case .sparkline(var sparkline):
            self = .none
            sparkline.record(at: time, lag: lag)
            self = .sparkline(sparkline)
        case .timeline(var timeline):
            self = .none
            timeline.record(at: time, lag: lag, millis: millis)
            self = .timeline(timeline)
        }
    }
}
