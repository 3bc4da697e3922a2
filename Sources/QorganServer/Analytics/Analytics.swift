import Foundation
import QorganAnalytics
import QorganCore
import QorganInterop

/// The engine's queries as a user may ask them: within their units, in their language.
enum Analytics {
    /// Runs `spec` for `user`. A bare `LEVEL-n` means that level within the user's units;
    /// any other unit outside their units is refused (403), never silently dropped.
    static func run(_ spec: QuerySpec, user: Principal, snapshot: EngineState, today: Day, language: String) throws
        -> AnalyticsResult
    {
        var spec = spec
        let catalog = snapshot.catalog
        spec.userUnits = user.units
        if !user.isNational(in: catalog, on: today) {
            spec.ou = spec.ou.flatMap { item -> [String] in
                guard item.hasPrefix("LEVEL-"), !item.contains(":") else { return [item] }
                return user.units.map { "\(item):\($0)" }
            }
        }
        let query = try spec.resolve(in: catalog, today: today)
        for u in query.units where !user.canSee(u, in: catalog, on: today) {
            // Named as the caller wrote it (a level or keyword names no unit of theirs).
            throw APIError.outOfScope(spec.ou.first { catalog.unit($0)?.uid == u } ?? "a unit that the query selects")
        }
        var result = try snapshot.run(query)
        localise(&result, catalog: catalog, language: language)
        return result
    }

    /// The uids of the elements whose values `dx` reads (indicators through their expressions,
    /// recursively); nil when an item is not known or reads reporting rates (no answer to keep then).
    static func elements(of dx: [String], in catalog: Catalog) -> Set<String>? {
        var out = Set<String>()
        var seen = Set<String>()
        func indicator(_ ind: Indicator) -> Bool {
            guard seen.insert(ind.uid).inserted else { return true }
            for text in [ind.numerator, ind.denominator] {
                guard let e = try? Expression.parse(text) else { return false }
                for ref in e.references {
                    switch ref.kind {
                    case .element:
                        guard let el = catalog.element(ref.code) else { return false }
                        out.insert(el.uid)
                    case .indicator: guard let sub = catalog.indicator(ref.code), indicator(sub) else { return false }
                    // Reporting rates follow completions, which no element generation tracks: not kept.
                    case .reportingRate: return false
                    case .constant: break
                    }
                }
            }
            return true
        }
        for item in dx {
            if let ind = catalog.indicator(item) {
                guard indicator(ind) else { return nil }
                continue
            }
            guard let code = item.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first,
                let el = catalog.element(String(code))
            else { return nil }
            out.insert(el.uid)
        }
        return out
    }

    /// Names of units, elements and indicators in `language` where metadata has them.
    static func localise(_ result: inout AnalyticsResult, catalog: Catalog, language: String) {
        for (id, name) in result.names {
            if let u = catalog.unit(id) {
                result.names[id] = u.name(in: language)
            } else if let e = catalog.element(id) {
                result.names[id] = e.name(in: language)
            } else if let i = catalog.indicator(id) {
                result.names[id] = i.name(in: language)
            } else if let coc = catalog.optionCombo(uid: id) {
                result.names[id] = catalog.name(of: coc, in: language)
            } else {
                result.names[id] = name
            }
        }
    }

    /// The result's table with real numbers, for spreadsheets.
    static func cells(_ result: AnalyticsResult) -> [[XLSX.Cell]] {
        let t = result.table()
        let valueColumn = t.header.firstIndex(of: "value")
        return t.rows.map { row in
            row.enumerated().map { i, text in
                if i == valueColumn || (valueColumn.map { i > $0 } ?? false), let d = Double(text) { return .number(d) }
                return .text(text)
            }
        }
    }
}
