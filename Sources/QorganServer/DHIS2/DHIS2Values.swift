import Foundation
import Hummingbird
import NIOCore
import QorganCore
import QorganInterop
import QorganStore

extension IdScheme {
    /// The scheme a DHIS2 parameter names (`UID`, `CODE`, `NAME`, any case), falling back to
    /// `idScheme`, then to `fallback`; 400 for any other.
    static func from(_ r: Request, _ name: String, default fallback: IdScheme = .uid) throws -> IdScheme {
        guard let v = HTTP.param(r, name) ?? HTTP.param(r, "idScheme") else { return fallback }
        guard let s = IdScheme(rawValue: v.lowercased()) else {
            throw APIError.badRequest(name, v, "UID, CODE or NAME (attribute schemes are not supported)")
        }
        return s
    }
}

extension IdSchemes {
    /// `dataElementIdScheme` and `orgUnitIdScheme` (each falling back to `idScheme`, then `fallback`).
    static func from(_ r: Request, default fallback: IdScheme) throws -> IdSchemes {
        IdSchemes(
            elements: try IdScheme.from(r, "dataElementIdScheme", default: fallback),
            units: try IdScheme.from(r, "orgUnitIdScheme", default: fallback))
    }
}

/// DHIS2's import summary, with its Web API envelope (`httpStatus`, `response`) around the same
/// fields, so that scripts written for DHIS2 before and after 2.38 both find what they read.
struct DHIS2ImportSummary {
    var status: String
    var imported = 0, updated = 0, ignored = 0, deleted = 0
    var conflicts: [Problem] = []
    var dryRun: Bool
    var strategy: String
    var description: String

    var summary: [(String, JSONValue)] {
        [
            ("responseType", .string("ImportSummary")), ("status", .string(status)),
            ("description", .string(description)),
            (
                "importOptions",
                .object([
                    ("dryRun", .bool(dryRun)), ("importStrategy", .string(strategy)),
                    ("idSchemes", .object([])),
                ])
            ),
            (
                "importCount",
                .object([
                    ("imported", .int(imported)), ("updated", .int(updated)), ("ignored", .int(ignored)),
                    ("deleted", .int(deleted)),
                ])
            ),
            (
                "conflicts",
                .array(
                    conflicts.map { p in
                        var m: [(String, JSONValue)] = [
                            ("object", .string(p.value ?? p.field ?? "")), ("value", .string(p.reason)),
                        ]
                        if let f = p.field { m.append(("property", .string(f))) }
                        if let l = p.line { m.append(("line", .int(l))) }
                        if let o = p.object {
                            m.append(("location", .string(o)))
                            if let i = Self.index(o) { m.append(("indexes", .array([.int(i)]))) }
                        }
                        return .object(m)
                    })
            ),
            ("dataSetComplete", .string("false")),
        ]
    }

    /// `dataValues[12]` → 12.
    static func index(_ location: String) -> Int? {
        guard location.hasPrefix("dataValues["), location.hasSuffix("]") else { return nil }
        return Int(location.dropFirst("dataValues[".count).dropLast())
    }

    func response(status code: HTTPResponse.Status) -> Response {
        var body = summary
        body += [
            ("httpStatus", .string(code.reasonPhrase)), ("httpStatusCode", .int(Int(code.code))),
            ("message", .string(description)), ("response", .object(summary)),
        ]
        if status == "ERROR" {
            // Qorgan's own error fields too: the same problems, by line and field.
            body += [
                ("code", .string("rejected")),
                (
                    "problems",
                    .array(
                        conflicts.map { p in
                            .object(
                                [
                                    ("line", p.line.map { .int($0) } ?? .null), ("object", .string(p.object)),
                                    ("field", .string(p.field)), ("value", .string(p.value)),
                                    ("reason", .string(p.reason)),
                                ].filter { $0.1 != .null })
                        })
                ),
            ]
        }
        return Response(
            status: code, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(data: JSONValue.object(body).data)))
    }
}

extension Handlers {
    /// POST /api/dataValueSets: JSON, CSV (`application/csv`, `text/csv`) or ADX
    /// (`application/adx+xml`), all or nothing. `dryRun`, `importStrategy` (CREATE_AND_UPDATE or
    /// DELETE), `idScheme`, `dataElementIdScheme`, `orgUnitIdScheme`.
    func importValueSet(_ data: Data, _ r: Request, _ c: AppContext) throws -> Response {
        let user = try requireValueWriter(c)
        let rules = try formRules(user, r)
        let dryRun = try HTTP.flag(r, "dryRun")
        let strategy = (HTTP.param(r, "importStrategy") ?? "CREATE_AND_UPDATE").uppercased()
        guard ["CREATE_AND_UPDATE", "NEW_AND_UPDATES", "DELETE", "DELETES"].contains(strategy) else {
            throw APIError.badRequest(
                "importStrategy", strategy,
                "CREATE_AND_UPDATE (the default) or DELETE; CREATE and UPDATE alone are not supported")
        }
        let catalog = try catalog()
        let type = (r.headers[.contentType] ?? "").lowercased()
        let source = "the data value set"
        var inputs: [DataValueInput]
        if type.contains("adx") || c.suffixFormat == "adx" {
            inputs = try ADX.parse(data, catalog: catalog, source: source)
        } else if type.contains("csv") || c.suffixFormat == "csv" {
            guard let text = String(data: data, encoding: .utf8) else {
                throw APIError.badRequest("body", nil, "CSV is read as UTF-8 text")
            }
            inputs = try DataValueCSV.parse(
                text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, source: source)
        } else if type.contains("xml") || c.suffixFormat == "xml" {
            // DHIS2's own XML (DXF2) is not read: ADX is the XML exchange format.
            if String(decoding: data.prefix(4_096), as: UTF8.self).contains(ADX.namespace) {
                inputs = try ADX.parse(data, catalog: catalog, source: source)
            } else {
                throw APIError(
                    .unsupportedMediaType, code: "unsupported_media_type",
                    "XML data value sets are read as ADX (application/adx+xml); DXF2 XML is not supported: send JSON, CSV or ADX"
                )
            }
        } else {
            inputs = try DataValueSetJSON.parse(data, source: source)
        }
        guard inputs.count <= 1_000_000 else {
            throw APIError.badRequest("dataValues", String(inputs.count), "at most 1 000 000 values in one request")
        }
        try applyIdSchemes(&inputs, r, catalog)
        if strategy.hasPrefix("DELETE") { for i in inputs.indices { inputs[i].deleted = "true" } }
        let strategyName = strategy.hasPrefix("DELETE") ? "DELETE" : "CREATE_AND_UPDATE"
        do {
            // A batch that reaches outside the caller's units, or into a closed form, is refused whole (403/409).
            let s = try store.saveValues(
                inputs, source: source, user: user.username, dryRun: dryRun, authorize: valueAuthorizer(user),
                rules: rules, skipDerived: true)
            if !dryRun { state.valuesSaved.increment(by: Int64(s.imported + s.updated + s.deleted)) }
            let done =
                "\(dryRun ? "Dry run, nothing saved: would import" : "Imported") \(s.imported), updated \(s.updated), "
                + "ignored \(s.unchanged + s.derived) (\(s.unchanged) unchanged, \(s.derived) derived), deleted \(s.deleted)"
            return DHIS2ImportSummary(
                status: "SUCCESS", imported: s.imported, updated: s.updated, ignored: s.unchanged + s.derived,
                deleted: s.deleted,
                dryRun: dryRun, strategy: strategyName, description: done
            ).response(status: .ok)
        } catch QorganError.rejected(_, let problems) {
            return DHIS2ImportSummary(
                status: "ERROR", ignored: inputs.count, conflicts: problems, dryRun: dryRun, strategy: strategyName,
                description:
                    "Nothing was imported: \(problems.count) conflict\(problems.count == 1 ? "" : "s") among \(inputs.count) value\(inputs.count == 1 ? "" : "s") (a data value set is all or nothing)"
            ).response(status: .conflict)
        }
    }

    /// Names in a NAME scheme become uids (codes and uids are understood whatever the scheme).
    func applyIdSchemes(_ inputs: inout [DataValueInput], _ r: Request, _ catalog: Catalog) throws {
        let schemes = try IdSchemes.from(r, default: .uid)
        _ = try IdScheme.from(r, "categoryOptionComboIdScheme")
        if schemes.elements == .name {
            let byName = Dictionary(catalog.dataElements.map { ($0.name, $0.uid) }, uniquingKeysWith: { a, _ in a })
            for i in inputs.indices { if let uid = byName[inputs[i].element] { inputs[i].element = uid } }
        }
        if schemes.units == .name {
            let byName = Dictionary(
                catalog.organisationUnits.map { ($0.name, $0.uid) }, uniquingKeysWith: { a, _ in a })
            for i in inputs.indices { if let uid = byName[inputs[i].unit] { inputs[i].unit = uid } }
        }
    }

    /// GET /api/dataValueSets: the values of data sets or elements, for periods (or startDate and
    /// endDate) and units (with `children=true`, their subtrees), as JSON, CSV or ADX.
    func exportValueSet(_ r: Request, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        let catalog = try catalog()
        let today = state.today
        var elements: [String] = []
        let dataSets = try HTTP.params(r, "dataSet").map { ref -> DataSet in
            guard let d = catalog.dataSet(ref) else {
                throw APIError.unknown("dataSet", ref, "no data set with this uid or code")
            }
            return d
        }
        for d in dataSets { elements += d.dataElements }
        for ref in HTTP.params(r, "dataElement") {
            guard let e = catalog.element(ref) else {
                throw APIError.unknown("dataElement", ref, "no data element with this uid or code")
            }
            elements.append(e.uid)
        }
        guard !elements.isEmpty else {
            throw APIError.illegalQuery("dataSet", nil, "give at least one dataSet or dataElement")
        }
        let periods = try HTTP.params(r, "period").map { pe -> Period in
            guard let p = Period.parse(pe) else {
                throw APIError.badRequest("period", pe, Period.problem(with: pe))
            }
            return p
        }
        let span = try HTTP.dateSpan(r)
        guard !periods.isEmpty || span != nil else {
            throw APIError.illegalQuery("period", nil, "give at least one period, or startDate and endDate")
        }
        let roots = try HTTP.params(r, "orgUnit").map { ref -> OrgUnit in
            guard let u = catalog.unit(ref) else {
                throw APIError.unknown("orgUnit", ref, "no organisation unit with this uid or code")
            }
            guard user.canSee(u.uid, in: catalog, on: today) else { throw APIError.outOfScope(ref) }
            return u
        }
        guard !roots.isEmpty else { throw APIError.badRequest("orgUnit", nil, "give at least one orgUnit") }
        var units = Set(roots.map(\.uid))
        if try HTTP.flag(r, "children") {
            for u in catalog.organisationUnits
            where roots.contains(where: { catalog.isInSubtree(u.uid, of: $0.uid, on: today) }) {
                units.insert(u.uid)
            }
        }
        var values = try store.values(
            elements: Array(Set(elements)), units: units, periods: periods.isEmpty ? nil : periods, within: span,
            includeDeleted: try HTTP.flag(r, "includeDeleted"))
        if let limit = try HTTP.int(r, "limit", in: 1...10_000_000) { values = Array(values.prefix(limit)) }
        let format = try format(r, c, allowed: ["json", "csv", "adx"])
        // ADX writes codes unless a scheme is asked for (its habit); CSV and JSON uids (DHIS2's).
        let schemes = try IdSchemes.from(r, default: format == "adx" ? .code : .uid)
        switch format {
        case "csv":
            let text = DataValueCSV.write(values, catalog: catalog, idSchemes: schemes)
            return HTTP.data(Data(text.utf8), type: "application/csv; charset=utf-8", filename: "dataValueSet.csv")
        case "adx":
            return HTTP.data(
                ADX.write(values, catalog: catalog, idSchemes: schemes), type: "application/adx+xml; charset=utf-8")
        default: break
        }
        let rows = values.map { DataValueSetJSON.row($0, catalog: catalog, idSchemes: schemes) }
        let stamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var body: [(String, JSONValue)] = []
        // One form, period and unit: the form's state too, as DHIS2 (completeDate) and Qorgan give it.
        if dataSets.count == 1, periods.count == 1, roots.count == 1, units.count == 1, span == nil {
            let (form, p, u) = (dataSets[0], periods[0], roots[0])
            let done = try store.completion(dataSet: form.uid, period: p.iso, unit: u.uid)
            body = [
                ("dataSet", .string(form.uid)), ("period", .string(p.iso)),
                ("orgUnit", .string(schemes.units.write(u.uid, catalog))),
                ("completeDate", .string(done.map { $0.completedAt.formatted(stamp) })),
                ("completed", .bool(done != nil)), ("completedBy", .string(done?.completedBy)),
                ("locked", .bool(form.isExpired(p, today: today))),
            ]
        }
        body.append(("dataValues", .array(rows)))
        return HTTP.data(JSONValue.object(body).data, type: "application/json; charset=utf-8")
    }
}
