import Foundation

/// Outlier detection against a series' own history: a unit's values of one element (and option
/// combination) over the periods of one type, as DHIS2's outlier detection judges them.
public enum OutlierAlgorithm: String, CaseIterable, Sendable, Codable {
    /// (x − mean) / standard deviation; default threshold 3.
    case zScore = "Z_SCORE"
    /// 0.6745 (x − median) / median absolute deviation; default threshold 3.5 (Iglewicz and
    /// Hoaglin), robust to the outliers themselves.
    case modifiedZScore = "MOD_Z_SCORE"
    /// Outside bounds set by hand or generated from the history (`MinMaxBounds`).
    case minMax = "MIN_MAX_VALUES"

    public var defaultThreshold: Double {
        switch self {
        case .zScore: return 3
        case .modifiedZScore: return 3.5
        case .minMax: return 0
        }
    }

    /// DHIS2's names and a few plain ones (`z`, `modified-z`, `min-max`).
    public init?(name: String) {
        switch name.lowercased().replacingOccurrences(of: "-", with: "_") {
        case "z_score", "z", "zscore": self = .zScore
        case "mod_z_score", "modified_z_score", "modified_z", "modz": self = .modifiedZScore
        case "min_max_values", "min_max", "minmax": self = .minMax
        default: return nil
        }
    }
}

/// Hand-set or generated bounds for one element, option combination and unit.
public struct MinMaxBounds: Hashable, Sendable, Codable {
    public var element: String
    public var optionCombo: String
    public var unit: String
    public var min: Double
    public var max: Double
    /// Generated from the history (true) or set by hand.
    public var generated: Bool

    public init(element: String, optionCombo: String, unit: String, min: Double, max: Double, generated: Bool) {
        self.element = element
        self.optionCombo = optionCombo
        self.unit = unit
        self.min = min
        self.max = max
        self.generated = generated
    }

    public var key: String { "\(element)|\(optionCombo)|\(unit)" }
}

/// The statistics of a series and how far a value lies from it.
public struct SeriesStatistics: Hashable, Sendable {
    public var count: Int
    public var mean: Double
    public var standardDeviation: Double
    public var median: Double
    /// Median absolute deviation from the median.
    public var medianAbsoluteDeviation: Double

    /// A series needs this many values before a value is judged against it.
    public static let minimumCount = 6
    /// Scores are capped here.
    public static let cap = 99.9
    /// Deviations are measured in spreads of at least one unit: a count of 2 where 1 is usual is
    /// not an outlier, however steady the history (small counts would otherwise all be).
    public static let minimumSpread = 1.0

    public init?(series values: [Double]) {
        guard values.count >= Self.minimumCount else { return nil }
        let n = Double(values.count)
        count = values.count
        let mean = values.reduce(0, +) / n
        self.mean = mean
        standardDeviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        let median = Self.median(values)
        self.median = median
        medianAbsoluteDeviation = Self.median(values.map { abs($0 - median) })
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func capped(_ deviation: Double, over spread: Double) -> Double {
        Swift.max(-cap, Swift.min(cap, deviation / Swift.max(spread, minimumSpread)))
    }

    /// (x − mean) / standard deviation (at least `minimumSpread`), capped.
    public func zScore(_ x: Double) -> Double { Self.capped(x - mean, over: standardDeviation) }

    /// 0.6745 (x − median) / MAD (at least `minimumSpread`), capped.
    public func modifiedZScore(_ x: Double) -> Double {
        Self.capped(0.6745 * (x - median), over: medianAbsoluteDeviation)
    }

    /// Bounds generated from the history: the wider of median ± 3.5 MAD / 0.6745 (the modified
    /// z-score's threshold) and mean ± 3 standard deviations, at least ±1 around the median,
    /// never below 0 for counts.
    public func generatedBounds(nonNegative: Bool) -> (min: Double, max: Double) {
        let robust = 3.5 * medianAbsoluteDeviation / 0.6745
        let classic = 3 * standardDeviation
        var lo = Swift.min(median - robust, mean - classic, median - 1).rounded(.down)
        let hi = Swift.max(median + robust, mean + classic, median + 1).rounded(.up)
        if nonNegative { lo = Swift.max(0, lo) }
        return (lo, hi)
    }
}

/// One value judged an outlier.
public struct OutlierValue: Hashable, Sendable {
    public var key: DataValueKey
    public var value: Double
    public var statistics: SeriesStatistics?
    public var bounds: (min: Double, max: Double)?
    /// The score of the algorithm (nil for min–max, which has bounds instead).
    public var score: Double?
    /// How far outside, for ordering: |score|, or the distance beyond the nearer bound.
    public var distance: Double
    public var followUp: Bool

    public static func == (a: OutlierValue, b: OutlierValue) -> Bool {
        a.key == b.key && a.value == b.value && a.score == b.score && a.distance == b.distance
    }
    public func hash(into h: inout Hasher) { h.combine(key) }
}

public enum OutlierDetection {
    /// Judges one value of a series against the rest of it (`history`, without the value itself).
    public static func judge(
        _ x: Double, history: [Double], algorithm: OutlierAlgorithm, threshold: Double,
        bounds: (min: Double, max: Double)?
    ) -> (outlier: Bool, score: Double?, statistics: SeriesStatistics?, distance: Double) {
        let stats = SeriesStatistics(series: history)
        switch algorithm {
        case .minMax:
            guard let b = bounds else { return (false, nil, stats, 0) }
            let beyond = x < b.min ? b.min - x : (x > b.max ? x - b.max : 0)
            return (beyond > 0, nil, stats, beyond)
        case .zScore, .modifiedZScore:
            guard let stats else { return (false, nil, nil, 0) }
            let score = algorithm == .zScore ? stats.zScore(x) : stats.modifiedZScore(x)
            return (abs(score) > threshold, score, stats, abs(score))
        }
    }

    /// The outliers among `values` (every stored value of the series it considers): each value
    /// whose key is `inScope` is judged against its series (all of the series' values of the same
    /// period type, itself included, as DHIS2 does); the largest first, at most `limit`.
    public static func detect(
        _ values: [DataValue], inScope: (DataValueKey) -> Bool, algorithm: OutlierAlgorithm, threshold: Double,
        bounds: [String: MinMaxBounds], limit: Int
    ) -> [OutlierValue] {
        struct Series: Hashable {
            let element: String, optionCombo: String, unit: String, type: PeriodType
        }
        var series: [Series: [DataValue]] = [:]
        for v in values where !v.deleted && v.number != nil {
            series[
                Series(
                    element: v.key.element, optionCombo: v.key.optionCombo, unit: v.key.unit, type: v.key.period.type),
                default: []
            ].append(v)
        }
        var out: [OutlierValue] = []
        for (s, members) in series {
            let numbers = members.compactMap(\.number)
            let stats = SeriesStatistics(series: numbers)
            let b = bounds["\(s.element)|\(s.optionCombo)|\(s.unit)"].map { ($0.min, $0.max) }
            for v in members where inScope(v.key) {
                guard let x = v.number else { continue }
                var score: Double? = nil
                var distance = 0.0
                switch algorithm {
                case .minMax:
                    guard let b else { continue }
                    distance = x < b.0 ? b.0 - x : (x > b.1 ? x - b.1 : 0)
                    if distance <= 0 { continue }
                case .zScore, .modifiedZScore:
                    guard let stats else { continue }
                    let z = algorithm == .zScore ? stats.zScore(x) : stats.modifiedZScore(x)
                    guard abs(z) > threshold else { continue }
                    score = z
                    distance = abs(z)
                }
                out.append(
                    OutlierValue(
                        key: v.key, value: x, statistics: stats, bounds: b, score: score, distance: distance,
                        followUp: v.followUp))
            }
        }
        out.sort { ($0.distance, $1.key.period.start) > ($1.distance, $0.key.period.start) }
        return Array(out.prefix(limit))
    }
}
