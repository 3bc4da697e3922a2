/// All metadata of a programme, with the lookups the rest of Qorgan needs.
///
/// Objects reference each other by uid. A metadata document (the JSON that
/// `qorgan metadata import` reads) has the same shape, but its references may be
/// codes; `merging(_:)` resolves them.
public struct Catalog: Sendable, Codable, Equatable {
    public var organisationUnitLevels: [OrgUnitLevel] = []
    public var organisationUnits: [OrgUnit] = []
    public var categories: [Category] = []
    public var categoryCombos: [CategoryCombo] = []
    public var dataElements: [DataElement] = []
    public var dataSets: [DataSet] = []
    public var indicators: [Indicator] = []
    public var constants: [Constant] = []
    public var reportFigures: [ReportFigure] = []
    public var validationRules: [ValidationRule] = []

    enum CodingKeys: String, CodingKey {
        case organisationUnitLevels, organisationUnits, categories, categoryCombos, dataElements,
            dataSets, indicators, constants, reportFigures, validationRules
    }

    /// The default disaggregation (none) and nothing else.
    public init() {
        categoryCombos = [
            CategoryCombo(uid: CategoryCombo.defaultUid, code: CategoryCombo.defaultCode, name: "None", categories: [])
        ]
        reindex()
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        organisationUnitLevels = try c.decodeIfPresent([OrgUnitLevel].self, forKey: .organisationUnitLevels) ?? []
        organisationUnits = try c.decodeIfPresent([OrgUnit].self, forKey: .organisationUnits) ?? []
        categories = try c.decodeIfPresent([Category].self, forKey: .categories) ?? []
        categoryCombos = try c.decodeIfPresent([CategoryCombo].self, forKey: .categoryCombos) ?? []
        dataElements = try c.decodeIfPresent([DataElement].self, forKey: .dataElements) ?? []
        dataSets = try c.decodeIfPresent([DataSet].self, forKey: .dataSets) ?? []
        indicators = try c.decodeIfPresent([Indicator].self, forKey: .indicators) ?? []
        constants = try c.decodeIfPresent([Constant].self, forKey: .constants) ?? []
        reportFigures = try c.decodeIfPresent([ReportFigure].self, forKey: .reportFigures) ?? []
        validationRules = try c.decodeIfPresent([ValidationRule].self, forKey: .validationRules) ?? []
        reindex()
    }

    public static func == (a: Catalog, b: Catalog) -> Bool {
        a.organisationUnitLevels == b.organisationUnitLevels && a.organisationUnits == b.organisationUnits
            && a.categories == b.categories && a.categoryCombos == b.categoryCombos
            && a.dataElements == b.dataElements && a.dataSets == b.dataSets && a.indicators == b.indicators
            && a.constants == b.constants && a.reportFigures == b.reportFigures
            && a.validationRules == b.validationRules
    }

    // MARK: Indexes (derived; rebuilt by reindex())

    private var unitIndex: [String: Int] = [:]
    private var unitCodeIndex: [String: Int] = [:]
    private var childIndex: [String: [String]] = [:]
    private var elementIndex: [String: Int] = [:]
    private var indicatorIndex: [String: Int] = [:]
    private var constantIndex: [String: Int] = [:]
    private var dataSetIndex: [String: Int] = [:]
    private var comboIndex: [String: Int] = [:]
    private var categoryIndex: [String: Int] = [:]
    private var ruleIndex: [String: Int] = [:]
    public private(set) var optionCombos: [String: [CategoryOptionCombo]] = [:]
    private var optionComboIndex: [String: CategoryOptionCombo] = [:]
    private var elementDataSets: [String: [String]] = [:]
    private var formUnits: [String: Set<String>] = [:]

    /// Rebuilds the lookups after the arrays change.
    public mutating func reindex() {
        func index<T>(_ xs: [T], _ uid: KeyPath<T, String>, _ code: KeyPath<T, String>) -> [String: Int] {
            var d: [String: Int] = [:]
            for (i, x) in xs.enumerated() { d[x[keyPath: code]] = i }
            for (i, x) in xs.enumerated() { d[x[keyPath: uid]] = i }  // a uid wins over a code
            return d
        }
        unitIndex = [:]
        unitCodeIndex = [:]
        for (i, u) in organisationUnits.enumerated() {
            unitIndex[u.uid] = i
            unitCodeIndex[u.code] = i
        }
        childIndex = [:]
        for u in organisationUnits {
            for p in Set(u.parents.compactMap(\.parent)) { childIndex[p, default: []].append(u.uid) }
        }
        elementIndex = index(dataElements, \.uid, \.code)
        indicatorIndex = index(indicators, \.uid, \.code)
        constantIndex = index(constants, \.uid, \.code)
        dataSetIndex = index(dataSets, \.uid, \.code)
        comboIndex = index(categoryCombos, \.uid, \.code)
        categoryIndex = index(categories, \.uid, \.code)
        ruleIndex = index(validationRules, \.uid, \.code)
        optionCombos = [:]
        optionComboIndex = [:]
        for combo in categoryCombos {
            let cocs = deriveOptionCombos(combo)
            optionCombos[combo.uid] = cocs
            for c in cocs { optionComboIndex[c.uid] = c }
        }
        elementDataSets = [:]
        for ds in dataSets { for e in ds.dataElements { elementDataSets[e, default: []].append(ds.uid) } }
        formUnits = [:]
        for ds in dataSets { formUnits[ds.uid] = Set(ds.organisationUnits) }
    }

    private func deriveOptionCombos(_ combo: CategoryCombo) -> [CategoryOptionCombo] {
        if combo.uid == CategoryCombo.defaultUid || combo.categories.isEmpty {
            let uid =
                combo.uid == CategoryCombo.defaultUid ? CategoryOptionCombo.defaultUid : Uid.stable("coc:\(combo.uid)")
            return [
                CategoryOptionCombo(uid: uid, code: "default", name: "default", categoryCombo: combo.uid, options: [])
            ]
        }
        var rows: [[CategoryOption]] = [[]]
        for ref in combo.categories {
            guard let i = categoryIndex[ref] else { return [] }
            rows = rows.flatMap { row in categories[i].options.map { row + [$0] } }
        }
        return rows.map { opts in
            CategoryOptionCombo(
                uid: Uid.stable("coc:\(combo.uid):" + opts.map(\.uid).joined(separator: ":")),
                code: opts.map(\.code).joined(separator: "_"),
                name: opts.map(\.name).joined(separator: ", "),
                categoryCombo: combo.uid, options: opts.map(\.uid))
        }
    }

    // MARK: Lookups by code or uid

    // Every lookup of a reference from input goes through these, with the one normalisation
    // the store's resolver applies (spaces and tabs around it dropped): a server that checks
    // access on `unit(ref)` sees exactly the unit the store would write to. Anything else
    // (case, look-alike letters, encodings) matches nothing.

    public func unit(_ ref: String) -> OrgUnit? {
        let ref = ref.trimmedSpaces
        return (unitIndex[ref] ?? unitCodeIndex[ref]).map { organisationUnits[$0] }
    }
    public func element(_ ref: String) -> DataElement? { elementIndex[ref.trimmedSpaces].map { dataElements[$0] } }
    public func indicator(_ ref: String) -> Indicator? { indicatorIndex[ref.trimmedSpaces].map { indicators[$0] } }
    public func constant(_ ref: String) -> Constant? { constantIndex[ref.trimmedSpaces].map { constants[$0] } }
    public func dataSet(_ ref: String) -> DataSet? { dataSetIndex[ref.trimmedSpaces].map { dataSets[$0] } }
    public func validationRule(_ ref: String) -> ValidationRule? {
        ruleIndex[ref.trimmedSpaces].map { validationRules[$0] }
    }
    public func categoryCombo(_ ref: String) -> CategoryCombo? {
        comboIndex[ref.trimmedSpaces].map { categoryCombos[$0] }
    }
    public func category(_ ref: String) -> Category? { categoryIndex[ref.trimmedSpaces].map { categories[$0] } }
    public func optionCombo(uid: String) -> CategoryOptionCombo? { optionComboIndex[uid] }

    /// An option combination's name in `language`: its options' names, translated where they are.
    public func name(of combo: CategoryOptionCombo, in language: String) -> String {
        // The combination's options are one of each of its categories', in the categories' order.
        guard let categoryRefs = categoryCombo(combo.categoryCombo)?.categories,
            categoryRefs.count == combo.options.count, !combo.options.isEmpty
        else { return combo.name }
        var names: [String] = []
        for (ref, uid) in zip(categoryRefs, combo.options) {
            guard let option = category(ref)?.options.first(where: { $0.uid == uid }) else { return combo.name }
            names.append(option.name(in: language))
        }
        return names.joined(separator: ", ")
    }

    /// The option combinations of an element, in the order of its categories' options.
    public func optionCombos(of element: DataElement) -> [CategoryOptionCombo] {
        optionCombos[element.categoryCombo] ?? []
    }

    /// An option combination of `element` by code or uid; blank means the default.
    public func optionCombo(_ ref: String, of element: DataElement) -> CategoryOptionCombo? {
        let cocs = optionCombos(of: element)
        let ref = ref.trimmedSpaces
        if ref.isEmpty { return cocs.count == 1 && cocs[0].code == "default" ? cocs[0] : nil }
        return cocs.first { $0.uid == ref } ?? cocs.first { $0.code == ref }
    }

    /// An attribute option combination: only the default one exists so far.
    public func attributeOptionCombo(_ ref: String) -> CategoryOptionCombo? {
        let d = optionCombos[CategoryCombo.defaultUid]?.first
        let ref = ref.trimmedSpaces
        if ref.isEmpty || ref == d?.uid || ref == d?.code { return d }
        return nil
    }

    /// Whether `form` (one of this catalog's) is assigned to the unit with uid `unit`: a set
    /// lookup, where the form's list of units is thousands long in a national programme and is
    /// asked once per row of an import.
    public func assigns(_ form: DataSet, to unit: String) -> Bool {
        formUnits[form.uid]?.contains(unit) ?? form.organisationUnits.contains(unit)
    }

    /// The data sets an element is reported on.
    public func dataSets(of element: DataElement) -> [DataSet] {
        (elementDataSets[element.uid] ?? []).compactMap { dataSet($0) }
    }

    // MARK: The hierarchy over time

    /// The unit's ancestors on `day`, nearest first.
    public func ancestors(of unitUid: String, on day: Day) -> [String] {
        var out: [String] = []
        var current = unit(unitUid)?.parent(on: day)
        while let p = current, out.count <= organisationUnits.count {
            out.append(p)
            current = unit(p)?.parent(on: day)
        }
        return out
    }

    /// Whether `unitUid` is `ancestorUid` or lies below it, as the hierarchy stood on `day`.
    public func isInSubtree(_ unitUid: String, of ancestorUid: String, on day: Day) -> Bool {
        if unitUid == ancestorUid { return true }
        var current = unit(unitUid)?.parent(on: day)
        var steps = 0
        while let p = current, steps <= organisationUnits.count {
            if p == ancestorUid { return true }
            current = unit(p)?.parent(on: day)
            steps += 1
        }
        return false
    }

    /// 1 for a root, 2 for its children, … on `day`.
    public func level(of unitUid: String, on day: Day) -> Int { ancestors(of: unitUid, on: day).count + 1 }

    /// The children of a unit on `day` that are open that day, by name.
    public func children(of unitUid: String, on day: Day) -> [OrgUnit] {
        (childIndex[unitUid] ?? []).compactMap { unit($0) }
            .filter { $0.parent(on: day) == unitUid && $0.isOpen(on: day) }
            .sorted { $0.name < $1.name }
    }

    public func roots(on day: Day) -> [OrgUnit] {
        organisationUnits.filter { $0.parent(on: day) == nil && $0.isOpen(on: day) }.sorted { $0.name < $1.name }
    }

    /// Open units at `level` on `day`.
    public func units(atLevel level: Int, on day: Day) -> [OrgUnit] {
        organisationUnits.filter { $0.isOpen(on: day) && self.level(of: $0.uid, on: day) == level }
            .sorted { $0.name < $1.name }
    }
}
