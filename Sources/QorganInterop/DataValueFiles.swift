import Foundation
import QorganCore

/// How references are written in files Qorgan writes (DHIS2's UID, CODE and NAME schemes).
public enum IdScheme: String, Sendable, CaseIterable {
    case uid, code, name

    /// `uid` (of a unit, element, option combination or form of `catalog`) in this scheme; the uid
    /// itself when the object has no such name.
    public func write(_ uid: String, _ catalog: Catalog) -> String {
        switch self {
        case .uid: return uid
        case .code:
            return catalog.element(uid)?.code ?? catalog.unit(uid)?.code ?? catalog.optionCombo(uid: uid)?.code
                ?? catalog.dataSet(uid)?.code ?? uid
        case .name:
            return catalog.element(uid)?.name ?? catalog.unit(uid)?.name ?? catalog.optionCombo(uid: uid)?.name
                ?? catalog.dataSet(uid)?.name ?? uid
        }
    }
}

/// The schemes of a file: one for data elements, option combinations and forms, one for units
/// (DHIS2's `dataElementIdScheme` and `orgUnitIdScheme`).
public struct IdSchemes: Sendable {
    public var elements: IdScheme
    public var units: IdScheme
    public init(_ both: IdScheme) { self.init(elements: both, units: both) }
    public init(elements: IdScheme, units: IdScheme) {
        self.elements = elements
        self.units = units
    }
}

/// Data values as DHIS2 writes them in CSV:
/// `dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup,deleted`.
public enum DataValueCSV {
    public static let columns = [
        "dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo",
        "value", "storedby", "lastupdated", "comment", "followup", "deleted",
    ]

    /// Reads a file; a header line is optional (when present, columns may come in any order
    /// and the last five may be left out). Throws `QorganError.rejected` naming each bad line.
    public static func parse(_ text: String, source: String) throws -> [DataValueInput] {
        let records: [CSV.Record]
        do { records = try CSV.parse(text) } catch let e as CSV.SyntaxError {
            throw QorganError.rejected(source: source, problems: [Problem(line: e.line, reason: e.reason)])
        }
        guard let first = records.first else { return [] }
        var index: [String: Int] = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
        var body = records[...]
        var problems: [Problem] = []
        let header = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if header.first == "dataelement" || header.contains("orgunit") {
            body = records.dropFirst()
            index = [:]
            for (i, h) in header.enumerated() {
                if columns.contains(h) {
                    index[h] = i
                } else {
                    problems.append(
                        Problem(
                            line: first.line, field: h,
                            reason: "unknown column (known: \(columns.joined(separator: ", ")))"))
                }
            }
            for required in columns.prefix(6) where index[required] == nil {
                problems.append(
                    Problem(line: first.line, field: required, reason: "the header has no '\(required)' column"))
            }
            if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
        }
        let minimum = (index.values.max() ?? 0) + 1
        // Each column's position, looked up once (not a dictionary look-up per field and row).
        let at = Dictionary(uniqueKeysWithValues: columns.map { ($0, index[$0]) })
        func position(_ name: String) -> Int? { at[name] ?? nil }
        let (element, period, unit, coc, aoc, value) = (
            position("dataelement"), position("period"), position("orgunit"), position("categoryoptioncombo"),
            position("attributeoptioncombo"), position("value")
        )
        let (storedBy, comment, followUp, deleted) = (
            position("storedby"), position("comment"), position("followup"), position("deleted")
        )
        var out: [DataValueInput] = []
        out.reserveCapacity(body.count)
        for r in body {
            if r.fields.count > max(minimum, columns.count) || r.fields.count < min(6, minimum) {
                problems.append(
                    Problem(
                        line: r.line,
                        reason:
                            "\(r.fields.count) columns; expected \(min(6, minimum)) to \(max(minimum, columns.count))"))
                continue
            }
            func f(_ i: Int?) -> String? {
                guard let i, i < r.fields.count else { return nil }
                return r.fields[i]
            }
            out.append(
                DataValueInput(
                    element: f(element) ?? "", period: f(period) ?? "", unit: f(unit) ?? "", optionCombo: f(coc) ?? "",
                    attributeOptionCombo: f(aoc) ?? "", value: f(value) ?? "", storedBy: f(storedBy),
                    comment: f(comment), followUp: f(followUp), deleted: f(deleted), line: r.line))
        }
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
        return out
    }

    public static func write(_ values: [DataValue], catalog: Catalog, idSchemes: IdSchemes = IdSchemes(.uid)) -> String
    {
        var s = CSV.line(columns) + "\n"
        for v in values {
            let r = References(catalog: catalog, schemes: idSchemes, value: v)
            s +=
                CSV.line([
                    r.element, v.key.period.iso, r.unit, r.coc, r.aoc, v.value, v.storedBy,
                    Timestamp8601.string(v.lastUpdated), v.comment ?? "", v.followUp ? "true" : "false",
                    v.deleted ? "true" : "false",
                ]) + "\n"
        }
        return s
    }
}

struct References {
    var element: String, unit: String, coc: String, aoc: String
    init(catalog: Catalog, schemes: IdSchemes, value v: DataValue) {
        element = schemes.elements.write(v.key.element, catalog)
        unit = schemes.units.write(v.key.unit, catalog)
        coc = schemes.elements.write(v.key.optionCombo, catalog)
        aoc = schemes.elements.write(v.key.attributeOptionCombo, catalog)
    }
}

enum Timestamp8601 {
    static func string(_ d: Date) -> String { d.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
}

/// DHIS2's JSON data value set: `{"dataSet", "period", "orgUnit", "dataValues": [...]}`; the
/// top-level period, orgUnit and attributeOptionCombo apply to rows that leave them out.
public enum DataValueSetJSON {
    struct Flexible: Decodable {
        let text: String
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) {
                text = s
            } else if let b = try? c.decode(Bool.self) {
                text = b ? "true" : "false"
            } else if let d = try? c.decode(Double.self) {
                text = formatNumber(d)
            } else {
                text = ""
            }
        }
    }
    struct Row: Decodable {
        var dataElement: String?, period: String?, orgUnit: String?, categoryOptionCombo: String?,
            attributeOptionCombo: String?
        var value: Flexible?, storedBy: String?, comment: String?, followup: Flexible?, deleted: Flexible?
    }
    struct Set: Decodable {
        var dataSet: String?, completeDate: String?, period: String?, orgUnit: String?, attributeOptionCombo: String?
        var dataValues: [Row]?
    }

    public static func parse(_ data: Data, source: String) throws -> [DataValueInput] {
        let set: Set
        do { set = try JSONDecoder().decode(Set.self, from: data) } catch {
            throw QorganError.rejected(
                source: source, problems: [Problem(reason: "not a data value set: \(describe(error))")])
        }
        guard let values = set.dataValues else {
            throw QorganError.rejected(
                source: source,
                problems: [
                    Problem(
                        field: "dataValues", reason: "a data value set holds a 'dataValues' array (it may be empty)")
                ])
        }
        // The set's period is checked even when no row uses it: a wrong one is a mistake of the file.
        if let period = set.period, Period.parse(period) == nil {
            throw QorganError.rejected(
                source: source,
                problems: [Problem(field: "period", value: period, reason: Period.problem(with: period))])
        }
        return values.enumerated().map { n, r in
            DataValueInput(
                element: r.dataElement ?? "", period: r.period ?? set.period ?? "",
                unit: r.orgUnit ?? set.orgUnit ?? "",
                optionCombo: r.categoryOptionCombo ?? "",
                attributeOptionCombo: r.attributeOptionCombo ?? set.attributeOptionCombo ?? "",
                value: r.value?.text ?? "", storedBy: r.storedBy, comment: r.comment,
                followUp: r.followup?.text, deleted: r.deleted?.text, location: "dataValues[\(n)]")
        }
    }

    /// One value as a data value set writes it (keys in order).
    public static func row(_ v: DataValue, catalog: Catalog, idSchemes: IdSchemes = IdSchemes(.uid)) -> JSONValue {
        let r = References(catalog: catalog, schemes: idSchemes, value: v)
        var d: [String: JSONValue] = [
            "dataElement": .string(r.element), "period": .string(v.key.period.iso), "orgUnit": .string(r.unit),
            "categoryOptionCombo": .string(r.coc), "attributeOptionCombo": .string(r.aoc),
            "value": .string(v.value), "storedBy": .string(v.storedBy),
            "created": .string(Timestamp8601.string(v.created)),
            "lastUpdated": .string(Timestamp8601.string(v.lastUpdated)), "followup": .bool(v.followUp),
        ]
        if let c = v.comment { d["comment"] = .string(c) }
        if v.deleted { d["deleted"] = .bool(true) }
        return .object(d.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    public static func write(_ values: [DataValue], catalog: Catalog, idSchemes: IdSchemes = IdSchemes(.uid)) throws
        -> Data
    {
        let rows = values.map { row($0, catalog: catalog, idSchemes: idSchemes) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(JSONValue.object([("dataValues", .array(rows))]))
    }
}

/// Says where in a JSON document decoding failed, in words.
public func describe(_ error: Error) -> String {
    func path(_ p: [CodingKey]) -> String { jsonPath(p) }
    switch error {
    case DecodingError.keyNotFound(let key, let ctx):
        return "\(path(ctx.codingPath + [key])): required field is missing"
    case DecodingError.typeMismatch(let t, let ctx):
        return "\(path(ctx.codingPath)): expected \(t)"
    case DecodingError.valueNotFound(let t, let ctx):
        return "\(path(ctx.codingPath)): expected \(t), found null"
    case DecodingError.dataCorrupted(let ctx):
        let underlying = (ctx.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
        return (ctx.codingPath.isEmpty ? "" : path(ctx.codingPath) + ": ") + (underlying ?? ctx.debugDescription)
    default:
        return "\(error)"
    }
}

/// The metadata document: the `Catalog`'s JSON form.
public enum MetadataDocument {
    public static func parse(_ data: Data, source: String) throws -> Catalog {
        do { return try JSONDecoder().decode(Catalog.self, from: data) } catch {
            throw QorganError.rejected(source: source, problems: [Problem(reason: describe(error))])
        }
    }

    public static func write(_ catalog: Catalog) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(catalog)
    }
}
