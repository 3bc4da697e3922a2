import QorganCore

/// Splits a whole number into parts proportional to `weights` (largest remainder), so the
/// parts add up to exactly `total`.
func apportion(_ total: Int, _ weights: [Double]) -> [Int] {
    let sum = weights.reduce(0, +)
    guard total > 0, sum > 0 else { return weights.map { _ in 0 } }
    let exact = weights.map { Double(total) * $0 / sum }
    var parts = exact.map { Int($0.rounded(.down)) }
    let order = exact.indices.sorted { (exact[$0] - Double(parts[$0]), -$0) > (exact[$1] - Double(parts[$1]), -$1) }
    for i in order.prefix(total - parts.reduce(0, +)) { parts[i] += 1 }
    return parts
}

struct DemoRandom {
    var g: SplitMix64
    init(seed: UInt64) { g = SplitMix64(seed: seed) }
    mutating func jitter(_ a: Double, _ b: Double) -> Double { Double.random(in: a..<b, using: &g) }
    /// Places `count` events one by one into buckets with the given weights.
    mutating func scatter(_ count: Int, _ weights: [Double]) -> [Int] {
        var out = weights.map { _ in 0 }
        let sum = weights.reduce(0, +)
        for _ in 0..<count {
            var x = Double.random(in: 0..<sum, using: &g)
            var i = 0
            while i < weights.count - 1 && x >= weights[i] {
                x -= weights[i]
                i += 1
            }
            out[i] += 1
        }
        return out
    }
    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &g) }
}

extension DemoProgramme {
    static let years = Array(2013...2017)

    /// Every value of the demo, as inputs (references by code).
    public static func values(catalog: Catalog) -> [DataValueInput] { generate().values }

    /// Where and when the illustrative foiled plots fall: (year, month, region code) once per plot.
    static func foiledPlotPlaces() -> [(year: Int, month: Int, region: String)] { generate().foiled }

    /// The readiness each office's assessments aim at, in tenths of a percent: (office, 2015, 2017).
    static func readinessTargets() -> [(office: String, previous: Int, latest: Int)] { generate().readiness }

    static func generate() -> (
        values: [DataValueInput], foiled: [(year: Int, month: Int, region: String)],
        readiness: [(office: String, previous: Int, latest: Int)]
    ) {
        var rng = DemoRandom(seed: seed)
        var out: [DataValueInput] = []
        var foiled: [(year: Int, month: Int, region: String)] = []
        func add(_ element: String, _ period: String, _ unit: String, _ value: Int, combo: String = "") {
            guard value != 0 else { return }
            out.append(
                DataValueInput(element: element, period: period, unit: unit, optionCombo: combo, value: String(value)))
        }
        func month(_ y: Int, _ m: Int) -> String { Period.containing(.firstOfMonth(y, m), type: .monthly).iso }
        let regions = Geography.regions
        // A lasting character per region, so that no two look alike.
        let regionFactor = regions.map { _ in rng.jitter(0.85, 1.15) }

        // Target group size (yearly, by target group) and newly reached (monthly, field offices).
        let tgSize = [2013: 148_000, 2014: 151_200, 2015: 154_600, 2016: 157_900, 2017: 160_300]
        let reached2016 = 50_686  // 50 686 / 157 900 = 32.1 % (F3)
        let reachedTotal = 140_041  // 140 041 / mean(size) 154 400 = 90.7 % (F4)
        let otherYears = apportion(reachedTotal - reached2016, [0.14, 0.20, 0.28, 0.38])
        let reached = [
            2013: otherYears[0], 2014: otherYears[1], 2015: otherYears[2], 2016: reached2016, 2017: otherYears[3],
        ]
        let seasonal: [Double] = [1.2, 1.2, 1.25, 1.2, 1.1, 0.6, 0.5, 0.6, 1.3, 1.25, 1.2, 1.0]
        for y in years {
            let sizes = apportion(
                tgSize[y, default: 0],
                regions.indices.map { regions[$0].population * regionFactor[$0] * rng.jitter(0.98, 1.02) })
            let reach = apportion(
                reached[y, default: 0], regions.indices.map { Double(sizes[$0]) * rng.jitter(0.8, 1.2) })
            for (ri, r) in regions.enumerated() {
                let bySize = apportion(sizes[ri], targetGroups.map { $0.reachShare * rng.jitter(0.9, 1.1) })
                for (gi, g) in targetGroups.enumerated() {
                    add("TG_SIZE", String(y), r.code, bySize[gi], combo: g.code)
                }
                let byOffice = apportion(reach[ri], r.offices.map { _ in rng.jitter(0.5, 1.5) })
                for (oi, o) in r.offices.enumerated() {
                    let byMonth = apportion(byOffice[oi], seasonal.map { $0 * rng.jitter(0.8, 1.2) })
                    for m in 1...12 {
                        let byGroup = apportion(
                            byMonth[m - 1], targetGroups.map { $0.reachShare * rng.jitter(0.8, 1.2) })
                        for (gi, g) in targetGroups.enumerated() {
                            add("TG_REACHED", month(y, m), o.code, byGroup[gi], combo: g.code)
                        }
                    }
                }
            }
        }

        // Preventive events by channel (monthly, field offices): more in schools and online after mid-2016.
        for (ri, r) in regions.enumerated() {
            for o in r.offices {
                let base = 10 * regionFactor[ri] * rng.jitter(0.6, 1.4)
                for y in years {
                    for m in 1...12 {
                        let after = y > 2016 || (y == 2016 && m >= 7)
                        let shares: [Double] = [after ? 0.5 : 0.35, after ? 0.3 : 0.12, 0.25, 0.25]
                        for (ci, ch) in channels.enumerated() {
                            let n = Int((base * shares[ci] * seasonal[m - 1] * rng.jitter(0.7, 1.3)).rounded())
                            add("PREV_EVENTS", month(y, m), o.code, n, combo: ch.code)
                        }
                    }
                }
            }
        }

        // Security outcomes (monthly, regions): national yearly totals scattered by region risk.
        let securityWeights = regions.map { $0.risk * $0.population.squareRoot() }
        let security: [(String, [Int])] = [
            // Acts prevented (F1, 12) are events of the incident register: these draws place its
            // twelve illustrative foiled plots (and keep every other number as it was).
            ("FOILED_PLOTS", [2, 2, 3, 3, 2]),
            ("DEPARTURES_STOPPED", [0, 2, 4, 3, 1]),  // 1 in 2017 (F2)
            ("TRAVEL_INTENT_STOPPED", [12, 19, 27, 21, 12]),  // 91 (F5)
            ("STUDENTS_RETURNED", [9, 14, 22, 19, 17]),  // 81 (F6)
            ("THEOLOGY_DIVERTED", [21, 30, 41, 44, 41]),  // 177 (F7)
            ("CONVICTIONS", [17, 22, 26, 35, 23]),  // 123 (F8)
        ]
        for (element, perYear) in security {
            for (yi, y) in years.enumerated() {
                let byRegion = rng.scatter(perYear[yi], securityWeights)
                for (ri, r) in regions.enumerated() where byRegion[ri] > 0 {
                    let byMonth = rng.scatter(byRegion[ri], Array(repeating: 1, count: 12))
                    for m in 1...12 {
                        if element == "FOILED_PLOTS" {
                            foiled += Array(repeating: (y, m, r.code), count: byMonth[m - 1])
                        } else {
                            add(element, month(y, m), r.code, byMonth[m - 1])
                        }
                    }
                }
            }
        }
        // The two public events of 2016 (F9) are in the incident register (DemoIncidents).

        // Involvement in destructive movements (quarterly, regions, by target group and sex): not decreasing.
        let drawn = [2013: 352, 2014: 368, 2015: 391, 2016: 412, 2017: 430]
        let marginalised = [2013: 38, 2014: 41, 2015: 40, 2016: 44, 2017: 43]  // 43 / 430 = 10 % (F11)
        let sexShare = [("MALE", 0.8), ("FEMALE", 0.2)]
        for y in years {
            let byRegion = apportion(
                drawn[y, default: 0],
                regions.indices.map { securityWeights[$0] * regionFactor[$0] * rng.jitter(0.8, 1.2) })
            var cellTotals: [(region: String, quarter: Int, total: Int)] = []
            for (ri, r) in regions.enumerated() {
                let byQuarter = apportion(byRegion[ri], (1...4).map { _ in rng.jitter(0.8, 1.2) })
                for q in 1...4 {
                    cellTotals.append((r.code, q, byQuarter[q - 1]))
                    var weights: [Double] = []
                    var combos: [String] = []
                    for g in targetGroups {
                        for (s, share) in sexShare {
                            weights.append(g.drawnShare * share * rng.jitter(0.8, 1.2))
                            combos.append("\(g.code)_\(s)")
                        }
                    }
                    let cells = apportion(byQuarter[q - 1], weights)
                    for (i, combo) in combos.enumerated() {
                        add("DRAWN_IN", "\(y)Q\(q)", r.code, cells[i], combo: combo)
                    }
                }
            }
            let m = apportion(marginalised[y, default: 0], cellTotals.map { Double($0.total) })
            for (i, cell) in cellTotals.enumerated() {
                add("DRAWN_IN_MARGINALISED", "\(y)Q\(cell.quarter)", cell.region, m[i])
            }
        }

        // Readiness (2015 and 2017), every regional and field office: means 89.9 and 91.7 (F10). The
        // values come from assessments scored item by item (DemoReadiness), aiming at these.
        let offices = regions.flatMap { [$0.code] + $0.offices.map(\.code) }
        var previous = offices.map { _ in Int((899 + rng.jitter(-35, 35)).rounded()) }
        adjust(&previous, toMeanTenths: 899)
        var latest = previous.map { min(995, $0 + Int((18 + rng.jitter(-15, 15)).rounded())) }
        adjust(&latest, toMeanTenths: 917)
        let readiness = offices.indices.map { (offices[$0], previous[$0], latest[$0]) }

        // The rehabilitation centre (quarterly, from 2015): counts only.
        var caseload = 0
        for y in 2015...2017 {
            for q in 1...4 {
                let admissions = rng.int(6...14)
                let completions = min(caseload, rng.int(3...9))
                caseload += admissions - completions
                add("REHAB_ADMISSIONS", "\(y)Q\(q)", Geography.rehabilitationCentre.code, admissions)
                add("REHAB_COMPLETIONS", "\(y)Q\(q)", Geography.rehabilitationCentre.code, completions)
                add("REHAB_CASELOAD", "\(y)Q\(q)", Geography.rehabilitationCentre.code, caseload)
            }
        }
        slip(&out)
        return (out, foiled, readiness)
    }

    /// Realistic slips for the validation rules to find, each moving figures within a year so
    /// that every yearly figure of the report stays as it is: one region's 2017 return of people drawn in
    /// typed mostly into the next quarter (fewer left than that quarter's marginalised), and one
    /// office's people reached in March 2017 entered in April (March has events but no reach);
    /// and an outlier: the same office's school events of September 2017 with an extra zero
    /// (preventive events are in no figure of the report).
    static func slip(_ out: inout [DataValueInput]) {
        func total(_ element: String, _ period: String, _ unit: String) -> Int {
            out.filter { $0.element == element && $0.period == period && $0.unit == unit }
                .reduce(0) { $0 + (Int($1.value) ?? 0) }
        }
        func move(_ element: String, from: String, to: String, unit: String) {
            let moved = out.filter { $0.element == element && $0.period == from && $0.unit == unit }
            out.removeAll { $0.element == element && $0.period == from && $0.unit == unit }
            for m in moved {
                if let i = out.firstIndex(where: {
                    $0.element == element && $0.period == to && $0.unit == unit && $0.optionCombo == m.optionCombo
                }) {
                    out[i].value = String((Int(out[i].value) ?? 0) + (Int(m.value) ?? 0))
                } else {
                    var n = m
                    n.period = to
                    out.append(n)
                }
            }
        }
        // A region's 2017 return of one quarter typed into the next, all but its smallest cell of
        // people drawn in, while the next quarter's marginalised went into this one's.
        let quarters = (1...4).map { "2017Q\($0)" }
        search: for r in Geography.regions {
            for (a, b) in zip(quarters, quarters.dropFirst()) {
                let cells = out.filter { $0.element == "DRAWN_IN" && $0.period == a && $0.unit == r.code }
                guard let smallest = cells.min(by: { (Int($0.value) ?? 0) < (Int($1.value) ?? 0) }) else { continue }
                let m = total("DRAWN_IN_MARGINALISED", a, r.code) + total("DRAWN_IN_MARGINALISED", b, r.code)
                guard m > (Int(smallest.value) ?? 0) else { continue }
                move("DRAWN_IN_MARGINALISED", from: b, to: a, unit: r.code)
                let kept = out.filter {
                    $0.element == "DRAWN_IN" && $0.period == a && $0.unit == r.code && $0 == smallest
                }
                move("DRAWN_IN", from: a, to: b, unit: r.code)
                // Put the one cell back.
                if let cell = kept.first,
                    let i = out.firstIndex(where: {
                        $0.element == "DRAWN_IN" && $0.period == b && $0.unit == r.code
                            && $0.optionCombo == cell.optionCombo
                    })
                {
                    out[i].value = String((Int(out[i].value) ?? 0) - (Int(cell.value) ?? 0))
                    if out[i].value == "0" { out.remove(at: i) }
                    out.append(cell)
                }
                break search
            }
        }
        if let office = Geography.regions.first(where: { $0.code == "ALA" })?.offices.first?.code {
            move("TG_REACHED", from: "201703", to: "201704", unit: office)
            // An extra zero typed into the same office's school events of September 2017: an outlier.
            if let i = out.firstIndex(where: {
                $0.element == "PREV_EVENTS" && $0.period == "201709" && $0.unit == office && $0.optionCombo == "EDU"
            }) {
                out[i].value = String((Int(out[i].value) ?? 0) * 10)
            }
        }
    }

    /// Moves scores (in tenths of a percent) one tenth at a time until their mean is exactly `target`.
    static func adjust(_ xs: inout [Int], toMeanTenths target: Int) {
        var diff = target * xs.count - xs.reduce(0, +)
        var i = 0
        while diff != 0 {
            let step = diff > 0 ? 1 : -1
            if (0...1000).contains(xs[i] + step) {
                xs[i] += step
                diff -= step
            }
            i = (i + 1) % xs.count
        }
    }

    static func tenths(_ t: Int) -> String { t % 10 == 0 ? String(t / 10) : "\(t / 10).\(t % 10)" }
}
