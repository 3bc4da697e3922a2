import Foundation
import Testing

@testable import QorganServer

/// The message catalogues follow docs/TERMS.md: the words for forms and sites kept apart in
/// Kazakh, sentences that decline a noun instead of a number, every placeholder in every language,
/// and no menu word cut in two.
@Suite struct TermsTests {
    let messages: Messages
    init() throws { messages = try Messages.load() }

    @Test func kazakhKeepsFormsAndSitesApart() {
        let kk = messages.table("kk")
        for (key, text) in kk where key.hasPrefix("sites_") || key.hasPrefix("err_site_") || key == "nav_sites" {
            let words = text.lowercased().split { !$0.isLetter }
            #expect(!words.contains { $0.hasPrefix("нысан") && !$0.hasPrefix("нысаналы") }, "\(key): \(text)")
        }
        #expect(kk["entry_form"] == "Нысан")
        #expect(kk["nav_sites"] == "Объектілер")
    }

    @Test func validationSentencesAreWholeAndDeclineANoun() {
        for op in [
            "equal_to", "not_equal_to", "greater_than", "greater_than_or_equal_to", "less_than",
            "less_than_or_equal_to", "compulsory_pair", "exclusive_pair",
        ] {
            for lang in Messages.languages {
                let text = messages.table(lang)["validation_sentence_" + op] ?? ""
                #expect(text.contains("{left}") && text.contains("{right}"), "\(lang) \(op): \(text)")
            }
            let kk = messages.table("kk")["validation_sentence_" + op] ?? ""
            #expect(kk.contains("{left} мәні") && kk.contains("{right} мән"), "kk \(op): \(kk)")
        }
    }

    @Test func everyPlaceholderIsInEveryLanguage() throws {
        let en = messages.table("en")
        let pattern = try Regex(#"\{[a-zA-Z]+\}"#)
        for (key, text) in en {
            let wanted = Set(text.matches(of: pattern).map { String(text[$0.range]) })
            guard !wanted.isEmpty else { continue }
            for lang in ["ru", "kk"] {
                let other = messages.table(lang)[key] ?? ""
                let found = Set(other.matches(of: pattern).map { String(other[$0.range]) })
                #expect(wanted.isSubset(of: found), "\(lang) \(key): \(other) lacks \(wanted.subtracting(found))")
            }
        }
    }

    @Test func theMenuNeverCutsAWord() throws {
        let css = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../Sources/QorganServer/Resources/static/app.css"),
            encoding: .utf8)
        let menuRules = css.split(separator: "\n").filter { $0.contains("header.top nav") }
        #expect(!menuRules.isEmpty)
        #expect(!menuRules.contains { $0.contains("anywhere") || $0.contains("break-all") })
    }
}
