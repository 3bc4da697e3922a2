import Foundation

/// A record's free texts in other languages than the one they were written in: language → field
/// → text. Kazakhstan keeps official records in Kazakh and Russian, so a register's entry (an
/// incident's summary, a site's name, an assessor's role) may carry its text in both; a page shows
/// the text in the page's language when there is one, and the text as written otherwise.
public struct RecordTranslations: Hashable, Sendable, Codable {
    /// The languages a translation may be in (the web application's).
    public static let languages: Set<String> = ["en", "ru", "kk"]
    /// The longest translated text, in characters.
    public static let maximumLength = 4000

    public var byLanguage: [String: [String: String]]

    public init(_ byLanguage: [String: [String: String]] = [:]) { self.byLanguage = byLanguage }

    public init(from decoder: Decoder) throws {
        byLanguage = try decoder.singleValueContainer().decode([String: [String: String]].self)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(byLanguage)
    }

    public var isEmpty: Bool { byLanguage.values.allSatisfy(\.isEmpty) }

    /// The field's text in `language`, or `original` when it has none.
    public func text(_ field: String, in language: String, or original: String) -> String {
        byLanguage[language]?[field].flatMap { $0.isEmpty ? nil : $0 } ?? original
    }

    /// These translations without the fields whose original text changed from `before` to
    /// `after` (a translation of the old text no longer says the same).
    public func keeping(unchanged before: [String: String], _ after: [String: String]) -> RecordTranslations {
        var out = byLanguage
        for (language, fields) in out {
            out[language] = fields.filter { field, _ in before[field] == after[field] }
        }
        return RecordTranslations(out.filter { !$0.value.isEmpty })
    }

    /// Every problem: a language the application does not speak, a field the record does not
    /// translate, an empty or overlong text.
    public func problems(fields: Set<String>, line: Int? = nil, object: String? = nil) -> [Problem] {
        var out: [Problem] = []
        for (language, texts) in byLanguage.sorted(by: { $0.key < $1.key }) {
            guard Self.languages.contains(language) else {
                out.append(
                    Problem(
                        line: line, object: object, field: "translations", value: language,
                        reason: "a language is one of \(Self.languages.sorted().joined(separator: ", "))"))
                continue
            }
            for (field, text) in texts.sorted(by: { $0.key < $1.key }) {
                let at = "translations.\(language).\(field)"
                if !fields.contains(field) {
                    out.append(
                        Problem(
                            line: line, object: object, field: at, value: field,
                            reason: "translated fields are \(fields.sorted().joined(separator: ", "))"))
                } else if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                    || text.count > Self.maximumLength
                {
                    out.append(
                        Problem(
                            line: line, object: object, field: at, value: String(text.prefix(40)),
                            reason: "1 to \(Self.maximumLength) characters"))
                }
            }
        }
        return out
    }
}

extension RecordTranslations {
    /// The translations as stored: languages without a text left out, nil when none is left.
    public static func stored(_ t: RecordTranslations?) -> RecordTranslations? {
        let kept = (t?.byLanguage ?? [:]).filter { !$0.value.isEmpty }
        return kept.isEmpty ? nil : RecordTranslations(kept)
    }

    /// The translations as a column's JSON text (sorted keys), nil when none.
    public static func column(_ t: RecordTranslations?) throws -> String? {
        guard let t = stored(t) else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(t), as: UTF8.self)
    }

    /// Translations read back from a column (nil, or JSON text written by `column`).
    public static func fromColumn(_ text: String?) -> RecordTranslations? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(RecordTranslations.self, from: Data(text.utf8))
    }
}
