/// An index's lag over time as the reports of the run draw it, from its first lag sample on:
/// nothing for the tables alone, the peaks of the Markdown report's sparkline (`LagSparkline`),
/// or the HTML report's timeline (`LagTimeline`), from which the sparkline is drawn too when
/// both reports are asked for. Until the first lag sample, two nil pointers.
struct LagOverTime {
    private(set) var timeline: LagTimeline?
    private(set) var sparkline: LagSparkline?

    /// Takes in a lag sample, in timestamp order. `capacity` is the run's
    /// (`AnalysisOptions.timelineCapacity`): above `LagSparkline.capacity`, a timeline of that
    /// many buckets; otherwise, unless 0, the sparkline's peaks.
    mutating func record(at time: Int64, lag: UInt64, millis: Int64?, capacity: Int) {
        if capacity > LagSparkline.capacity {
            if timeline == nil { timeline = LagTimeline(capacity: capacity) }
            timeline?.record(at: time, lag: lag, millis: millis)
        } else if sparkline != nil {
            sparkline?.record(at: time, lag: lag)
        } else if capacity > 0 {
            sparkline = LagSparkline(at: time, lag: lag)
        }
    }
}
