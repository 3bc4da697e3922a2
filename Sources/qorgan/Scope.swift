import Foundation
import QorganCore

/// The scope options several commands share (--data-set, --periods, --unit), resolved against the
/// catalog with every problem listed, and the plain tables they print.
struct ScopeOptions {
    let catalog: Catalog
    var problems: [Problem] = []

    init(_ catalog: Catalog) { self.catalog = catalog }

    mutating func form(_ ref: String?, option: String = "--data-set") -> DataSet? {
        guard let ref else { return nil }
        if let ds = catalog.dataSet(ref) { return ds }
        problems.append(Problem(field: option, value: ref, reason: catalog.noDataSet(ref)))
        return nil
    }

    mutating func span(_ text: String?, option: String = "--periods", required: Bool = true) -> DaySpan? {
        guard let text else {
            if required {
                problems.append(Problem(field: option, reason: "required: a period or range (2017, 2013..2017)"))
            }
            return nil
        }
        do { return try PeriodSelection(text).span } catch let e as QorganError {
            problems.append(Problem(field: option, value: text, reason: e.description))
        } catch {
            problems.append(Problem(field: option, value: text, reason: "not a period or range"))
        }
        return nil
    }

    /// Unit uids; the roots of the hierarchy on `day` when none are given.
    mutating func units(_ refs: [String], option: String = "--unit", rootsOn day: Day?) -> [String] {
        var out: [String] = []
        for ref in refs {
            if let u = catalog.unit(ref) {
                out.append(u.uid)
            } else {
                problems.append(Problem(field: option, value: ref, reason: catalog.noUnit(ref)))
            }
        }
        if out.isEmpty && refs.isEmpty, let day { out = catalog.roots(on: day).map(\.uid) }
        return out
    }

    mutating func check(_ condition: Bool, _ option: String, _ value: String?, _ reason: String) {
        if !condition { problems.append(Problem(field: option, value: value, reason: reason)) }
    }

    /// Throws every problem found, naming what could not be answered.
    func done(_ what: String) throws {
        if !problems.isEmpty { throw QorganError.invalidRequest(what: what, problems: problems) }
    }
}

/// Prints rows as aligned columns (the first row is the header); `right`: columns aligned right.
func printTable(_ rows: [[String]], right: Set<Int> = []) {
    guard let first = rows.first else { return }
    let widths = (0..<first.count).map { i in rows.map { $0.indices.contains(i) ? $0[i].count : 0 }.max() ?? 0 }
    for r in rows {
        var line = r.enumerated().map { i, cell in
            right.contains(i)
                ? String(repeating: " ", count: max(0, widths[i] - cell.count)) + cell
                : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
        while line.hasSuffix(" ") { line.removeLast() }
        print(line)
    }
}
