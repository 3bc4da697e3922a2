import Foundation

extension Catalog {
    /// Checks one input against the metadata. Every problem is listed, not only the first.
    public func resolve(_ input: DataValueInput) -> Validated<ResolvedValue> {
        var r = ValueResolver(catalog: self)
        return r.resolve(input)
    }
}

/// Checks inputs against a catalog, remembering what repeats across the rows of a batch
/// (periods, elements with their forms and combinations, units): the checks are those of
/// `Catalog.resolve`. What it remembers is held in objects, so that a row shares them instead
/// of copying an element's or a unit's every field (that copying was a third of the check).
public struct ValueResolver {
    public let catalog: Catalog
    private var periods: [String: Period?] = [:]
    private var lastPeriod: (ref: String, value: Period?)?
    private var elements: [String: ElementFacts?] = [:]
    private var lastElement: (ref: String, value: ElementFacts?)?
    private var units: [String: UnitFacts?] = [:]
    private var lastUnit: (ref: String, value: UnitFacts?)?
    private var attributeCombos: [String: String?] = [:]

    /// An element as the rows of a batch name it, with what its checks need.
    private final class ElementFacts {
        let element: DataElement
        let forms: [DataSet]
        let combos: [CategoryOptionCombo]
        /// Option combination uids by the reference a row gives (nil: none of the element's).
        var comboByRef: [String: String?] = [:]
        init(_ element: DataElement, catalog: Catalog) {
            self.element = element
            forms = catalog.dataSets(of: element)
            combos = catalog.optionCombos(of: element)
        }
    }

    private final class UnitFacts {
        let unit: OrgUnit
        init(_ unit: OrgUnit) { self.unit = unit }
    }

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

    /// What `ref` stands for: the last reference's answer when it repeats, else one met before,
    /// else made and kept. Static, so that passing the resolver's own tables `inout` copies nothing.
    private static func remembered<T>(
        _ ref: String, _ last: inout (ref: String, value: T)?, _ known: inout [String: T], make: () -> T
    ) -> T {
        if let last, last.ref == ref { return last.value }
        let value: T
        if let found = known[ref] {
            value = found
        } else {
            value = make()
            known[ref] = value
        }
        last = (ref, value)
        return value
    }

    private mutating func period(_ s: String) -> Period? {
        Self.remembered(s, &lastPeriod, &periods) { Period.parse(s) }
    }

    private mutating func element(_ ref: String) -> ElementFacts? {
        let catalog = self.catalog
        return Self.remembered(ref, &lastElement, &elements) {
            catalog.element(ref.trimmedSpaces).map { ElementFacts($0, catalog: catalog) }
        }
    }

    private mutating func unit(_ ref: String) -> UnitFacts? {
        let catalog = self.catalog
        return Self.remembered(ref, &lastUnit, &units) { catalog.unit(ref.trimmedSpaces).map(UnitFacts.init) }
    }

    /// The uid of the element's option combination a row names (as `Catalog.optionCombo`).
    private func optionCombo(_ ref: String, of facts: ElementFacts) -> String? {
        if let known = facts.comboByRef[ref] { return known }
        let uid = catalog.optionCombo(ref.trimmedSpaces, of: facts.element)?.uid
        facts.comboByRef[ref] = uid
        return uid
    }

    private mutating func attributeOptionCombo(_ ref: String) -> String? {
        if let known = attributeCombos[ref] { return known }
        let uid = catalog.attributeOptionCombo(ref.trimmedSpaces)?.uid
        attributeCombos[ref] = uid
        return uid
    }

    public mutating func resolve(_ input: DataValueInput) -> Validated<ResolvedValue> {
        var problems: [Problem] = []
        let line = input.line
        func problem(_ field: String, _ value: String?, _ reason: String, code: String? = nil) {
            problems.append(
                Problem(line: line, object: input.location, field: field, value: value, reason: reason, code: code))
        }
        let el = element(input.element)
        if el == nil {
            problem(
                "dataelement", input.element,
                input.element.isEmpty
                    ? "a data element is required" : catalog.noElement(input.element),
                code: input.element.isEmpty ? nil : Problem.unknownReference)
        }
        if let el, let source = el.element.derivedFrom {
            problem(
                "dataelement", input.element,
                "\(el.element.code) is derived from the \(source) and cannot be entered; change the \(source) instead")
        }
        let period = self.period(input.period)
        if period == nil {
            problem(
                "period", input.period,
                "not a period identifier (2017, 2017Q1, 201703, 2017W5, 20170315, 2017April; years 1900–2100)")
        }
        let u = unit(input.unit)
        if u == nil {
            problem(
                "orgunit", input.unit,
                input.unit.isEmpty
                    ? "an organisation unit is required" : catalog.noUnit(input.unit),
                code: input.unit.isEmpty ? nil : Problem.unknownReference)
        }

        var coc: String?
        if let el {
            coc = optionCombo(input.optionCombo, of: el)
            if coc == nil {
                let known = el.combos.map(\.code).joined(separator: ", ")
                problem(
                    "categoryoptioncombo", input.optionCombo,
                    input.optionCombo.isEmpty
                        ? "data element '\(el.element.code)' is disaggregated; name one of: \(known)"
                        : "data element '\(el.element.code)' has no option combination '\(input.optionCombo)' (it has: \(known))",
                    code: input.optionCombo.isEmpty ? nil : Problem.unknownReference
                )
            }
            let sets = el.forms
            if let period, !sets.isEmpty, !sets.contains(where: { $0.periodType == period.type }) {
                let types = Set(sets.map(\.periodType.rawValue)).sorted().joined(separator: " or ")
                problem(
                    "period", input.period,
                    "data element '\(el.element.code)' is reported \(types) (form \(sets.map(\.code).joined(separator: ", "))), but \(period.iso) is \(period.type.rawValue)"
                )
            }
            if let u, !sets.isEmpty, !sets.contains(where: { catalog.assigns($0, to: u.unit.uid) }) {
                problem(
                    "orgunit", input.unit,
                    "'\(u.unit.code)' does not report data element '\(el.element.code)': no form with it is assigned to the unit (\(sets.map(\.code).joined(separator: ", ")))"
                )
            }
        }
        if let u, let period, !u.unit.isOpen(throughout: period.span) {
            let closed = u.unit.closingDate.map { ", closed \($0)" } ?? ""
            problem(
                "orgunit", input.unit,
                "'\(u.unit.code)' is not open throughout \(period.iso) (opened \(u.unit.openingDate)\(closed))",
                code: Problem.closedUnit)
        }
        let aoc = attributeOptionCombo(input.attributeOptionCombo)
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
                switch el.element.valueType.normalize(input.value) {
                case .valid(let v): value = v
                case .invalid(let reasons):
                    let reason = reasons.map(\.reason).joined(separator: "; ")
                    problem(
                        "value", input.value,
                        "\(reason) (data element '\(el.element.code)' is \(el.element.valueType.rawValue))",
                        code: reasons.first?.code)
                }
            }
        }
        guard problems.isEmpty, let el, let period, let u, let coc, let aoc else { return .invalid(problems) }
        return .valid(
            ResolvedValue(
                key: DataValueKey(
                    element: el.element.uid, period: period, unit: u.unit.uid, optionCombo: coc,
                    attributeOptionCombo: aoc),
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
