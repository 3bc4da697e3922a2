/// What an indicator's or element's values measure: it says how a value is shown (20.7 %) and
/// whether values add up (counts do; percentages, rates and averages do not).
public enum Measure: Sendable, Hashable {
    case count, percent, perThousand, perHundredThousand, other

    /// Sums of these values mean something: totals, stacked bars.
    public var isAdditive: Bool { self == .count }
}

extension Catalog {
    /// The measure of an indicator: its factor over a real denominator (× 100 → percent), or,
    /// for a plain sum of elements, what those elements hold.
    public func measure(of indicator: Indicator, depth: Int = 0) -> Measure {
        let hasDenominator = indicator.denominator.trimmingCharacters(in: .whitespaces) != "1"
        if hasDenominator {
            switch indicator.factor {
            case 100: return .percent
            case 1000: return .perThousand
            case 100_000: return .perHundredThousand
            default: return .other
            }
        }
        guard indicator.factor == 1, depth < 4, let e = try? Expression.parse(indicator.numerator) else {
            return .other
        }
        let measures = e.references.map { r -> Measure in
            switch r.kind {
            case .element: return element(r.code).map { measure(of: $0) } ?? .other
            case .indicator: return self.indicator(r.code).map { measure(of: $0, depth: depth + 1) } ?? .other
            case .constant, .reportingRate: return .other
            }
        }
        guard let first = measures.first, measures.allSatisfy({ $0 == first }) else { return .other }
        // A sum of counts is a count; one percentage (a mean of percentages) stays a percentage.
        return first == .count || measures.count == 1 ? first : .other
    }

    /// The measure of an element's values: counts when they add up, a percentage when it is one.
    public func measure(of element: DataElement) -> Measure {
        if element.valueType == .percentage { return .percent }
        return element.aggregationType == .sum && element.valueType != .boolean ? .count : .other
    }

    /// The measure of a data item of a query (an indicator, an element or `element.combination`).
    public func measure(ofItem ref: String) -> Measure {
        if let i = indicator(ref) { return measure(of: i) }
        return element(String(ref.prefix { $0 != "." })).map { measure(of: $0) } ?? .other
    }
}
