import Foundation
import QorganCore
import QorganServer
import QorganWebTestSupport
import Testing

/// Records' texts in other languages: an incident's place, summary and sources, a site's name,
/// sector and responsible role, a prescription, an assessor's role. Pages show them in the page's
/// language, the API carries them, a bad one is refused whole, and a text changed in the browser
/// loses the translations that no longer say the same.
@Suite struct RecordTranslationTests {
    @Test func theDemosRecordsAreShownInThePagesLanguage() async throws {
        let state = try await WebFixture.state()
        let attack = try #require(try state.store.incidents().first { $0.incident.outcome == .completed }).incident
        let site = try #require(try state.store.sites().first).site
        try await withApp(state) { web in
            try await web.signIn("admin")
            let ru = try await web.send(.get, "/incidents/\(attack.uid)?lang=ru").text ?? ""
            let summary = try #require(attack.translations?.byLanguage["ru"]?["summary"])
            #expect(ru.contains(summary) && !ru.contains(attack.summary))
            #expect(ru.contains("<li>Сообщения прессы"))
            let en = try await web.send(.get, "/incidents/\(attack.uid)?lang=en").text ?? ""
            #expect(en.contains(attack.summary))
            let list = try await web.send(.get, "/incidents?lang=kk").text ?? ""
            #expect(list.contains("Иллюстрациялық мысал:") && !list.contains("Illustrative:"))
            let kk = try await web.send(.get, "/sites/\(site.uid)?lang=kk").text ?? ""
            #expect(kk.contains("<title>\(site.text("name", in: "kk"))") && kk.contains("объект қауіпсіздігі"))
            #expect(kk.contains("талаптарға сәйкес келтіру") && !kk.contains("up to the requirement"))
            let readiness = try await web.send(.get, "/readiness?lang=ru").text ?? ""
            #expect(readiness.contains("группа проверки") && !readiness.contains("inspection team"))
            let notices = try await web.send(.get, "/notifications?lang=ru").text ?? ""
            #expect(notices.contains("в соответствие с требованиями") && !notices.contains("(illustrative)"))
        }
    }

    @Test func theAPICarriesTranslationsAndRefusesABadOneWhole() async throws {
        let state = try await WebFixture.state()
        let before = try state.store.incidents().count
        try await withApp(state) { web in
            try await web.signIn("admin")
            var body: [String: Any] = [
                "date": "2017-03", "unit": "AKT", "outcome": "foiled", "summary": "A plot stopped.",
                "sources": ["Court record"],
                "translations": [
                    "fr": ["summary": "Un complot"], "ru": ["summary": " ", "colour": "красный"],
                ],
            ]
            let bad = try await web.send(.post, "/api/incidents", json: body)
            #expect(bad.status == .badRequest)
            let text = bad.text ?? ""
            for named in ["\"fr\"", "translations.ru.summary", "translations.ru.colour"] {
                #expect(text.contains(named), "\(named): \(text)")
            }
            #expect(try state.store.incidents().count == before)

            body["translations"] = ["ru": ["summary": "Замысел предотвращён.", "sources": "Судебное дело"]]
            let made = try await web.send(.post, "/api/incidents", json: body)
            #expect(made.status == .created, "\(made.text ?? "")")
            let uid = try #require((made.json as? [String: Any])?["uid"] as? String)
            let detail = try await web.send(.get, "/api/incidents/\(uid)").json as? [String: Any]
            let incident = try #require(detail?["incident"] as? [String: Any])
            let translations = incident["translations"] as? [String: [String: String]]
            #expect(translations?["ru"]?["summary"] == "Замысел предотвращён.")
            let page = try await web.send(.get, "/incidents/\(uid)?lang=ru").text ?? ""
            #expect(page.contains("Замысел предотвращён.") && page.contains("<li>Судебное дело</li>"))
        }
    }

    @Test func aTextChangedInTheBrowserLosesOnlyItsOwnTranslations() async throws {
        let state = try await WebFixture.state()
        let attack = try #require(try state.store.incidents().first { $0.incident.outcome == .completed }).incident
        try await withApp(state) { web in
            try await web.signIn("admin")
            _ = try await web.send(.get, "/incidents/\(attack.uid)?edit=1")
            var fields: [(String, String)] = [("_csrf", web.csrf ?? "")]
            let i = attack
            fields += [
                ("date", i.date.description), ("unit", "AKT"), ("place", i.placeName ?? ""),
                ("outcome", i.outcome.rawValue), ("attackType", String(i.attackType)),
                ("targetType", String(i.targetType)), ("weaponType", String(i.weaponType)),
                ("property", i.propertyDamage.rawValue), ("claimed", i.claimed.rawValue),
                ("propertyExtent", i.propertyExtent.map(String.init) ?? ""),
                ("summary", "Armed attackers seized weapons and attacked a military unit."),
                ("sources", i.sources.joined(separator: "\n")),
            ]
            let r = try await web.send(.post, "/incidents/\(attack.uid)", form: fields)
            #expect(r.status == .seeOther, "\(r.text ?? "")")
        }
        let saved = try #require(try state.store.incident(uid: attack.uid)).incident
        #expect(saved.summary == "Armed attackers seized weapons and attacked a military unit.")
        // The summary's translations said the old text: gone. The place's and the sources' stay.
        #expect(saved.translations?.byLanguage["ru"]?["summary"] == nil)
        #expect(saved.translations?.byLanguage["kk"]?["summary"] == nil)
        #expect(
            saved.translations?.byLanguage["ru"]?["placeName"] == attack.translations?.byLanguage["ru"]?["placeName"])
        #expect(saved.translations?.byLanguage["kk"]?["sources"] == attack.translations?.byLanguage["kk"]?["sources"])
        #expect(saved.text("summary", in: "ru") == saved.summary)
    }

    @Test func translationsAreCheckedLanguageFieldAndLength() {
        let t = RecordTranslations([
            "de": ["name": "Flughafen"], "kk": ["name": String(repeating: "а", count: 4001), "colour": "қызыл"],
            "ru": ["name": "Аэропорт"],
        ])
        let found = t.problems(fields: Site.translatedFields)
        #expect(found.map(\.field) == ["translations", "translations.kk.colour", "translations.kk.name"])
        #expect(found.first?.reason == "a language is one of en, kk, ru")
        #expect(RecordTranslations(["ru": ["name": "Аэропорт"]]).problems(fields: Site.translatedFields).isEmpty)
        #expect(RecordTranslations.stored(RecordTranslations(["ru": [:]])) == nil)
        let site = RecordTranslations(["ru": ["name": "Аэропорт", "sector": "транспорт"], "kk": ["name": "Әуежай"]])
        let kept = site.keeping(
            unchanged: ["name": "Airport", "sector": "transport"], ["name": "Airport terminal", "sector": "transport"])
        #expect(kept == RecordTranslations(["ru": ["sector": "транспорт"]]))
    }
}
