import Foundation
import QorganCore

/// The interface text in every language, from the message catalogues in
/// Resources/messages/LANG.json (flat keys). English is complete by definition; a test
/// checks that Russian and Kazakh have every key English has.
public struct Messages: Sendable {
    public static let languages = ["en", "ru", "kk"]
    public static let defaultLanguage = "en"
    public static let languageNames = ["en": "English", "ru": "Русский", "kk": "Қазақша"]

    public let catalogues: [String: [String: String]]

    public static func load() throws -> Messages {
        var out: [String: [String: String]] = [:]
        for lang in languages {
            guard
                let url = Bundle.module.url(
                    forResource: lang, withExtension: "json", subdirectory: "Resources/messages")
            else {
                throw ServerSetupError("the message catalogue Resources/messages/\(lang).json is missing")
            }
            do {
                out[lang] = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
            } catch {
                throw ServerSetupError("the message catalogue \(lang).json is not a JSON object of strings: \(error)")
            }
        }
        return Messages(catalogues: out)
    }

    /// The catalogue of `language`, English filling any gap.
    public func table(_ language: String) -> [String: String] {
        let base = catalogues[Self.defaultLanguage] ?? [:]
        return base.merging(catalogues[language] ?? [:]) { _, translated in translated }
    }

    public func text(_ key: String, _ language: String) -> String {
        catalogues[language]?[key] ?? catalogues[Self.defaultLanguage]?[key] ?? key
    }

    /// The language to use: an explicit choice, else the best of Accept-Language, else English.
    public static func negotiate(choice: String?, acceptLanguage: String?) -> String {
        if let choice, languages.contains(choice) { return choice }
        guard let header = acceptLanguage else { return defaultLanguage }
        var best: (lang: String, q: Double)? = nil
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = fields.first?.lowercased() else { continue }
            let primary = String(tag.split(separator: "-").first ?? "")
            var q = 1.0
            for f in fields.dropFirst() where f.hasPrefix("q=") { q = Double(f.dropFirst(2)) ?? 0 }
            if languages.contains(primary), q > (best?.q ?? 0) { best = (primary, q) }
        }
        return best?.lang ?? defaultLanguage
    }
}

public struct ServerSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// `text` with each `{name}` replaced by its value: "{unit} does not report on {form}".
func fill(_ text: String, _ values: [String: String]) -> String {
    values.reduce(text) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
}

extension Messages {
    /// A period as people name it: "December 2017", "January–March 2017", "2017"; a period that is
    /// not whole months (weeks, days) by its dates.
    public func periodName(_ p: Period, _ language: String) -> String {
        let s = p.start
        let e = p.end
        func month(_ m: Int) -> String { text("month_\(m)", language) }
        // After a dash, Russian and Kazakh write a month's name in lower case.
        func later(_ m: Int) -> String { language == "en" ? month(m) : month(m).lowercased() }
        switch p.type {
        case .yearly: return String(s.year)
        case .monthly: return "\(month(s.month)) \(s.year)"
        case .daily: return s.description
        default:
            guard s.day == 1, e.day == Day.daysInMonth(year: e.year, month: e.month) else {
                return "\(p.iso) (\(s.description) – \(e.description))"
            }
            if s.year == e.year { return "\(month(s.month))–\(later(e.month)) \(s.year)" }
            return "\(month(s.month)) \(s.year) – \(later(e.month)) \(e.year)"
        }
    }
}
