import Foundation
import QorganCore

/// DHIS2's metadata payload (`POST /api/metadata`, and one object on `/api/organisationUnits` or
/// `/api/dataElements`) as a Qorgan metadata document, to be applied on the one metadata write
/// path (`Store.importMetadata`: the checks of a file import, all or nothing, audited).
///
/// Organisation units and data elements are written; DHIS2's fields Qorgan does not keep (`path`,
/// `level`, `dataSetElements`, sharing, …) are ignored, as DHIS2 ignores read-only ones. An object
/// is matched by `id`, else by `code`; an update replaces what DHIS2 replaces and keeps what
/// only Qorgan knows: a unit's earlier parents (a new parent is a move from `today`), an
/// element's register. Every problem names the object (`organisationUnits[2]`), the field and
/// the value.
public enum DHIS2Metadata {
    public enum Strategy: String, Sendable, CaseIterable {
        case createAndUpdate = "CREATE_AND_UPDATE"
        case create = "CREATE"
        case update = "UPDATE"
    }

    /// The collections written, with DHIS2's class names.
    public static let classes: [(collection: String, klass: String)] = [
        ("organisationUnits", "org.hisp.dhis.organisationunit.OrganisationUnit"),
        ("dataElements", "org.hisp.dhis.dataelement.DataElement"),
    ]

    /// At most this many objects in one payload.
    public static let maxObjects = 10_000

    /// One object of the payload.
    public struct Entry: Sendable, Hashable {
        public var collection: String
        public var index: Int
        /// The uid it has or will have ("" until the import gives it one).
        public var uid: String
        public var code: String
    }

    public struct Translation: Sendable {
        public var document: Catalog
        public var entries: [Entry]
        public var problems: [Problem]
    }

    /// Collections the payload holds objects of that Qorgan does not write through DHIS2's API.
    public static func unsupported(_ payload: [String: Any]) -> [String] {
        let written = Set(classes.map(\.collection))
        return payload.compactMap { key, value in
            guard !written.contains(key), let list = value as? [Any], !list.isEmpty else { return nil }
            return key
        }.sorted()
    }

    public static func translate(
        _ payload: [String: Any], current: Catalog, strategy: Strategy, today: Day
    ) -> Translation {
        var out = Translation(document: Catalog(), entries: [], problems: [])
        out.document.categoryCombos = []
        var total = 0
        for (collection, _) in classes {
            guard let raw = payload[collection] else { continue }
            guard let list = raw as? [Any] else {
                out.problems.append(Problem(field: collection, reason: "must be a list of objects"))
                continue
            }
            total += list.count
            guard total <= maxObjects else {
                out.problems.append(
                    Problem(
                        field: collection, value: "\(total)", reason: "at most \(maxObjects) objects in one payload"))
                return out
            }
            for (i, item) in list.enumerated() {
                let label = "\(collection)[\(i)]"
                guard let object = item as? [String: Any] else {
                    out.problems.append(Problem(object: label, reason: "must be an object"))
                    continue
                }
                var reader = Reader(object: object, label: label)
                let id = reader.string("id")
                let existing: (uid: String, code: String)? =
                    collection == "organisationUnits"
                    ? (current.unit(id ?? "") ?? reader.string("code").flatMap { current.unit($0) }).map {
                        ($0.uid, $0.code)
                    }
                    : (current.element(id ?? "") ?? reader.string("code").flatMap { current.element($0) }).map {
                        ($0.uid, $0.code)
                    }
                if strategy == .create, let existing {
                    reader.problem(
                        id != nil ? "id" : "code", id ?? existing.code,
                        "already exists (importStrategy CREATE creates new objects only)")
                }
                if strategy == .update, existing == nil {
                    reader.problem(
                        id != nil ? "id" : "code", id ?? reader.string("code") ?? "",
                        "no such object to update (importStrategy UPDATE)")
                }
                if let id, !Uid.isValid(id) {
                    reader.problem("id", id, "a DHIS2 uid: 11 letters and digits, starting with a letter")
                }
                let uid = existing?.uid ?? id ?? ""
                // Qorgan matches objects by code: a new one needs it; an update keeps its own.
                guard let code = reader.string("code") ?? existing?.code else {
                    reader.problem("code", nil, "required: Qorgan finds objects and references by code")
                    out.problems += reader.problems
                    continue
                }
                if collection == "organisationUnits" {
                    if let unit = reader.unit(uid: uid, code: code, current: current, today: today) {
                        out.document.organisationUnits.append(unit)
                    }
                } else if let element = reader.element(uid: uid, code: code, current: current) {
                    out.document.dataElements.append(element)
                }
                out.problems += reader.problems
                out.entries.append(Entry(collection: collection, index: i, uid: uid, code: code))
            }
        }
        return out
    }

    /// Reads one object's fields, noting each problem.
    struct Reader {
        var object: [String: Any]
        var label: String
        var problems: [Problem] = []

        mutating func problem(_ field: String, _ value: String?, _ reason: String) {
            problems.append(Problem(object: label, field: field, value: value, reason: reason))
        }

        mutating func string(_ key: String) -> String? {
            guard let v = object[key], !(v is NSNull) else { return nil }
            guard let s = v as? String else {
                problem(key, "\(v)", "must be a string")
                return nil
            }
            return s.isEmpty ? nil : s
        }

        /// `{"id": …}` (or `{"code": …}`), as DHIS2 writes references.
        mutating func reference(_ key: String) -> String? {
            guard let v = object[key], !(v is NSNull) else { return nil }
            guard let m = v as? [String: Any], let ref = (m["id"] as? String) ?? (m["code"] as? String) else {
                problem(key, "\(v)", "a reference: {\"id\": \"…\"}")
                return nil
            }
            return ref
        }

        /// `2020-01-01` or DHIS2's `2020-01-01T00:00:00.000`.
        mutating func day(_ key: String) -> Day? {
            guard let text = string(key) else { return nil }
            guard let day = Day(iso: String(text.prefix(10))) else {
                problem(key, text, "a date (2020-01-01 or 2020-01-01T00:00:00.000)")
                return nil
            }
            return day
        }

        /// DHIS2's `translations` (`[{"property": "NAME", "locale": "ru", "value": …}]`): the names.
        mutating func translations() -> [String: String]? {
            guard let v = object["translations"], !(v is NSNull) else { return nil }
            guard let list = v as? [[String: Any]] else {
                problem("translations", nil, "a list of {property, locale, value}")
                return nil
            }
            var out: [String: String] = [:]
            for t in list where (t["property"] as? String) == "NAME" {
                if let locale = t["locale"] as? String, let value = t["value"] as? String {
                    out[String(locale.prefix(2))] = value
                }
            }
            return out.isEmpty ? nil : out
        }

        mutating func unit(uid: String, code: String, current: Catalog, today: Day) -> OrgUnit? {
            let before = current.unit(uid)
            guard let name = string("name") else {
                problem("name", nil, "required")
                return nil
            }
            let opening = day("openingDate") ?? before?.openingDate
            guard let opening else {
                problem("openingDate", nil, "required for a new unit")
                return nil
            }
            var geometry: Geometry? = nil
            if let g = object["geometry"], !(g is NSNull) {
                do {
                    guard let members = g as? [String: Any], JSONSerialization.isValidJSONObject(members) else {
                        throw DecodingError.typeMismatch(
                            [String: Any].self, .init(codingPath: [], debugDescription: "a GeoJSON object"))
                    }
                    let data = try JSONSerialization.data(withJSONObject: members)
                    geometry = try JSONDecoder().decode(Geometry.self, from: data)
                } catch {
                    problem("geometry", nil, "GeoJSON (Point, Polygon or MultiPolygon): \(error)")
                }
            }
            let parent = reference("parent")
            // The hierarchy keeps its history: a new parent is a move from today; none given keeps it.
            var parents = before?.parents ?? [ParentLink(parent: parent, from: opening)]
            if let before, object.keys.contains("parent") {
                let now = before.parent(on: today)
                let wanted = parent.flatMap { current.unit($0)?.uid } ?? parent
                if wanted != now {
                    parents.removeAll { $0.from >= today }
                    parents.append(ParentLink(parent: parent, from: max(today, opening)))
                }
            }
            return OrgUnit(
                uid: uid, code: code, name: name, shortName: string("shortName"), description: string("description"),
                openingDate: opening, closingDate: day("closingDate"), parents: parents,
                translations: translations() ?? before?.translations, geometry: geometry)
        }

        mutating func element(uid: String, code: String, current: Catalog) -> DataElement? {
            let before = current.element(uid)
            guard let name = string("name") else {
                problem("name", nil, "required")
                return nil
            }
            if let domain = string("domainType"), domain != "AGGREGATE" {
                problem("domainType", domain, "Qorgan keeps aggregate data only (AGGREGATE)")
            }
            let valueText = string("valueType") ?? before?.valueType.rawValue
            let valueType: ValueType?
            switch valueText {
            case "INTEGER_POSITIVE": valueType = .integerZeroOrPositive
            case "LONG_TEXT": valueType = .text
            case let t?: valueType = ValueType(rawValue: t)
            case nil: valueType = nil
            }
            guard let valueType else {
                problem(
                    "valueType", valueText,
                    valueText == nil
                        ? "required"
                        : "one of " + ValueType.allCases.map(\.rawValue).joined(separator: ", "))
                return nil
            }
            let aggregationText = string("aggregationType")
            let aggregation = aggregationText.map { AggregationType(rawValue: $0) } ?? before?.aggregationType ?? .sum
            guard let aggregation else {
                problem(
                    "aggregationType", aggregationText,
                    "one of " + AggregationType.allCases.map(\.rawValue).joined(separator: ", "))
                return nil
            }
            return DataElement(
                uid: uid, code: code, name: name, shortName: string("shortName"), description: string("description"),
                valueType: valueType, aggregationType: aggregation,
                categoryCombo: reference("categoryCombo") ?? before?.categoryCombo ?? CategoryCombo.defaultUid,
                translations: translations() ?? before?.translations, derivedFrom: before?.derivedFrom)
        }
    }
}
