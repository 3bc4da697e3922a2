import Foundation
import QorganCore

/// The Global Terrorism Database's CSV layout, in and out. Importing keeps the rows of one
/// country, maps `provstate` to units (by code, name or translation, or through a mapping file
/// for names that differ), and reports every problem with its line; nothing is half-imported.
/// A GTD row is an attack that took place (`success` 1 completed, 0 failed): foiled plots,
/// which the GTD does not record, come from Qorgan's own entries.
public enum GTDFile {
    public static let required = [
        "eventid", "iyear", "imonth", "iday", "country_txt", "provstate", "success",
        "attacktype1", "targtype1", "weaptype1",
    ]
    public static let optional = [
        "city", "latitude", "longitude", "nkill", "nwound", "property", "propextent", "claimed",
        "summary", "scite1", "scite2", "scite3", "outcome", "qorgan_unit", "qorgan_illustrative",
        "qorgan_translations",
    ]
    /// The columns `write` produces: the GTD's, then Qorgan's own (outcome, so that foiled plots survive a round trip).
    public static let exportColumns = [
        "eventid", "iyear", "imonth", "iday", "country_txt", "provstate", "city", "latitude", "longitude",
        "success", "attacktype1", "attacktype1_txt", "targtype1", "targtype1_txt", "weaptype1",
        "weaptype1_txt", "nkill", "nwound", "property", "propextent", "claimed", "summary",
        "scite1", "scite2", "scite3", "outcome", "qorgan_unit", "qorgan_illustrative", "qorgan_translations",
    ]

    public struct Result: Sendable {
        public var incidents: [(incident: Incident, line: Int)]
        /// Rows of other countries, left out.
        public var skipped: Int
    }

    /// Reads a mapping file: `provstate,unit` per line (a header is optional); unit by code or uid.
    public static func mapping(_ text: String, source: String) throws -> [String: String] {
        let records: [CSV.Record]
        do { records = try CSV.parse(text) } catch let e as CSV.SyntaxError {
            throw QorganError.rejected(source: source, problems: [Problem(line: e.line, reason: e.reason)])
        }
        var out: [String: String] = [:]
        var problems: [Problem] = []
        for r in records {
            if r.line == 1, r.fields.first?.lowercased() == "provstate" { continue }
            guard r.fields.count == 2, !r.fields[0].isEmpty, !r.fields[1].isEmpty else {
                problems.append(Problem(line: r.line, reason: "a mapping line is 'provstate,unit'"))
                continue
            }
            out[r.fields[0].trimmingCharacters(in: .whitespaces).lowercased()] = r.fields[1].trimmingCharacters(
                in: .whitespaces)
        }
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
        return out
    }

    public static func parse(
        _ text: String, source: String, country: String, mapping: [String: String] = [:],
        catalog: Catalog
    ) throws -> Result {
        let records: [CSV.Record]
        do { records = try CSV.parse(text) } catch let e as CSV.SyntaxError {
            throw QorganError.rejected(source: source, problems: [Problem(line: e.line, reason: e.reason)])
        }
        guard let header = records.first else { return Result(incidents: [], skipped: 0) }
        var index: [String: Int] = [:]
        for (i, h) in header.fields.enumerated() { index[h.trimmingCharacters(in: .whitespaces).lowercased()] = i }
        var problems = required.filter { index[$0] == nil }.map {
            Problem(
                line: header.line, field: $0,
                reason: "the header has no '\($0)' column (GTD columns: \(required.joined(separator: ", ")), …)")
        }
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }

        var out: [(Incident, Int)] = []
        var skipped = 0
        for r in records.dropFirst() {
            func f(_ name: String) -> String {
                guard let i = index[name], i < r.fields.count else { return "" }
                return r.fields[i].trimmingCharacters(in: .whitespaces)
            }
            func bad(_ field: String, _ value: String?, _ reason: String) {
                problems.append(Problem(line: r.line, field: field, value: value, reason: reason))
            }
            if r.fields.allSatisfy({ $0.isEmpty }) { continue }
            guard f("country_txt").caseInsensitiveCompare(country) == .orderedSame else {
                skipped += 1
                continue
            }
            func int(_ name: String, allowEmpty: Bool = false) -> Int? {
                let s = f(name)
                if s.isEmpty {
                    if !allowEmpty { bad(name, s, "a number is required") }
                    return nil
                }
                // `5.0` is 5 (spreadsheets write it so); `inf`, `nan` and 1e300 are no counts.
                guard let v = Int(s) ?? Double(s).flatMap({ $0 == $0.rounded() && abs($0) < 1e15 ? Int($0) : nil })
                else {
                    bad(name, String(s.prefix(40)), "not a whole number")
                    return nil
                }
                return v
            }
            func code(_ name: String, _ list: [Int: String], _ what: String) -> Int? {
                guard let v = int(name) else { return nil }
                guard list[v] != nil else {
                    bad(name, String(v), "not a GTD \(what) code (\(list.keys.min() ?? 0)–\(list.keys.max() ?? 0))")
                    return nil
                }
                return v
            }
            let eventId = f("eventid")
            if eventId.isEmpty { bad("eventid", nil, "every GTD row has an event id") }
            let year = int("iyear")
            let monthRaw = int("imonth")
            let dayRaw = int("iday")
            var date: IncidentDate? = nil
            if let year, let monthRaw, let dayRaw {
                let month = monthRaw == 0 ? nil : monthRaw
                let day = dayRaw == 0 ? nil : dayRaw
                if month == nil && day != nil {
                    bad("iday", String(dayRaw), "a day without a month")
                } else if let d = IncidentDate(year: year, month: month, day: day) {
                    date = d
                } else {
                    bad("iyear", "\(year)-\(monthRaw)-\(dayRaw)", "not a date (imonth 0 and iday 0 mean not known)")
                }
            }
            // The unit: Qorgan's own column, else provstate through the mapping, code, name or translation.
            let place = f("qorgan_unit").isEmpty ? f("provstate") : f("qorgan_unit")
            var unit: String? = nil
            if let mapped = mapping[place.lowercased()] {
                if let u = catalog.unit(mapped) {
                    unit = u.uid
                } else {
                    bad("provstate", place, "the mapping names '\(mapped)', which is no unit")
                }
            } else if let u = catalog.unit(place) {
                unit = u.uid
            } else {
                let wanted = place.lowercased()
                let candidates = catalog.organisationUnits.filter { u in
                    let names = [u.name] + (u.translations.map { Array($0.values) } ?? [])
                    return names.contains { n in
                        let n = n.lowercased()
                        return n == wanted || n == wanted + " region" || n == wanted + " city"
                            || n == wanted + " province" || n == wanted + " oblast"
                    }
                }
                // A province is a region: the highest level among the matches wins; a tie is ambiguous.
                let day = Day.firstOfMonth(Int(f("iyear")).map { min(max($0, 1900), 2100) } ?? 2000, 1)
                let top = candidates.map { catalog.level(of: $0.uid, on: day) }.min()
                let best = candidates.filter { catalog.level(of: $0.uid, on: day) == top }
                if best.count == 1 {
                    unit = best[0].uid
                } else if candidates.isEmpty {
                    bad(
                        "provstate", place,
                        "no unit has this name or code; map it in a mapping file (--mapping: provstate,unit)")
                } else {
                    bad(
                        "provstate", place,
                        "ambiguous: \(best.map(\.code).sorted().joined(separator: ", ")); map it in a mapping file (--mapping)"
                    )
                }
            }
            var outcome: IncidentOutcome? = nil
            if !f("outcome").isEmpty {
                outcome = IncidentOutcome(rawValue: f("outcome").lowercased())
                if outcome == nil { bad("outcome", f("outcome"), "completed, failed, foiled or unknown") }
            } else {
                switch f("success") {
                case "1": outcome = .completed
                case "0": outcome = .failed
                case let s: bad("success", s, "1 (the attack succeeded) or 0 (it failed)")
                }
            }
            func tri(_ name: String) -> TriState {
                switch f(name) {
                case "1": return .yes
                case "0": return .no
                case "", "-9": return .unknown
                case let s:
                    bad(name, s, "1 (yes), 0 (no) or -9 (not known)")
                    return .unknown
                }
            }
            func people(_ name: String) -> Int? {
                let s = f(name)
                if s.isEmpty || s == "-99" || s == "-9" { return nil }
                guard let v = Double(s), v >= 0, v < 1e9, v == v.rounded() else {
                    bad(name, String(s.prefix(40)), "a number of people (empty when not known)")
                    return nil
                }
                return Int(v)
            }
            func coordinate(_ name: String) -> Double? {
                let s = f(name)
                if s.isEmpty { return nil }
                guard let v = Double(s) else {
                    bad(name, s, "not a number")
                    return nil
                }
                return v
            }
            let attack = code("attacktype1", GTD.attackTypes, "attack type")
            let target = code("targtype1", GTD.targetTypes, "target type")
            let weapon = code("weaptype1", GTD.weaponTypes, "weapon type")
            let extent = f("propextent").isEmpty ? nil : code("propextent", GTD.propertyExtents, "property extent")
            let property = tri("property")
            let claimed = tri("claimed")
            let killed = people("nkill")
            let wounded = people("nwound")
            let lat = coordinate("latitude")
            let lon = coordinate("longitude")
            // The texts in other languages, as JSON (language → field → text).
            var translations: RecordTranslations? = nil
            if !f("qorgan_translations").isEmpty {
                translations = try? JSONDecoder().decode(
                    RecordTranslations.self, from: Data(f("qorgan_translations").utf8))
                if translations == nil {
                    bad(
                        "qorgan_translations", String(f("qorgan_translations").prefix(40)),
                        "JSON: language → field → text")
                }
            }
            guard let date, let unit, let outcome, let attack, let target, let weapon else { continue }
            let city = f("city")
            // Qorgan's own events travel with their uid as `qorgan:UID`.
            let own = eventId.hasPrefix("qorgan:") ? String(eventId.dropFirst("qorgan:".count)) : nil
            let incident = Incident(
                date: date, unit: unit, placeName: city.isEmpty ? nil : city, latitude: lat, longitude: lon,
                outcome: outcome, attackType: attack, targetType: target, weaponType: weapon, killed: killed,
                wounded: wounded, propertyDamage: property, propertyExtent: property == .yes ? extent : nil,
                claimed: claimed, summary: f("summary"),
                sources: ["scite1", "scite2", "scite3"].map(f).filter { !$0.isEmpty },
                illustrative: ["1", "true"].contains(f("qorgan_illustrative").lowercased()),
                gtdEventId: eventId.isEmpty || own != nil ? nil : eventId, translations: translations)
            var withUid = incident
            if let own { withUid.uid = own }
            let found = incident.problems(in: catalog, line: r.line)
            if found.isEmpty { out.append((withUid, r.line)) } else { problems += found }
        }
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
        return Result(incidents: out, skipped: skipped)
    }

    /// Incidents in the GTD's columns (and Qorgan's outcome, unit and illustrative flag).
    public static func write(_ incidents: [Incident], catalog: Catalog, country: String) -> String {
        var lines = [CSV.line(exportColumns)]
        for i in incidents {
            let unit = catalog.unit(i.unit)
            let region = unit.flatMap { u in
                ([u.uid] + catalog.ancestors(of: u.uid, on: i.date.earliest)).compactMap { catalog.unit($0) }
                    .first { catalog.level(of: $0.uid, on: i.date.earliest) == 2 }
            }
            func tri(_ t: TriState) -> String { t == .yes ? "1" : t == .no ? "0" : "-9" }
            func num(_ d: Double?) -> String { d.map { String($0) } ?? "" }
            let fields: [String] = [
                i.gtdEventId ?? "qorgan:\(i.uid)", String(i.date.year), String(i.date.month ?? 0),
                String(i.date.day ?? 0), country,
                region?.name ?? unit?.name ?? "", i.placeName ?? "", num(i.latitude), num(i.longitude),
                i.outcome == .completed ? "1" : i.outcome == .failed ? "0" : "",
                String(i.attackType), GTD.attackTypes[i.attackType] ?? "", String(i.targetType),
                GTD.targetTypes[i.targetType] ?? "",
                String(i.weaponType), GTD.weaponTypes[i.weaponType] ?? "", i.killed.map(String.init) ?? "",
                i.wounded.map(String.init) ?? "",
                tri(i.propertyDamage), i.propertyExtent.map(String.init) ?? "", tri(i.claimed), i.summary,
                i.sources.count > 0 ? i.sources[0] : "", i.sources.count > 1 ? i.sources[1] : "",
                i.sources.count > 2 ? i.sources[2] : "",
                i.outcome.rawValue, unit?.code ?? i.unit, i.illustrative ? "1" : "0",
                (try? RecordTranslations.column(i.translations)).flatMap { $0 } ?? "",
            ]
            lines.append(CSV.line(fields))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
