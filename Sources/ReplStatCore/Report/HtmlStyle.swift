/// The look of the HTML report: its style sheet, the SVG patterns, the legend. Colours are the
/// Okabe-Ito palette, which stays distinguishable with every common colour-vision deficiency;
/// states where replication is not going on also carry a pattern and, where there is room, their
/// name, marks differ in place and shape, and the lines of shards in dashes, width and legend,
/// so that nothing is told by colour alone. Printed,
/// the page keeps its colours and patterns on white, and its tables unfold.
enum HtmlStyle {
    /// `paused`, `not-in-progress`: the class of a state's bands.
    static func className(_ status: ReplicationStatus) -> String {
        status == .notInProgress ? "not-in-progress" : status.apiName.lowercased()
    }

    /// The name written on a band.
    static func label(_ status: ReplicationStatus) -> String {
        status == .notInProgress ? "NOT IN PROGRESS" : status.apiName
    }

    /// Bootstrapping, syncing and running: no pattern over their bands.
    static func isReplicating(_ status: ReplicationStatus) -> Bool {
        switch status {
        case .bootstrapping, .syncing, .running: true
        case .paused, .failed, .stopped, .notInProgress: false
        }
    }

    /// The patterns, in an SVG of no size that the drawings refer to.
    static let definitions = """
        <svg class="definitions" width="0" height="0" aria-hidden="true"><defs>\
        <pattern id="hatch-gap" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">\
        <rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000000" stroke-width="2.5"/>\
        </pattern>\
        <pattern id="pattern-paused" width="8" height="8" patternUnits="userSpaceOnUse">\
        <circle cx="4" cy="4" r="1.6" fill="#000000" fill-opacity="0.55"/></pattern>\
        <pattern id="pattern-stopped" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">\
        <line x1="0" y1="0" x2="0" y2="6" stroke="#000000" stroke-opacity="0.45" stroke-width="1.5"/></pattern>\
        <pattern id="pattern-failed" width="6" height="6" patternUnits="userSpaceOnUse">\
        <path d="M0 0L6 6M6 0L0 6" stroke="#000000" stroke-opacity="0.55" stroke-width="1.2"/></pattern>\
        <pattern id="pattern-not-in-progress" width="6" height="6" patternUnits="userSpaceOnUse">\
        <line x1="0" y1="3" x2="6" y2="3" stroke="#000000" stroke-opacity="0.45" stroke-width="1.5"/></pattern>\
        </defs></svg>

        """

    /// What each colour, pattern and mark means.
    static var legend: String {
        var out = "<ul class=\"legend\">"
        for status in ReplicationStatus.allCases {
            let name = className(status)
            out +=
                "<li><svg viewBox=\"0 0 28 14\" aria-hidden=\"true\"><rect class=\"band \(name)\" width=\"28\" height=\"14\"/>"
            if !isReplicating(status) { out += "<rect class=\"pattern \(name)\" width=\"28\" height=\"14\"/>" }
            out += "</svg>\(label(status))</li>"
        }
        let marks = [
            ("<rect class=\"gap\" width=\"28\" height=\"14\"/>", "capture gap (unknown)"),
            ("<rect class=\"error\" width=\"28\" height=\"5\"/>", "error episode (top bar)"),
            ("<rect class=\"stall\" y=\"9\" width=\"28\" height=\"5\"/>", "stall (bottom bar)"),
            ("<g class=\"tick\"><rect x=\"12\" width=\"4\" height=\"14\"/></g>", "transition (hover for details)"),
        ]
        for (drawing, meaning) in marks {
            out += "<li><svg viewBox=\"0 0 28 14\" aria-hidden=\"true\">\(drawing)</svg>\(meaning)</li>"
        }
        return out + "</ul>\n"
    }

    static let css = """
        :root { color-scheme: light; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111111; background: #ffffff;
          margin: 0 auto; padding: 1em 1.5em 3em; max-width: 1500px; }
        h1 { font-size: 1.6em; margin: 0.2em 0 0.4em; }
        h2 { font-size: 1.25em; margin: 1.6em 0 0.5em; border-bottom: 1px solid #cccccc; padding-bottom: 0.15em; }
        code { font-family: ui-monospace, monospace; background: #f2f2f2; padding: 0 0.2em; }
        blockquote { margin: 0.5em 0; padding: 0.3em 1em; border-left: 4px solid #D55E00; background: #fff4ec; }
        .table { overflow-x: auto; }
        table { border-collapse: collapse; font-size: 12px; margin: 0.4em 0 1em; }
        th, td { border: 1px solid #d0d0d0; padding: 2px 6px; vertical-align: top; text-align: left; }
        th { background: #f2f2f2; }
        td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        svg { display: block; width: 100%; height: auto; overflow: visible; }
        svg.definitions { position: absolute; width: 0; height: 0; }
        svg text { font-size: 11px; fill: #111111; }
        .timeline .row { display: grid; grid-template-columns: minmax(8em, 16em) 1fr; gap: 0.6em; align-items: center;
          margin: 1px 0; }
        .timeline .label { font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .band.bootstrapping { fill: #56B4E9; }
        .band.syncing { fill: #009E73; }
        .band.running { fill: #0072B2; }
        .band.paused { fill: #E69F00; }
        .band.failed { fill: #D55E00; }
        .band.stopped { fill: #CC79A7; }
        .band.not-in-progress { fill: #BBBBBB; }
        .pattern.paused { fill: url(#pattern-paused); }
        .pattern.failed { fill: url(#pattern-failed); }
        .pattern.stopped { fill: url(#pattern-stopped); }
        .pattern.not-in-progress { fill: url(#pattern-not-in-progress); }
        .band-label { font-size: 10px; font-weight: 600; fill: #000000; pointer-events: none; }
        .gap { fill: url(#hatch-gap); stroke: #000000; stroke-width: 0.5; }
        .error { fill: #000000; }
        .stall { fill: #F0E442; stroke: #000000; stroke-width: 0.8; }
        .tick rect { fill: #000000; fill-opacity: 0.85; }
        .tick:hover rect { fill: #D55E00; }
        .chart .shade.stall { fill: #F0E442; fill-opacity: 0.55; stroke: none; }
        .chart .shade.gap { fill: url(#hatch-gap); fill-opacity: 0.6; stroke: none; }
        .chart .range { fill: #56B4E9; fill-opacity: 0.45; }
        .chart .last { fill: none; stroke: #0072B2; stroke-width: 1.6; }
        .chart .dot { fill: #0072B2; }
        .shard { fill: none; stroke: currentColor; stroke-width: 1.4; stroke-linejoin: round; }
        .shard circle { fill: currentColor; stroke: none; }
        .shard.hot { color: #D55E00; stroke-width: 3.2; }
        .shard.line-1 { color: #0072B2; }
        .shard.line-2 { color: #009E73; stroke-dasharray: 6 3; }
        .shard.line-3 { color: #CC79A7; stroke-dasharray: 2 3; }
        .shard.line-4 { color: #56B4E9; stroke-dasharray: 10 3 2 3; }
        .shard.line-5 { color: #E69F00; stroke-dasharray: 4 4; }
        .shard.line-6 { color: #000000; stroke-dasharray: 1 2; }
        .shard.line-7 { color: #666666; stroke-dasharray: 12 3; }
        .chart .shard-label { font-weight: 700; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }
        .legend li.hot { font-weight: 600; }
        .chart .frame { fill: none; stroke: #999999; stroke-width: 0.6; }
        .chart .transition line { stroke: #000000; stroke-width: 1.2; stroke-dasharray: 4 3; }
        .chart .transition rect { fill: transparent; }
        .charts figure { margin: 0.8em 0 1.4em; }
        .charts figcaption { font-weight: 600; margin-bottom: 0.2em; }
        .charts .what { font-size: 12px; color: #444444; margin: 0.4em 0 0.1em; }
        .legend { list-style: none; padding: 0; margin: 0.4em 0 0.8em; display: flex; flex-wrap: wrap; gap: 0.3em 1.2em;
          font-size: 12px; }
        .legend li { display: flex; align-items: center; gap: 0.4em; }
        .legend svg { width: 28px; height: 14px; border: 1px solid #999999; }
        .note { font-size: 12px; color: #444444; }
        @media print {
          body { max-width: none; padding: 0; font-size: 10pt; }
          * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          .table { overflow: visible; }
          figure, .timeline .row, tr { break-inside: avoid; }
          h2 { break-after: avoid; }
        }

        """
}
