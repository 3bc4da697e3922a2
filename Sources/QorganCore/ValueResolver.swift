import Foundation

extension Catalog {
    /// Checks one input against the metadata. Every problem is listed, not only the first.
    public func resolve(_ input: DataValueInput) -> Validated<ResolvedValue> {
        var r = ValueResolver(catalog: self)
        return r.resolve(input)
    }
}

/// Checks inputs against a catalog, remembering what repeats across the rows of a batch
/// (periods, an element's forms): the checks are those of `Catalog.resolve`.
public struct ValueResolver {
    public let catalog: Catalog
    private var periods: [String: Period?] = [:]
    private var forms: [String: [DataSet]] = [:]

    public init(catalog: Catalog) { self.catalog = catalog }

    /// Checks a whole batch, in order; large batches are split over the processor's cores
    /// (each part with its own resolver), since checking a row reads only the catalog.
    public static func resolveAll(_ inputs: [DataValueInput], catalog: Catalog) -> [Validated<ResolvedValue>] {
        let parts = inputs.count < 20_000 ? 1 : max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        if parts == 1 {
            var r = ValueResolver(catalog: catalog)
            return inputs.map { r.resolve($0) }
        }
        let size = (inputs.count + parts - 1) / parts
        return [Validated<ResolvedValue>](unsafeUninitializedCapacity: inputs.count) { buffer, count in
            // Each part initializes its own disjoint range.
            guard let base = buffer.baseAddress else { return }
            nonisolated(unsafe) let out = base
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                var r = ValueResolver(catalog: catalog)
                for i in (part * size)..<min(inputs.count, (part + 1) * size) {
                    (out + i).initialize(to: r.resolve(inputs[i]))
                }
            }
            count = inputs.count
        }
    }

    private mutating func period(_ s: String) -> Period? {
        if let p = periods[s] { return p }
        let p = Period.parse(s)
        periods[s] = p
        return p
    }

    private mutating func dataSets(of el: DataElement) -> [DataSet] {
        if let f = forms[el.uid] { return f }
        let f = catalog.dataSets(of: el)
        forms[el.uid] = f
        return f
    }

    public mutating func resolve(_ input: DataValueInput) -> Validated<ResolvedValue> {
        var problems: [Problem] = []
        let line = input.line
        func problem(_ field: String, _ value: String?, _ reason: String, code: String? = nil) {
            problems.append(
                Problem(line: line, object: input.location, field: field, value: value, reason: reason, code: code))
        }
        let el = catalog.element(input.element.trimmedSpaces)
        if el == nil {
            problem(
                "dataelement", input.element,
                input.element.isEmpty
                    ? "a data element is required" : catalog.noElement(input.element),
                code: input.element.isEmpty ? nil : Problem.unknownReference)
        }
        if let el, let source = el.derivedFrom {
            problem(
                "dataelement", input.element,
                "\(el.code) is derived from the \(source) and cannot be entered; change the \(source) instead")
        }
        let period = self.period(input.period)
        if period == nil {
            problem(
                "period", input.period,
                "not a period identifier (2017, 2017Q1, 201703, 2017W5, 20170315, 2017April; years 1900–2100)")
        }
        let u = catalog.unit(input.unit.trimmedSpaces)
        if u == nil {
            problem(
                "orgunit", input.unit,
                input.unit.isEmpty
                    ? "an organisation unit is required" : catalog.noUnit(input.unit),
                code: input.unit.isEmpty ? nil : Problem.unknownReference)
        }

        var coc: CategoryOptionCombo?
        if let el {
            coc = catalog.optionCombo(input.optionCombo.trimmedSpaces, of: el)
            if coc == nil {
                let known = catalog.optionCombos(of: el).map(\.code).joined(separator: ", ")
                problem(
                    "categoryoptioncombo", input.optionCombo,
                    input.optionCombo.isEmpty
                        ? "data element '\(el.code)' is disaggregated; name one of: \(known)"
                        : "data element '\(el.code)' has no option combination '\(input.optionCombo)' (it has: \(known))",
                    code: input.optionCombo.isEmpty ? nil : Problem.unknownReference
                )
            }
            let sets = self.dataSets(of: el)
            if let period, !sets.isEmpty, !sets.contains(where: { $0.periodType == period.type }) {
                let types = Set(sets.map(\.periodType.rawValue)).sorted().joined(separator: " or ")
                problem(
                    "period", input.period,
                    "data element '\(el.code)' is reported \(types) (form \(sets.map(\.code).joined(separator: ", "))), but \(period.iso) is \(period.type.rawValue)"
                )
            }
            if let u, !sets.isEmpty, !sets.contains(where: { $0.organisationUnits.contains(u.uid) }) {
                problem(
                    "orgunit", input.unit,
                    "'\(u.code)' does not report data element '\(el.code)': no form with it is assigned to the unit (\(sets.map(\.code).joined(separator: ", ")))"
                )
            }
        }
        if let u, let period, !u.isOpen(throughout: period.span) {
            let closed = u.closingDate.map { ", closed \($0)" } ?? ""
            problem(
                "orgunit", input.unit,
                "'\(u.code)' is not open throughout \(period.iso) (opened \(u.openingDate)\(closed))",
                code: Problem.closedUnit)
        }
        let aoc = catalog.attributeOptionCombo(input.attributeOptionCombo.trimmedSpaces)
        if aoc == nil {
            problem(
                "attributeoptioncombo", input.attributeOptionCombo,
                "no attribute option combination '\(input.attributeOptionCombo)' (only 'default' exists)",
                code: Problem.unknownReference)
        }

        let deleted = parseFlag(input.deleted)
        if deleted == nil { problem("deleted", input.deleted, "'\(input.deleted ?? "")' is not true or false") }
        let followUp = parseFlag(input.followUp)
        if followUp == nil { problem("followup", input.followUp, "'\(input.followUp ?? "")' is not true or false") }
        let comment = input.comment.flatMap { $0.isEmpty ? nil : $0 }
        if let comment, comment.count > 500 {
            problem("comment", String(comment.prefix(20)) + "…", "comments are short (at most 500 characters)")
        }

        var value: String?
        if deleted != true {
            if input.value.trimmedSpaces.isEmpty {
                problem("value", input.value, "the value is empty (to delete a value, set deleted to true)")
            } else if let el {
                switch el.valueType.normalize(input.value) {
                case .valid(let v): value = v
                case .invalid(let reasons):
                    let reason = reasons.map(\.reason).joined(separator: "; ")
                    problem(
                        "value", input.value, "\(reason) (data element '\(el.code)' is \(el.valueType.rawValue))",
                        code: reasons.first?.code)
                }
            }
        }
        guard problems.isEmpty, let el, let period, let u, let coc, let aoc else { return .invalid(problems) }
        return .valid(
            ResolvedValue(
                key: DataValueKey(
                    element: el.uid, period: period, unit: u.uid, optionCombo: coc.uid,
                    attributeOptionCombo: aoc.uid),
                value: value, comment: comment, followUp: followUp ?? false,
                storedBy: input.storedBy.flatMap { $0.isEmpty ? nil : $0 }, line: line,
                keepsComment: input.comment == nil, keepsFollowUp: (input.followUp ?? "").trimmedSpaces.isEmpty))
    }

    /// A true/false field: blank is false; nil when it is neither.
    private func parseFlag(_ s: String?) -> Bool? {
        guard let raw = s, !raw.isEmpty else { return false }
        let s = raw.trimmedSpaces.lowercased()
        switch s {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: return nil
        }
    }
}
