/// "Did you mean": the closest known code to a mistyped one, for messages that name what is
/// unknown (a unit, an element, a form, a command).
public enum Suggestion {
    /// Levenshtein distance, case-insensitive.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased())
        let b = Array(b.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// The closest of `candidates` to `typed`, when it is close: at most two edits, or a third of
    /// the word for longer ones; nil otherwise (or when the input is long and absurd).
    public static func closest(to typed: String, among candidates: some Sequence<String>) -> String? {
        guard !typed.isEmpty, typed.count <= 64 else { return nil }
        let limit = max(2, typed.count / 3)
        var best: (String, Int)? = nil
        for c in candidates {
            let d = distance(c, typed)
            if d <= limit, best.map({ d < $0.1 }) ?? true { best = (c, d) }
        }
        return best?.0
    }
}

extension Catalog {
    /// Why `ref` names no unit, with the closest unit's code where one is close.
    public func noUnit(_ ref: String) -> String {
        "no organisation unit with code or uid '\(ref)'"
            + (Suggestion.closest(to: ref, among: organisationUnits.map(\.code)).map { "; did you mean '\($0)'?" } ?? "")
    }

    /// Why `ref` names no data element, with the closest element's code where one is close.
    public func noElement(_ ref: String) -> String {
        "no data element with code or uid '\(ref)'"
            + (Suggestion.closest(to: ref, among: dataElements.map(\.code)).map { "; did you mean '\($0)'?" } ?? "")
    }

    /// Why `ref` names no form, with the closest form's code where one is close.
    public func noDataSet(_ ref: String) -> String {
        "no data set with code or uid '\(ref)'"
            + (Suggestion.closest(to: ref, among: dataSets.map(\.code)).map { "; did you mean '\($0)'?" } ?? "")
    }
}
