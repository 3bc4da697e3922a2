import Foundation
import QorganCore

/// What a metadata change would do, object by object and field by field, as a preview shows
/// it before anything is written: references are shown by name, lists by what they gain and lose.
enum MetadataDiff {
    static func rows(
        _ changes: [MetadataChange], before: Catalog, after: Catalog, lang: String, t: [String: String]
    ) -> [Ctx] {
        changes.filter { $0.action != .unchanged }.map { ch in
            let old = json(ch.kind, ch.uid, before) ?? [:]
            let new = json(ch.kind, ch.uid, after) ?? [:]
            let keys = Set(old.keys).union(new.keys).subtracting(["uid"]).sorted()
            let fields: [Ctx] = keys.compactMap { key in
                let a = old[key].map(text) ?? ""
                let b = new[key].map(text) ?? ""
                guard a != b else { return nil }
                let (shownA, shownB) = shown(
                    key, old[key], new[key], before: before, after: after, lang: lang,
                    none: t["maintain_noBreakdown"] ?? "—")
                return ["field": t["maintain_field_" + key] ?? key, "old": shownA, "new": shownB]
            }
            return [
                "kind": t["maintain_kind_" + ch.kind] ?? ch.kind, "code": ch.code,
                "action": t["maintain_action_" + ch.action.rawValue] ?? ch.action.rawValue, "fields": fields,
                "created": ch.action == .created,
            ]
        }
    }

    /// An object of the catalog as JSON members, by the kind the metadata history names.
    static func json(_ kind: String, _ uid: String, _ c: Catalog) -> [String: Any]? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data? =
            switch kind {
            case "organisationUnit": c.unit(uid).flatMap { try? encoder.encode($0) }
            case "dataElement": c.element(uid).flatMap { try? encoder.encode($0) }
            case "dataSet": c.dataSet(uid).flatMap { try? encoder.encode($0) }
            case "indicator": c.indicator(uid).flatMap { try? encoder.encode($0) }
            case "validationRule": c.validationRule(uid).flatMap { try? encoder.encode($0) }
            case "categoryCombo": c.categoryCombo(uid).flatMap { try? encoder.encode($0) }
            case "category": c.category(uid).flatMap { try? encoder.encode($0) }
            case "constant": c.constant(uid).flatMap { try? encoder.encode($0) }
            default: nil
            }
        return data.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    static func text(_ value: Any) -> String {
        switch value {
        case let s as String: return s
        case is NSNull: return ""
        default:
            guard JSONSerialization.isValidJSONObject([value]),
                let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys])
            else { return "\(value)" }
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
    }

    /// A breakdown by the names of its categories (`Sex × Age band`), in the reader's language.
    static func label(_ combo: CategoryCombo, _ catalog: Catalog, _ lang: String, none: String) -> String {
        let names = combo.categories.compactMap { catalog.category($0)?.name(in: lang) }
        return names.isEmpty ? none : names.joined(separator: " × ")
    }

    /// A field's old and new value as a reader follows them.
    static func shown(
        _ key: String, _ old: Any?, _ new: Any?, before: Catalog, after: Catalog, lang: String, none: String
    ) -> (String, String) {
        func unitName(_ uid: String) -> String {
            (after.unit(uid) ?? before.unit(uid)).map { $0.name(in: lang) } ?? uid
        }
        switch key {
        case "parents":
            func chain(_ v: Any?) -> String {
                ((v as? [[String: Any]]) ?? []).map { link in
                    let parent = (link["parent"] as? String).map(unitName) ?? "—"
                    return "\(parent) (\(link["from"] as? String ?? ""))"
                }.joined(separator: " → ")
            }
            return (chain(old), chain(new))
        case "dataElements", "organisationUnits":
            let a = (old as? [String]) ?? []
            let b = (new as? [String]) ?? []
            func name(_ uid: String) -> String {
                key == "organisationUnits"
                    ? unitName(uid) : (after.element(uid) ?? before.element(uid)).map { $0.name(in: lang) } ?? uid
            }
            let removed = a.filter { !b.contains($0) }.map(name)
            let added = b.filter { !a.contains($0) }.map(name)
            if added.isEmpty && removed.isEmpty { return ("", "") }  // only the order changed
            return (removed.map { "− " + $0 }.joined(separator: ", "), added.map { "+ " + $0 }.joined(separator: ", "))
        case "translations":
            func langs(_ v: Any?) -> String {
                ((v as? [String: Any]) ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key): \(text($0.value))" }
                    .joined(separator: "; ")
            }
            return (langs(old), langs(new))
        case "categoryCombo":
            func combo(_ v: Any?) -> String {
                (v as? String).flatMap { ref in
                    (after.categoryCombo(ref) ?? before.categoryCombo(ref)).map { label($0, after, lang, none: none) }
                } ?? ""
            }
            return (combo(old), combo(new))
        default:
            return (old.map(text) ?? "", new.map(text) ?? "")
        }
    }
}
