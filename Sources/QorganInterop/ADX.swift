import Foundation
import QorganCore

/// ADX (IHE's Aggregate Data Exchange, as DHIS2 reads and writes it):
///
/// ```xml
/// <adx xmlns="urn:ihe:qrph:adx:2015" exported="…">
///   <group dataSet="SECURITY" orgUnit="AKT" period="2017-03-01/P1M" completeDate="…">
///     <dataValue dataElement="DRAWN_IN" TG="STUDENTS" SEX="FEMALE" value="3"><annotation>…</annotation></dataValue>
///   </group>
/// </adx>
/// ```
///
/// A period is its first day and an ISO 8601 duration; a disaggregation is one attribute per
/// category, named by the category's code, whose value is an option's code.
public enum ADX {
    public static let namespace = "urn:ihe:qrph:adx:2015"

    // MARK: Periods

    /// The ADX form of a period: `2017-03-01/P1M`.
    public static func period(_ p: Period) -> String {
        let duration: String
        switch p.type {
        case .daily: duration = "P1D"
        case .biWeekly: duration = "P14D"
        case .monthly: duration = "P1M"
        case .biMonthly: duration = "P2M"
        case .quarterly, .quarterlyNov: duration = "P3M"
        case .sixMonthly, .sixMonthlyApril, .sixMonthlyNov: duration = "P6M"
        default: duration = p.type.isWeekly ? "P7D" : "P1Y"
        }
        return "\(p.start)/\(duration)"
    }

    /// The period an ADX period names: the type follows from the duration and the first day (a
    /// week starting on a Wednesday is a Wednesday week, a year starting in April a financial one).
    public static func period(parsing text: String) -> Period? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/")
        guard parts.count == 2, let start = Day(iso: String(parts[0])) else { return nil }
        let candidates: [PeriodType]
        switch parts[1] {
        case "P1D": candidates = [.daily]
        case "P7D", "P1W":
            candidates = [.weekly, .weeklyWednesday, .weeklyThursday, .weeklyFriday, .weeklySaturday, .weeklySunday]
        case "P14D", "P2W": candidates = [.biWeekly]
        case "P1M": candidates = [.monthly]
        case "P2M": candidates = [.biMonthly]
        case "P3M": candidates = [.quarterly, .quarterlyNov]
        case "P6M": candidates = [.sixMonthly, .sixMonthlyApril, .sixMonthlyNov]
        case "P1Y", "P12M":
            candidates = [
                .yearly, .financialFeb, .financialApril, .financialJuly, .financialAug, .financialSep, .financialOct,
                .financialNov,
            ]
        default: return nil
        }
        for t in candidates {
            let p = Period.containing(start, type: t)
            if p.start == start, t != .biWeekly || Period.isoWeek(of: start).week % 2 == 1 { return p }
        }
        return nil
    }

    // MARK: Reading

    /// Reads an ADX document into value inputs (disaggregations resolved through `catalog`).
    /// Throws `QorganError.rejected` naming each problem by line.
    public static func parse(_ data: Data, catalog: Catalog, source: String) throws -> [DataValueInput] {
        let elements: [XMLLite.Element]
        do { elements = try XMLLite.parse(data) } catch let e as XMLLite.SyntaxError {
            throw QorganError.rejected(source: source, problems: [Problem(line: e.line, reason: e.reason)])
        }
        guard let root = elements.first, root.depth == 0, root.localName == "adx" else {
            throw QorganError.rejected(
                source: source, problems: [Problem(reason: "not an ADX document: the root element is <adx>")])
        }
        var problems: [Problem] = []
        var out: [DataValueInput] = []
        var group: XMLLite.Element? = nil
        // The element index of each value read, for its annotation.
        var valueAt: [Int: Int] = [:]
        for (index, e) in elements.enumerated().dropFirst() {
            switch (e.depth, e.localName) {
            case (1, "group"):
                group = e
                for required in ["orgUnit", "period"] where e.attributes[required] == nil {
                    problems.append(
                        Problem(line: e.line, field: required, reason: "a <group> names its \(required)"))
                }
            case (2, "dataValue"):
                guard let g = group else { continue }
                let read = value(e, in: g, catalog: catalog, problems: &problems)
                if !read.isEmpty { valueAt[index] = out.count }
                out.append(contentsOf: read)
            case (3, "annotation"):
                if let parent = e.parent, let at = valueAt[parent] { out[at].comment = e.text }
            case (1, _), (2, _):
                problems.append(
                    Problem(
                        line: e.line, field: e.name,
                        reason: "unexpected element (an ADX document holds <group>s of <dataValue>s)"))
            default: break
            }
        }
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
        return out
    }

    static let groupAttributes: Set<String> = ["orgUnit", "period", "dataSet", "completeDate"]
    static let valueAttributes: Set<String> = ["dataElement", "value"]

    static func value(
        _ e: XMLLite.Element, in g: XMLLite.Element, catalog: Catalog, problems: inout [Problem]
    ) -> [DataValueInput] {
        guard let de = e.attributes["dataElement"] else {
            problems.append(Problem(line: e.line, field: "dataElement", reason: "a <dataValue> names its dataElement"))
            return []
        }
        guard let v = e.attributes["value"] else {
            problems.append(Problem(line: e.line, field: "value", value: de, reason: "a <dataValue> has a value"))
            return []
        }
        // A period that is not ADX's is passed on as written: the store names it with the other problems.
        let periodText = g.attributes["period"] ?? ""
        let period = period(parsing: periodText)?.iso ?? periodText
        // The other attributes of the group (attribute categories) and of the value (its categories).
        var coc = ""
        if let element = catalog.element(de) {
            let given = e.attributes.filter { !valueAttributes.contains($0.key) }
            let combo = catalog.categoryCombo(element.categoryCombo)
            let categories = (combo?.categories ?? []).compactMap { catalog.category($0) }
            var codes: [String] = []
            for c in categories {
                guard let optionRef = given[c.code] ?? given[c.uid] else {
                    problems.append(
                        Problem(
                            line: e.line, field: c.code, value: de,
                            reason:
                                "\(element.code) is broken down by \(c.code): give it as \(c.code)=\"OPTION\" (\(c.options.map(\.code).joined(separator: ", ")))"
                        ))
                    return []
                }
                guard let option = c.options.first(where: { $0.code == optionRef || $0.uid == optionRef }) else {
                    problems.append(
                        Problem(
                            line: e.line, field: c.code, value: optionRef,
                            reason: "not an option of \(c.code) (\(c.options.map(\.code).joined(separator: ", ")))"))
                    return []
                }
                codes.append(option.code)
            }
            let known = Set(categories.flatMap { [$0.code, $0.uid] })
            for k in given.keys.sorted() where !known.contains(k) {
                problems.append(
                    Problem(line: e.line, field: k, value: de, reason: "\(element.code) is not broken down by \(k)"))
            }
            coc = codes.joined(separator: "_")
        }
        return [
            DataValueInput(
                element: de, period: period, unit: g.attributes["orgUnit"] ?? "", optionCombo: coc,
                attributeOptionCombo: "", value: v, line: e.line)
        ]
    }

    // MARK: Writing

    /// An ADX document of `values`, one group per data set (when the element is on exactly one
    /// form), unit and period; references by code (ADX's habit) unless other schemes are asked for.
    public static func write(_ values: [DataValue], catalog: Catalog, idSchemes: IdSchemes = IdSchemes(.code)) -> Data {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<adx xmlns=\"\(namespace)\" exported=\""
        s += Timestamp8601.string(Date()) + "\">\n"
        struct GroupKey: Hashable { var unit: String, period: Period, dataSet: String? }
        var order: [GroupKey] = []
        var groups: [GroupKey: [DataValue]] = [:]
        for v in values where !v.deleted {
            let element = catalog.element(v.key.element)
            let forms = element.map { catalog.dataSets(of: $0).filter { $0.periodType == v.key.period.type } } ?? []
            let k = GroupKey(unit: v.key.unit, period: v.key.period, dataSet: forms.count == 1 ? forms[0].uid : nil)
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(v)
        }
        for k in order {
            s +=
                "  <group orgUnit=\"\(escape(idSchemes.units.write(k.unit, catalog)))\" period=\"\(period(k.period))\""
            if let ds = k.dataSet { s += " dataSet=\"\(escape(idSchemes.elements.write(ds, catalog)))\"" }
            s += ">\n"
            for v in groups[k] ?? [] {
                s += "    <dataValue dataElement=\"\(escape(idSchemes.elements.write(v.key.element, catalog)))\""
                if let combo = catalog.optionCombo(uid: v.key.optionCombo), !combo.options.isEmpty,
                    let cc = catalog.categoryCombo(combo.categoryCombo)
                {
                    for (categoryRef, optionUid) in zip(cc.categories, combo.options) {
                        guard let category = catalog.category(categoryRef),
                            let option = category.options.first(where: { $0.uid == optionUid })
                        else { continue }
                        s += " \(category.code)=\"\(escape(option.code))\""
                    }
                }
                s += " value=\"\(escape(v.value))\""
                if let comment = v.comment, !comment.isEmpty {
                    s += "><annotation>\(escape(comment))</annotation></dataValue>\n"
                } else {
                    s += "/>\n"
                }
            }
            s += "  </group>\n"
        }
        s += "</adx>\n"
        return Data(s.utf8)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}
