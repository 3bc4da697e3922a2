import Foundation

/// The Global Terrorism Database's code lists (GTD Codebook, START, University of Maryland),
/// which the incident register uses so that its events and the GTD's can be compared.
public enum GTD {
    public static let attackTypes: [Int: String] = [
        1: "Assassination", 2: "Armed Assault", 3: "Bombing/Explosion", 4: "Hijacking",
        5: "Hostage Taking (Barricade Incident)", 6: "Hostage Taking (Kidnapping)",
        7: "Facility/Infrastructure Attack", 8: "Unarmed Assault", 9: "Unknown",
    ]
    public static let targetTypes: [Int: String] = [
        1: "Business", 2: "Government (General)", 3: "Police", 4: "Military", 5: "Abortion Related",
        6: "Airports & Aircraft", 7: "Government (Diplomatic)", 8: "Educational Institution", 9: "Food or Water Supply",
        10: "Journalists & Media", 11: "Maritime", 12: "NGO", 13: "Other", 14: "Private Citizens & Property",
        15: "Religious Figures/Institutions", 16: "Telecommunication", 17: "Terrorists/Non-State Militia",
        18: "Tourists",
        19: "Transportation", 20: "Unknown", 21: "Utilities", 22: "Violent Political Party",
    ]
    public static let weaponTypes: [Int: String] = [
        1: "Biological", 2: "Chemical", 3: "Radiological", 4: "Nuclear", 5: "Firearms", 6: "Explosives",
        7: "Fake Weapons", 8: "Incendiary", 9: "Melee", 10: "Vehicle (not to include vehicle-borne explosives)",
        11: "Sabotage Equipment", 12: "Other", 13: "Unknown",
    ]
    /// `propextent`: how much property was damaged.
    public static let propertyExtents: [Int: String] = [
        1: "Catastrophic (likely ≥ $1 billion)", 2: "Major (likely ≥ $1 million but < $1 billion)",
        3: "Minor (likely < $1 million)", 4: "Unknown",
    ]
    public static let unknownAttack = 9, unknownTarget = 20, unknownWeapon = 13

    public static func list(_ name: String) -> [Int: String]? {
        switch name {
        case "attacktype", "attackType": attackTypes
        case "targtype", "targetType": targetTypes
        case "weaptype", "weaponType": weaponTypes
        case "propextent", "propertyExtent": propertyExtents
        default: nil
        }
    }
}

/// What became of a plot or an attack.
public enum IncidentOutcome: String, CaseIterable, Sendable, Codable {
    /// The attack took place and succeeded (GTD `success` = 1).
    case completed
    /// The attack took place and failed (GTD `success` = 0).
    case failed
    /// Stopped before it took place: a prevented act. The GTD does not record these.
    case foiled
    case unknown

    /// An act that was not prevented: it took place.
    public var tookPlace: Bool { self == .completed || self == .failed }
}

/// Yes, no, or not known — distinct from no.
public enum TriState: String, CaseIterable, Sendable, Codable {
    case yes, no, unknown
}

/// An event of the incident register: an attack or a foiled plot. It describes what happened,
/// where and to what, never who: the summary is not for personal data.
public struct Incident: Hashable, Sendable, Codable {
    public var uid: String
    public var date: IncidentDate
    /// Where it happened: a unit of any level (uid once stored).
    public var unit: String
    public var placeName: String?
    public var latitude: Double?
    public var longitude: Double?
    public var outcome: IncidentOutcome
    public var attackType: Int
    public var targetType: Int
    public var weaponType: Int
    /// nil: not known (distinct from 0).
    public var killed: Int?
    public var wounded: Int?
    public var propertyDamage: TriState
    public var propertyExtent: Int?
    public var claimed: TriState
    public var summary: String
    public var sources: [String]
    /// An invented example (the demo's foiled plots), said so wherever it is shown.
    public var illustrative: Bool
    /// The GTD's `eventid`, for events imported from it.
    public var gtdEventId: String?
    /// The place's name, the summary and the sources (one per line) in other languages.
    public var translations: RecordTranslations?
    /// The fields `translations` may carry.
    public static let translatedFields: Set<String> = ["placeName", "summary", "sources"]

    public init(
        uid: String = "", date: IncidentDate, unit: String, placeName: String? = nil, latitude: Double? = nil,
        longitude: Double? = nil, outcome: IncidentOutcome, attackType: Int = GTD.unknownAttack,
        targetType: Int = GTD.unknownTarget, weaponType: Int = GTD.unknownWeapon, killed: Int? = nil,
        wounded: Int? = nil, propertyDamage: TriState = .unknown, propertyExtent: Int? = nil,
        claimed: TriState = .unknown, summary: String = "", sources: [String] = [], illustrative: Bool = false,
        gtdEventId: String? = nil, translations: RecordTranslations? = nil
    ) {
        self.uid = uid
        self.date = date
        self.unit = unit
        self.placeName = placeName
        self.latitude = latitude
        self.longitude = longitude
        self.outcome = outcome
        self.attackType = attackType
        self.targetType = targetType
        self.weaponType = weaponType
        self.killed = killed
        self.wounded = wounded
        self.propertyDamage = propertyDamage
        self.propertyExtent = propertyExtent
        self.claimed = claimed
        self.summary = summary
        self.sources = sources
        self.illustrative = illustrative
        self.gtdEventId = gtdEventId
        self.translations = translations
    }

    enum CodingKeys: String, CodingKey {
        case uid, date, unit, placeName, latitude, longitude, outcome, attackType, targetType, weaponType, killed,
            wounded,
            propertyDamage, propertyExtent, claimed, summary, sources, illustrative, gtdEventId, translations
    }

    /// Lenient on what may be left out (unknowns), strict on what is given.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        date = try c.decode(IncidentDate.self, forKey: .date)
        unit = try c.decode(String.self, forKey: .unit)
        placeName = try c.decodeIfPresent(String.self, forKey: .placeName)
        latitude = try c.decodeIfPresent(Double.self, forKey: .latitude)
        longitude = try c.decodeIfPresent(Double.self, forKey: .longitude)
        outcome = try c.decode(IncidentOutcome.self, forKey: .outcome)
        attackType = try c.decodeIfPresent(Int.self, forKey: .attackType) ?? GTD.unknownAttack
        targetType = try c.decodeIfPresent(Int.self, forKey: .targetType) ?? GTD.unknownTarget
        weaponType = try c.decodeIfPresent(Int.self, forKey: .weaponType) ?? GTD.unknownWeapon
        killed = try c.decodeIfPresent(Int.self, forKey: .killed)
        wounded = try c.decodeIfPresent(Int.self, forKey: .wounded)
        propertyDamage = try c.decodeIfPresent(TriState.self, forKey: .propertyDamage) ?? .unknown
        propertyExtent = try c.decodeIfPresent(Int.self, forKey: .propertyExtent)
        claimed = try c.decodeIfPresent(TriState.self, forKey: .claimed) ?? .unknown
        summary = try c.decodeIfPresent(String.self, forKey: .summary) ?? ""
        sources = try c.decodeIfPresent([String].self, forKey: .sources) ?? []
        illustrative = try c.decodeIfPresent(Bool.self, forKey: .illustrative) ?? false
        gtdEventId = try c.decodeIfPresent(String.self, forKey: .gtdEventId)
        translations = try c.decodeIfPresent(RecordTranslations.self, forKey: .translations)
    }

    /// The texts people may translate, by field (the sources one per line).
    public var texts: [String: String] {
        ["placeName": placeName ?? "", "summary": summary, "sources": sources.joined(separator: "\n")]
    }

    /// The field's text in `language`: its translation, or the text as written.
    public func text(_ field: String, in language: String) -> String {
        let original = texts[field] ?? ""
        return translations?.text(field, in: language, or: original) ?? original
    }

    /// Every problem of the incident against the catalog, by field; empty when it may be stored.
    /// `line` and `object` say where it came from (a file's line, an API body).
    public func problems(in catalog: Catalog, line: Int? = nil, object: String? = nil) -> [Problem] {
        var out: [Problem] = []
        func bad(_ field: String, _ value: String?, _ reason: String, code: String? = nil) {
            out.append(Problem(line: line, object: object, field: field, value: value, reason: reason, code: code))
        }
        if let u = catalog.unit(unit) {
            if !(u.isOpen(on: date.earliest) || u.isOpen(on: date.latest)) {
                bad(
                    "unit", unit,
                    "\(u.code) was not open on \(date) (open \(u.openingDate)\(u.closingDate.map { " to \($0)" } ?? ""))",
                    code: Problem.closedUnit)
            }
        } else {
            bad("unit", unit, catalog.noUnit(unit), code: Problem.unknownReference)
        }
        // An incident is a record of what happened: nothing is recorded ahead of its day.
        if date.earliest > Day.today {
            bad(
                "date", date.description,
                "in the future (today is \(Day.today)): an incident is recorded once it happened")
        }
        if GTD.attackTypes[attackType] == nil { bad("attackType", String(attackType), "a GTD attack type is 1 to 9") }
        if GTD.targetTypes[targetType] == nil { bad("targetType", String(targetType), "a GTD target type is 1 to 22") }
        if GTD.weaponTypes[weaponType] == nil { bad("weaponType", String(weaponType), "a GTD weapon type is 1 to 13") }
        if let e = propertyExtent, GTD.propertyExtents[e] == nil {
            bad("propertyExtent", String(e), "a GTD property extent is 1 to 4")
        }
        if propertyExtent != nil && propertyDamage != .yes {
            bad("propertyExtent", propertyExtent.map(String.init), "an extent needs property damage 'yes'")
        }
        if let k = killed, k < 0 {
            bad("killed", String(k), "a number of people, 0 or more (leave it out when not known)")
        }
        if let w = wounded, w < 0 {
            bad("wounded", String(w), "a number of people, 0 or more (leave it out when not known)")
        }
        if let lat = latitude, !(-90...90).contains(lat) { bad("latitude", String(lat), "between -90 and 90") }
        if let lon = longitude, !(-180...180).contains(lon) { bad("longitude", String(lon), "between -180 and 180") }
        if (latitude == nil) != (longitude == nil) {
            bad(latitude == nil ? "latitude" : "longitude", nil, "give both coordinates or neither")
        }
        if outcome == .foiled && ((killed ?? 0) > 0 || (wounded ?? 0) > 0) {
            bad("outcome", outcome.rawValue, "a foiled plot did not take place, so it has no killed or wounded")
        }
        out += translations?.problems(fields: Self.translatedFields, line: line, object: object) ?? []
        if summary.count > 2000 { bad("summary", String(summary.prefix(40)) + "…", "at most 2000 characters") }
        if let p = placeName, p.count > 200 { bad("placeName", String(p.prefix(40)) + "…", "at most 200 characters") }
        for (i, s) in sources.enumerated()
        where s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || s.count > 500 {
            bad("sources[\(i)]", s, "a citation of 1 to 500 characters")
        }
        return out
    }
}
