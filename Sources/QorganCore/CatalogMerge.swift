import Foundation

/// What a metadata import did to one object.
public struct MetadataChange: Hashable, Sendable, Codable {
    public enum Action: String, Sendable, Codable { case created, updated, unchanged }
    public var kind: String
    public var uid: String
    public var code: String
    public var action: Action
}

extension Catalog {
    /// Checks an expression against this catalog: it must parse, and every reference must exist.
    /// Throws `QorganError.invalidExpression` with the position of the first problem.
    public func check(expression text: String) throws -> Expression {
        let e = try Expression.parse(text)
        for r in e.references {
            func fail(_ reason: String) -> QorganError {
                .invalidExpression(text, position: r.position, reason: reason)
            }
            switch r.kind {
            case .element:
                guard let el = element(r.code) else { throw fail("no data element with code or uid '\(r.code)'") }
                if let combo = r.combo, optionCombo(combo, of: el) == nil {
                    let known = optionCombos(of: el).map(\.code).joined(separator: ", ")
                    throw fail("data element '\(el.code)' has no option combination '\(combo)' (it has: \(known))")
                }
                if !el.valueType.isNumeric {
                    throw fail("data element '\(el.code)' holds text, which cannot be computed with")
                }
            case .indicator:
                if indicator(r.code) == nil { throw fail("no indicator with code or uid '\(r.code)'") }
            case .constant:
                if constant(r.code) == nil { throw fail("no constant with code or uid '\(r.code)'") }
            case .reportingRate:
                if dataSet(r.code) == nil { throw fail("no data set with code or uid '\(r.code)'") }
                if ReportingMetric(rawValue: r.combo ?? "") == nil {
                    throw fail(
                        "'\(r.combo ?? "")' is not a reporting metric (\(ReportingMetric.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
            }
        }
        return e
    }

    /// This catalog with a metadata document applied: objects are matched by uid, else by
    /// code, and replaced whole; new ones are added. References in the document may be codes.
    /// All or nothing: throws `QorganError.rejected` listing every problem (object, field, reason).
    public func merging(
        _ doc: Catalog, source: String = "the metadata document",
        newUid: () -> String = { Uid.generate() }
    ) throws -> (Catalog, [MetadataChange]) {
        var problems: [Problem] = []
        var changes: [MetadataChange] = []
        var merged = self

        func upsert<T: Equatable>(
            _ kind: String, _ items: [T], into list: inout [T],
            uid: WritableKeyPath<T, String>, code: KeyPath<T, String>, name: KeyPath<T, String>
        ) {
            var seenCodes: [String: Int] = [:]
            var seenUids: [String: Int] = [:]
            var byCode: [String: Int] = [:]
            var byUid: [String: Int] = [:]
            for (i, x) in list.enumerated() {
                byCode[x[keyPath: code]] = i
                byUid[x[keyPath: uid]] = i
            }
            for (n, var item) in items.enumerated() {
                let label = "\(kind) \(item[keyPath: code].isEmpty ? "#\(n + 1)" : item[keyPath: code])"
                if item[keyPath: code].trimmingCharacters(in: .whitespaces).isEmpty {
                    problems.append(Problem(object: label, field: "code", reason: "a code is required"))
                    continue
                }
                if item[keyPath: name].trimmingCharacters(in: .whitespaces).isEmpty {
                    problems.append(Problem(object: label, field: "name", reason: "a name is required"))
                }
                if let m = seenCodes[item[keyPath: code]] {
                    problems.append(
                        Problem(
                            object: label, field: "code", value: item[keyPath: code],
                            reason: "appears twice in the document (also \(kind) #\(m + 1))"))
                    continue
                }
                seenCodes[item[keyPath: code]] = n
                let given = item[keyPath: uid]
                if !given.isEmpty {
                    if !Uid.isValid(given) {
                        problems.append(
                            Problem(
                                object: label, field: "uid", value: given,
                                reason: "a uid is 11 letters or digits, starting with a letter"))
                        continue
                    }
                    if seenUids[given] != nil {
                        problems.append(
                            Problem(object: label, field: "uid", value: given, reason: "appears twice in the document"))
                        continue
                    }
                    seenUids[given] = n
                }
                let existing = given.isEmpty ? byCode[item[keyPath: code]] : byUid[given]
                if let i = existing {
                    item[keyPath: uid] = list[i][keyPath: uid]
                    let same = list[i] == item
                    list[i] = item
                    changes.append(
                        MetadataChange(
                            kind: kind, uid: item[keyPath: uid], code: item[keyPath: code],
                            action: same ? .unchanged : .updated))
                } else {
                    if given.isEmpty { item[keyPath: uid] = newUid() }
                    byCode[item[keyPath: code]] = list.count
                    byUid[item[keyPath: uid]] = list.count
                    list.append(item)
                    changes.append(
                        MetadataChange(kind: kind, uid: item[keyPath: uid], code: item[keyPath: code], action: .created)
                    )
                }
            }
        }

        // Category options get uids from their category when none is given.
        let docCategories = doc.categories.map { cat -> Category in
            var c = cat
            c.options = c.options.map { o in
                var o = o
                if o.uid.isEmpty { o.uid = Uid.stable("categoryOption:\(cat.code):\(o.code)") }
                return o
            }
            return c
        }
        upsert("category", docCategories, into: &merged.categories, uid: \.uid, code: \.code, name: \.name)
        upsert(
            "categoryCombo", doc.categoryCombos, into: &merged.categoryCombos, uid: \.uid, code: \.code, name: \.name)
        upsert(
            "organisationUnit", doc.organisationUnits, into: &merged.organisationUnits, uid: \.uid, code: \.code,
            name: \.name)
        upsert("dataElement", doc.dataElements, into: &merged.dataElements, uid: \.uid, code: \.code, name: \.name)
        upsert("dataSet", doc.dataSets, into: &merged.dataSets, uid: \.uid, code: \.code, name: \.name)
        upsert("constant", doc.constants, into: &merged.constants, uid: \.uid, code: \.code, name: \.name)
        upsert("indicator", doc.indicators, into: &merged.indicators, uid: \.uid, code: \.code, name: \.name)
        upsert(
            "validationRule", doc.validationRules, into: &merged.validationRules, uid: \.uid, code: \.code,
            name: \.name)
        for level in doc.organisationUnitLevels {
            if level.level < 1 {
                problems.append(
                    Problem(object: "organisationUnitLevel \(level.level)", field: "level", reason: "levels start at 1")
                )
            }
            merged.organisationUnitLevels.removeAll { $0.level == level.level }
            merged.organisationUnitLevels.append(level)
        }
        merged.organisationUnitLevels.sort { $0.level < $1.level }
        for f in doc.reportFigures {
            merged.reportFigures.removeAll { $0.code == f.code }
            merged.reportFigures.append(f)
        }

        // Resolve references (code → uid) against the merged catalog.
        func resolver<T>(_ list: [T], _ uid: KeyPath<T, String>, _ code: KeyPath<T, String>) -> (String) -> String? {
            var d: [String: String] = [:]
            for x in list { d[x[keyPath: code]] = x[keyPath: uid] }
            for x in list { d[x[keyPath: uid]] = x[keyPath: uid] }
            return { d[$0] }
        }
        let unitRef = resolver(merged.organisationUnits, \.uid, \.code)
        let categoryRef = resolver(merged.categories, \.uid, \.code)
        let comboRef = resolver(merged.categoryCombos, \.uid, \.code)
        let elementRef = resolver(merged.dataElements, \.uid, \.code)
        let indicatorRef = resolver(merged.indicators, \.uid, \.code)

        for i in merged.categoryCombos.indices {
            let c = merged.categoryCombos[i]
            var seen = Set<String>()
            merged.categoryCombos[i].categories = c.categories.compactMap { ref in
                guard let u = categoryRef(ref) else {
                    problems.append(
                        Problem(
                            object: "categoryCombo \(c.code)", field: "categories", value: ref,
                            reason: "no category with code or uid '\(ref)'"))
                    return nil
                }
                if !seen.insert(u).inserted {
                    problems.append(
                        Problem(
                            object: "categoryCombo \(c.code)", field: "categories", value: ref,
                            reason: "a category can appear only once"))
                }
                return u
            }
        }
        for c in merged.categories {
            if c.options.isEmpty {
                problems.append(
                    Problem(
                        object: "category \(c.code)", field: "options", reason: "a category needs at least one option"))
            }
            var seen = Set<String>()
            for o in c.options where !seen.insert(o.code).inserted {
                problems.append(
                    Problem(
                        object: "category \(c.code)", field: "options", value: o.code,
                        reason: "option code appears twice", code: Problem.duplicateCode))
            }
        }
        for i in merged.organisationUnits.indices {
            let u = merged.organisationUnits[i]
            let label = "organisationUnit \(u.code)"
            if let c = u.closingDate, c < u.openingDate {
                problems.append(
                    Problem(
                        object: label, field: "closingDate", value: c.description,
                        reason: "closes before it opens (\(u.openingDate))"))
            }
            if u.parents.isEmpty {
                problems.append(
                    Problem(
                        object: label, field: "parents",
                        reason: "the parent history needs at least one step (parent null for a root)"))
            } else if u.parents[0].from != u.openingDate {
                problems.append(
                    Problem(
                        object: label, field: "parents", value: u.parents[0].from.description,
                        reason: "the first step of the parent history must start on the opening date \(u.openingDate)"))
            }
            for (a, b) in zip(u.parents, u.parents.dropFirst()) where b.from <= a.from {
                problems.append(
                    Problem(
                        object: label, field: "parents", value: b.from.description,
                        reason: "the parent history must be in date order"))
            }
            merged.organisationUnits[i].parents = u.parents.map { link in
                guard let ref = link.parent else { return link }
                guard let p = unitRef(ref) else {
                    problems.append(
                        Problem(
                            object: label, field: "parent", value: ref,
                            reason: "no organisation unit with code or uid '\(ref)'"))
                    return ParentLink(parent: nil, from: link.from)
                }
                if p == u.uid {
                    problems.append(
                        Problem(object: label, field: "parent", value: ref, reason: "a unit cannot be its own parent"))
                }
                return ParentLink(parent: p, from: link.from)
            }
        }
        for i in merged.dataElements.indices {
            let e = merged.dataElements[i]
            if let c = comboRef(e.categoryCombo) {
                merged.dataElements[i].categoryCombo = c
            } else {
                problems.append(
                    Problem(
                        object: "dataElement \(e.code)", field: "categoryCombo", value: e.categoryCombo,
                        reason: "no category combination with code or uid '\(e.categoryCombo)'"))
            }
            if !e.valueType.isNumeric && ![.count, .none, .last, .lastInPeriod].contains(e.aggregationType) {
                problems.append(
                    Problem(
                        object: "dataElement \(e.code)", field: "aggregationType", value: e.aggregationType.rawValue,
                        reason: "text values can only be counted, kept as the last value, or not aggregated"))
            }
        }
        for i in merged.dataSets.indices {
            let d = merged.dataSets[i]
            let label = "dataSet \(d.code)"
            merged.dataSets[i].dataElements = d.dataElements.compactMap { ref in
                if let e = elementRef(ref) { return e }
                problems.append(
                    Problem(
                        object: label, field: "dataElements", value: ref,
                        reason: "no data element with code or uid '\(ref)'"))
                return nil
            }
            merged.dataSets[i].organisationUnits = d.organisationUnits.compactMap { ref in
                if let u = unitRef(ref) { return u }
                problems.append(
                    Problem(
                        object: label, field: "organisationUnits", value: ref,
                        reason: "no organisation unit with code or uid '\(ref)'"))
                return nil
            }
            if d.timelyDays < 0 {
                problems.append(
                    Problem(object: label, field: "timelyDays", value: "\(d.timelyDays)", reason: "cannot be negative"))
            }
        }
        merged.reindex()

        problems += merged.hierarchyAndIndicatorProblems()

        for i in merged.reportFigures.indices {
            let f = merged.reportFigures[i]
            let label = "reportFigure \(f.code)"
            if let ind = indicatorRef(f.indicator) {
                merged.reportFigures[i].indicator = ind
            } else {
                problems.append(
                    Problem(
                        object: label, field: "indicator", value: f.indicator,
                        reason: "no indicator with code or uid '\(f.indicator)'"))
            }
            if let u = unitRef(f.unit) {
                merged.reportFigures[i].unit = u
            } else {
                problems.append(
                    Problem(
                        object: label, field: "unit", value: f.unit,
                        reason: "no organisation unit with code or uid '\(f.unit)'"))
            }
            if (try? PeriodSelection(f.periods)) == nil {
                problems.append(
                    Problem(
                        object: label, field: "periods", value: f.periods,
                        reason: "not a period or range (2016, 2013..2017)"))
            }
            if f.kind == .change && f.periodType == nil {
                problems.append(
                    Problem(
                        object: label, field: "periodType", reason: "a change figure needs the period type it compares")
                )
            }
        }
        problems += merged.validationRuleProblems()
        merged.reindex()
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
        return (merged, changes)
    }
}
