import Foundation

/// How an item of a readiness checklist is scored, and what each answer is worth.
public enum ReadinessScale: String, CaseIterable, Sendable, Codable {
    /// yes = 1, no = 0.
    case yesNo = "yes-no"
    /// 0, 1, 2, 3 or 4.
    case levels = "0-4"
    /// Exercise ratings (as in exercise evaluation guides): P performed without challenges = 3,
    /// S performed with some challenges = 2, M performed with major challenges = 1, U unable to perform = 0.
    case exercise = "PSMU"

    public var maximum: Double {
        switch self {
        case .yesNo: 1
        case .levels: 4
        case .exercise: 3
        }
    }

    public var answers: [String] {
        switch self {
        case .yesNo: ["yes", "no"]
        case .levels: ["0", "1", "2", "3", "4"]
        case .exercise: ["P", "S", "M", "U"]
        }
    }

    /// The score of an answer; nil when it is not an answer of this scale. `NA` is handled by the caller.
    public func score(_ answer: String) -> Double? {
        switch self {
        case .yesNo: ["yes": 1, "no": 0, "1": 1, "0": 0][answer.lowercased()]
        case .levels: Int(answer).flatMap { (0...4).contains($0) ? Double($0) : nil }
        case .exercise: ["P": 3, "S": 2, "M": 1, "U": 0][answer.uppercased()]
        }
    }
}

public struct InstrumentItem: Hashable, Sendable, Codable {
    public var code: String
    public var text: String
    public var weight: Double
    public var scale: ReadinessScale
    /// The text in other languages, by language code.
    public var translations: [String: String]?
    public init(
        code: String, text: String, weight: Double, scale: ReadinessScale, translations: [String: String]? = nil
    ) {
        self.code = code
        self.text = text
        self.weight = weight
        self.scale = scale
        self.translations = translations
    }

    /// The text in `language` when a translation exists, else the text.
    public func text(in language: String) -> String {
        translations?[language].flatMap { $0.isEmpty ? nil : $0 } ?? text
    }
}

public struct InstrumentSection: Hashable, Sendable, Codable, Translatable {
    public var code: String
    public var name: String
    public var items: [InstrumentItem]
    public var translations: [String: String]?
    public init(code: String, name: String, items: [InstrumentItem], translations: [String: String]? = nil) {
        self.code = code
        self.name = name
        self.items = items
        self.translations = translations
    }
}

/// A versioned checklist. A version that an assessment has used is frozen: change comes as a
/// new version, derived from it.
public struct Instrument: Hashable, Sendable, Codable, Translatable {
    public var code: String
    public var version: Int
    public var name: String
    public var sections: [InstrumentSection]
    /// `CODE vN` it was derived from, if any.
    public var derivedFrom: String?
    public var translations: [String: String]?

    public init(
        code: String, version: Int, name: String, sections: [InstrumentSection], derivedFrom: String? = nil,
        translations: [String: String]? = nil
    ) {
        self.code = code
        self.version = version
        self.name = name
        self.sections = sections
        self.derivedFrom = derivedFrom
        self.translations = translations
    }

    public var items: [InstrumentItem] { sections.flatMap(\.items) }
    /// The highest version a checklist may have.
    public static let maxVersion = 1_000_000
    public var label: String { "\(code) v\(version)" }

    public func problems(source: String? = nil) -> [Problem] {
        var out: [Problem] = []
        func bad(_ field: String, _ value: String?, _ reason: String, code: String? = nil) {
            out.append(Problem(object: source, field: field, value: value, reason: reason, code: code))
        }
        if code.isEmpty || !code.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            bad("code", code, "letters, digits, '_' or '-'")
        }
        if !(1...Self.maxVersion).contains(version) {
            bad("version", String(version), "a version is 1 to \(Self.maxVersion)")
        }
        if name.isEmpty { bad("name", nil, "required") }
        if items.isEmpty { bad("sections", nil, "an instrument needs at least one item") }
        var seen = Set<String>()
        for (si, s) in sections.enumerated() {
            if s.items.isEmpty { bad("sections[\(si)].items", s.code, "a section needs at least one item") }
            for (ii, item) in s.items.enumerated() {
                let at = "sections[\(si)].items[\(ii)]"
                if item.code.isEmpty { bad(at + ".code", nil, "required") }
                if !seen.insert(item.code).inserted {
                    bad(at + ".code", item.code, "item codes are unique in an instrument", code: Problem.duplicateCode)
                }
                if !(item.weight > 0) || !(item.weight <= 1_000_000) {
                    bad(at + ".weight", String(item.weight), "a weight is a positive number, at most 1 000 000")
                }
                if item.text.isEmpty { bad(at + ".text", item.code, "required") }
            }
        }
        return out
    }
}

public struct ItemScore: Hashable, Sendable, Codable {
    public var item: String
    /// An answer of the item's scale, or `NA` (not applicable: left out of both sums).
    public var answer: String
    public var evidence: String?
    public init(item: String, answer: String, evidence: String? = nil) {
        self.item = item
        self.answer = answer
        self.evidence = evidence
    }
    public var notApplicable: Bool { answer.uppercased() == "NA" }

    enum CodingKeys: String, CodingKey { case item, answer, evidence }

    /// An answer may be written as text ("yes", "3", "P") or as a number (1, 0, 3).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        item = try c.decode(String.self, forKey: .item)
        if let n = try? c.decode(Int.self, forKey: .answer) {
            answer = String(n)
        } else {
            answer = try c.decode(String.self, forKey: .answer)
        }
        evidence = try c.decodeIfPresent(String.self, forKey: .evidence)
    }
}

/// One office assessed on one day with one instrument version, by an assessor named by role.
public struct Assessment: Hashable, Sendable, Codable {
    public var uid: String
    public var unit: String
    public var date: Day
    public var instrument: String
    public var version: Int
    /// The assessor's role ("regional inspector"), never a name.
    public var assessorRole: String
    public var scores: [ItemScore]
    /// The assessor's role in other languages (field `assessorRole`).
    public var translations: RecordTranslations?

    public init(
        uid: String = "", unit: String, date: Day, instrument: String, version: Int, assessorRole: String,
        scores: [ItemScore], translations: RecordTranslations? = nil
    ) {
        self.uid = uid
        self.unit = unit
        self.date = date
        self.instrument = instrument
        self.version = version
        self.assessorRole = assessorRole
        self.scores = scores
        self.translations = translations
    }

    enum CodingKeys: String, CodingKey { case uid, unit, date, instrument, version, assessorRole, scores, translations }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        unit = try c.decode(String.self, forKey: .unit)
        date = try c.decode(Day.self, forKey: .date)
        instrument = try c.decode(String.self, forKey: .instrument)
        version = try c.decode(Int.self, forKey: .version)
        assessorRole = try c.decode(String.self, forKey: .assessorRole)
        scores = try c.decode([ItemScore].self, forKey: .scores)
        translations = try c.decodeIfPresent(RecordTranslations.self, forKey: .translations)
    }

    /// The assessor's role in `language`: its translation, or the role as written.
    public func assessorRole(in language: String) -> String {
        translations?.text("assessorRole", in: language, or: assessorRole) ?? assessorRole
    }

    /// Readiness = Σ weight × score / Σ weight × maximum over the applicable items, in percent;
    /// nil when no item applies.
    public func readiness(_ instrument: Instrument) -> Double? {
        var got = 0.0
        var max = 0.0
        let answers = Dictionary(scores.map { ($0.item, $0) }, uniquingKeysWith: { a, _ in a })
        for item in instrument.items {
            guard let s = answers[item.code], !s.notApplicable, let v = item.scale.score(s.answer) else { continue }
            got += item.weight * v
            max += item.weight * item.scale.maximum
        }
        return max > 0 ? 100 * got / max : nil
    }

    /// Every problem against its instrument and the catalog: each item answered once, on its scale.
    public func problems(_ instrument: Instrument?, catalog: Catalog, line: Int? = nil) -> [Problem] {
        var out: [Problem] = []
        func bad(_ field: String, _ value: String?, _ reason: String, code: String? = nil) {
            out.append(Problem(line: line, field: field, value: value, reason: reason, code: code))
        }
        if let u = catalog.unit(unit) {
            if !u.isOpen(on: date) { bad("unit", unit, "\(u.code) was not open on \(date)", code: Problem.closedUnit) }
        } else {
            bad("unit", unit, catalog.noUnit(unit), code: Problem.unknownReference)
        }
        if assessorRole.trimmingCharacters(in: .whitespaces).isEmpty {
            bad("assessorRole", nil, "the assessor's role (not a name) is required")
        }
        out += translations?.problems(fields: ["assessorRole"], line: line) ?? []
        guard let instrument else {
            bad(
                "instrument", "\(self.instrument) v\(version)", "no such instrument version",
                code: Problem.unknownReference)
            return out
        }
        let items = Dictionary(instrument.items.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        for (i, s) in scores.enumerated() {
            guard let item = items[s.item] else {
                bad("scores[\(i)].item", s.item, "not an item of \(instrument.label)")
                continue
            }
            if !seen.insert(s.item).inserted { bad("scores[\(i)].item", s.item, "answered twice") }
            if !s.notApplicable && item.scale.score(s.answer) == nil {
                bad(
                    "scores[\(i)].answer", s.answer,
                    "\(s.item) is scored \(item.scale.answers.joined(separator: ", ")) or NA")
            }
            if let e = s.evidence, e.count > 500 {
                bad("scores[\(i)].evidence", String(e.prefix(30)) + "…", "at most 500 characters")
            }
        }
        let missing = instrument.items.map(\.code).filter { !seen.contains($0) }
        if !missing.isEmpty {
            bad("scores", missing.joined(separator: ", "), "every item is answered (NA when it does not apply)")
        }
        if readiness(instrument) == nil && out.isEmpty {
            bad("scores", nil, "no item applies: readiness cannot be computed")
        }
        return out
    }
}

public enum ReadinessRegister {
    public static let element = "READINESS_PCT"
    public static let derivedFrom = "readiness assessments"
}

/// Where readiness falls short: the items with the lowest scores across offices, and how each
/// region moved between two rounds.
public enum ReadinessGaps {
    public struct ItemGap: Hashable, Sendable, Codable {
        public var item: String
        public var text: String
        public var section: String
        /// Mean score as a share of the maximum, in percent, over the offices where it applies.
        public var meanPercent: Double
        public var offices: Int
    }

    public struct RegionChange: Hashable, Sendable, Codable {
        public var unit: String
        public var name: String
        public var before: Double?
        public var after: Double?
        public var change: Double? { before.flatMap { b in after.map { $0 - b } } }
    }

    /// Item means over the assessments given (typically one round), lowest first.
    public static func items(
        _ assessments: [Assessment], instruments: [String: Instrument], language: String = "en"
    ) -> [ItemGap] {
        var sums: [String: (total: Double, n: Int, item: InstrumentItem, section: String)] = [:]
        for a in assessments {
            guard let inst = instruments["\(a.instrument) v\(a.version)"] else { continue }
            let answers = Dictionary(a.scores.map { ($0.item, $0) }, uniquingKeysWith: { x, _ in x })
            for s in inst.sections {
                for item in s.items {
                    guard let ans = answers[item.code], !ans.notApplicable, let v = item.scale.score(ans.answer) else {
                        continue
                    }
                    var e = sums[item.code] ?? (0, 0, item, s.name(in: language))
                    e.total += 100 * v / item.scale.maximum
                    e.n += 1
                    sums[item.code] = e
                }
            }
        }
        return sums.map {
            ItemGap(
                item: $0.key, text: $0.value.item.text(in: language), section: $0.value.section,
                meanPercent: $0.value.total / Double($0.value.n), offices: $0.value.n)
        }
        .sorted { ($0.meanPercent, $0.item) < ($1.meanPercent, $1.item) }
    }

    /// Mean readiness of the offices in each region's subtree, in two rounds (each office's latest of the year).
    public static func regions(
        _ records: [(assessment: Assessment, readiness: Double)], before: Int, after: Int,
        catalog: Catalog, regions: [OrgUnit], language: String = "en"
    ) -> [RegionChange] {
        func latest(_ year: Int) -> [String: Double] {
            var out: [String: (Day, Double)] = [:]
            for r in records where r.assessment.date.year == year {
                if let e = out[r.assessment.unit], e.0 > r.assessment.date { continue }
                out[r.assessment.unit] = (r.assessment.date, r.readiness)
            }
            return out.mapValues(\.1)
        }
        let a = latest(before)
        let b = latest(after)
        func mean(_ d: [String: Double], _ region: OrgUnit, _ year: Int) -> Double? {
            let day = Day.lastOfYear(year)
            let xs = d.filter { catalog.isInSubtree($0.key, of: region.uid, on: day) }.map(\.value)
            return xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
        }
        return regions.map { r in
            RegionChange(unit: r.code, name: r.name(in: language), before: mean(a, r, before), after: mean(b, r, after))
        }
    }
}
