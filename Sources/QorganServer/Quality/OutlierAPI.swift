import Foundation
import Hummingbird
import QorganCore
import QorganStore

struct FollowUpBody: Decodable {
    var dataElement: String
    var period: String
    var orgUnit: String
    var categoryOptionCombo: String?
    var followup: Bool
}

struct MinMaxBody: Decodable {
    var dataElement: String
    var orgUnit: String
    var categoryOptionCombo: String?
    var minValue: Double
    var maxValue: Double
}

struct GenerateBoundsBody: Decodable {
    var dataSet: String
    var orgUnit: String
}

/// Outlier detection (DHIS2's `/api/outlierDetection`), the check the entry page makes before
/// saving a value, follow-up flags and min–max bounds.
extension Handlers {
    struct OutlierRequest {
        var elements: [DataElement]
        var roots: [String]
        var span: DaySpan
        var algorithm: OutlierAlgorithm
        var threshold: Double
        var limit: Int
    }

    /// The numeric elements people enter (derived ones come from the registers).
    static func enteredElements(_ catalog: Catalog) -> [DataElement] {
        catalog.dataElements.filter { $0.valueType.isNumeric && $0.derivedFrom == nil }
    }

    /// The scope of an outlier search from a request's parameters.
    func outlierRequest(_ r: Request, _ c: AppContext, _ catalog: Catalog) throws -> OutlierRequest {
        try outlierRequest({ HTTP.params(r, $0) }, c, catalog)
    }

    /// The scope of an outlier search from named parameters (each name's values, in order).
    func outlierRequest(_ params: (String) -> [String], _ c: AppContext, _ catalog: Catalog) throws -> OutlierRequest {
        func param(_ name: String) -> String? { params(name).first { !$0.isEmpty } }
        let user = try c.requireUser()
        var elements: [DataElement] = []
        for ref in params("ds") {
            guard let ds = catalog.dataSet(ref) else {
                throw APIError.unknown("ds", ref, "no data set with this code or uid")
            }
            elements += ds.dataElements.compactMap { catalog.element($0) }
        }
        for ref in params("de") {
            guard let e = catalog.element(ref) else {
                throw APIError.unknown("de", ref, "no data element with this code or uid")
            }
            elements.append(e)
        }
        var seen = Set<String>()
        elements = (elements.isEmpty ? Self.enteredElements(catalog) : elements).filter {
            $0.valueType.isNumeric && seen.insert($0.uid).inserted
        }
        var roots: [String] = []
        for ref in params("ou") {
            guard let u = catalog.unit(ref) else {
                throw APIError.unknown("ou", ref, "no organisation unit with this code or uid")
            }
            guard user.canSee(u.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(ref) }
            roots.append(u.uid)
        }
        if roots.isEmpty { roots = user.units }
        let span: DaySpan
        if let pe = param("pe") {
            guard let s = try? PeriodSelection(pe) else {
                throw APIError.badRequest("pe", pe, "not a period or range (2017, 2016..2017)")
            }
            span = s.span
        } else {
            let start = try param("startDate").map { text -> Day in
                guard let d = Day(iso: text) else { throw APIError.badRequest("startDate", text, "a date YYYY-MM-DD") }
                return d
            }
            let end = try param("endDate").map { text -> Day in
                guard let d = Day(iso: text) else { throw APIError.badRequest("endDate", text, "a date YYYY-MM-DD") }
                return d
            }
            guard let start, let end else {
                throw APIError.illegalQuery("pe", nil, "required: a period or range (or startDate and endDate)")
            }
            guard start <= end else { throw APIError.badRequest("endDate", end.description, "before startDate") }
            span = DaySpan(start: start, end: end)
        }
        let algorithmName = param("algorithm") ?? "MOD_Z_SCORE"
        guard let algorithm = OutlierAlgorithm(name: algorithmName) else {
            throw APIError.badRequest(
                "algorithm", algorithmName, OutlierAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))
        }
        var threshold = algorithm.defaultThreshold
        if let t = param("threshold") {
            guard let v = Double(t), v > 0, v <= 99 else {
                throw APIError.badRequest("threshold", t, "a number above 0, at most 99")
            }
            threshold = v
        }
        var limit = 100
        if let text = param("maxResults") {
            guard let n = Int(text), (1...10_000).contains(n) else {
                throw APIError.badRequest("maxResults", text, "a whole number from 1 to 10000")
            }
            limit = n
        }
        return OutlierRequest(
            elements: elements, roots: roots, span: span, algorithm: algorithm, threshold: threshold, limit: limit)
    }

    /// GET /api/outlierDetection: the largest outliers for a scope, DHIS2's shape.
    func outlierDetection(_ r: Request, _ c: AppContext) throws -> Response {
        let catalog = try catalog()
        let q = try outlierRequest(r, c, catalog)
        let outliers = try detectOutliers(q, catalog)
        return HTTP.data(
            JSONValue.object([
                (
                    "metadata",
                    .object([
                        ("algorithm", .string(q.algorithm.rawValue)), ("threshold", .number(q.threshold)),
                        ("maxResults", .number(Double(q.limit))), ("count", .number(Double(outliers.count))),
                    ])
                ),
                ("outlierValues", .array(outliers.map { outlierJSON($0, catalog, c.language) })),
            ]).data, type: "application/json; charset=utf-8")
    }

    func detectOutliers(_ q: OutlierRequest, _ catalog: Catalog) throws -> [OutlierValue] {
        let values = try store.values(elements: q.elements.map(\.uid)).filter { v in
            q.roots.contains { catalog.isInSubtree(v.key.unit, of: $0, on: v.key.period.start) }
        }
        let bounds = q.algorithm == .minMax ? try store.minMaxBounds(elements: q.elements.map(\.uid)) : [:]
        return OutlierDetection.detect(
            values, inScope: { q.span.contains($0.period.span) }, algorithm: q.algorithm, threshold: q.threshold,
            bounds: bounds, limit: q.limit)
    }

    func outlierJSON(_ o: OutlierValue, _ catalog: Catalog, _ language: String) -> JSONValue {
        func number(_ d: Double?) -> JSONValue { d.map { .number(($0 * 1000).rounded() / 1000) } ?? .null }
        let element = catalog.element(o.key.element)
        let coc = catalog.optionCombo(uid: o.key.optionCombo)
        return .object([
            ("de", .string(o.key.element)), ("deName", .string(element?.name(in: language))),
            ("deCode", .string(element?.code)), ("pe", .string(o.key.period.iso)), ("ou", .string(o.key.unit)),
            ("ouName", .string(catalog.unit(o.key.unit)?.name(in: language))),
            ("ouCode", .string(catalog.unit(o.key.unit)?.code)), ("coc", .string(o.key.optionCombo)),
            ("cocName", .string(coc?.name)), ("value", number(o.value)), ("mean", number(o.statistics?.mean)),
            ("stdDev", number(o.statistics?.standardDeviation)), ("median", number(o.statistics?.median)),
            ("medianAbsDeviation", number(o.statistics?.medianAbsoluteDeviation)),
            ("zScore", number(o.score)), ("lowerBound", number(o.bounds?.min)), ("upperBound", number(o.bounds?.max)),
            ("followup", .bool(o.followUp)),
        ])
    }

    /// GET /api/outlierDetection/check?de=&co=&ou=&pe=&value=: would this value be far from the
    /// unit's own history? Asked by the entry page before it saves.
    func outlierCheck(_ r: Request, _ c: AppContext) throws -> Response {
        let catalog = try catalog()
        let k = try key(r, c, catalog)
        let text = try HTTP.required(r, "value")
        guard let x = Double(text), x.isFinite else { throw APIError.badRequest("value", text, "a number") }
        let history = try store.values(elements: [k.element], units: [k.unit]).filter {
            $0.key.optionCombo == k.optionCombo && $0.key.period.type == k.period.type && $0.key.period != k.period
                && !$0.deleted
        }.compactMap(\.number)
        let bounds = try store.minMaxBounds(elements: [k.element])["\(k.element)|\(k.optionCombo)|\(k.unit)"]
        let judged = OutlierDetection.judge(
            x, history: history, algorithm: .modifiedZScore,
            threshold: OutlierAlgorithm.modifiedZScore.defaultThreshold, bounds: bounds.map { ($0.min, $0.max) })
        let outsideBounds = bounds.map { x < $0.min || x > $0.max } ?? false
        let stats = judged.statistics
        return HTTP.data(
            JSONValue.object([
                ("outlier", .bool(judged.outlier || outsideBounds)), ("history", .number(Double(history.count))),
                ("median", stats.map { .number($0.median) } ?? .null),
                ("zScore", judged.score.map { .number(($0 * 100).rounded() / 100) } ?? .null),
                ("lowerBound", bounds.map { .number($0.min) } ?? .null),
                ("upperBound", bounds.map { .number($0.max) } ?? .null),
                ("usualLow", stats.map { .number($0.generatedBounds(nonNegative: x >= 0).min) } ?? .null),
                ("usualHigh", stats.map { .number($0.generatedBounds(nonNegative: x >= 0).max) } ?? .null),
            ]).data, type: "application/json; charset=utf-8")
    }

    /// An element, a unit in the caller's scope and an option combination of the element (the
    /// default when none is given), resolved from a body's fields.
    func operand(
        _ element: String, _ unit: String, _ combo: String?, _ user: Principal, _ catalog: Catalog
    ) throws -> (DataElement, OrgUnit, CategoryOptionCombo) {
        guard let e = catalog.element(element) else {
            throw APIError.unknown("dataElement", element, "no data element with this code or uid")
        }
        guard let u = catalog.unit(unit) else {
            throw APIError.unknown("orgUnit", unit, "no organisation unit with this code or uid")
        }
        guard user.canSee(u.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(unit) }
        let cocRef = combo ?? CategoryOptionCombo.defaultUid
        guard let coc = catalog.optionCombo(cocRef, of: e) else {
            throw APIError.badRequest("categoryOptionCombo", cocRef, "not an option combination of \(e.code)")
        }
        return (e, u, coc)
    }

    /// PUT /api/dataValues/followup: mark a stored value for follow-up, or clear the mark.
    func setFollowUp(_ b: FollowUpBody, _ c: AppContext) throws -> ValueJSON {
        let user = try c.requireUser()
        guard user.role != .viewer else { throw APIError.forbidden("a viewer cannot mark values for follow-up") }
        let catalog = try catalog()
        let (e, u, coc) = try operand(b.dataElement, b.orgUnit, b.categoryOptionCombo, user, catalog)
        guard let p = Period.parse(b.period) else {
            throw APIError.badRequest("period", b.period, QorganError.invalidPeriod(b.period).description)
        }
        let k = DataValueKey(element: e.uid, period: p, unit: u.uid, optionCombo: coc.uid)
        try store.setFollowUp(k, b.followup, by: user.username)
        guard let v = try store.value(k) else { throw APIError.notFound("no value is stored for this key") }
        return ValueJSON(v)
    }

    /// POST /api/minMaxValues: bounds for one element, combination and unit, set by hand.
    func setMinMax(_ b: MinMaxBody, _ c: AppContext) throws -> Response {
        let user = try requireValueWriter(c)
        let catalog = try catalog()
        let (e, u, coc) = try operand(b.dataElement, b.orgUnit, b.categoryOptionCombo, user, catalog)
        guard b.minValue.isFinite, b.maxValue.isFinite, b.minValue <= b.maxValue else {
            throw APIError.badRequest("maxValue", String(b.maxValue), "numbers, with minValue no larger than maxValue")
        }
        let bounds = MinMaxBounds(
            element: e.uid, optionCombo: coc.uid, unit: u.uid, min: b.minValue, max: b.maxValue, generated: false)
        try store.saveBounds([bounds], by: user.username)
        return try HTTP.json(["saved": 1])
    }

    /// POST /api/minMaxValues/generate: bounds from each series' history, for a form's elements in
    /// a unit's subtree (series with too short a history get none).
    func generateMinMax(_ b: GenerateBoundsBody, _ c: AppContext) throws -> Response {
        let user = try requireValueWriter(c)
        let catalog = try catalog()
        guard let ds = catalog.dataSet(b.dataSet) else {
            throw APIError.unknown("dataSet", b.dataSet, "no data set with this code or uid")
        }
        guard let root = catalog.unit(b.orgUnit) else {
            throw APIError.unknown("orgUnit", b.orgUnit, "no organisation unit with this code or uid")
        }
        guard user.canSee(root.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(b.orgUnit) }
        let bounds = try store.generatedBounds(catalog, form: ds, root: root.uid)
        try store.saveBounds(bounds, by: user.username)
        return try HTTP.json(["generated": bounds.count])
    }
}
