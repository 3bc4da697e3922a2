import Foundation
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganInterop
import QorganServer
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// Validation rules: each operator and missing-value strategy, rules as metadata, the engine's
/// check against a plain one on the reference aggregation, and the places people meet them
/// (the API, completion, the pages, the command).
@Suite struct ValidationTests {
    func rule(
        _ op: ValidationRule.Operator, left: String = "#{A}", right: String = "#{B}",
        leftStrategy: ValidationRule.MissingValueStrategy = .skipIfAllValuesMissing,
        rightStrategy: ValidationRule.MissingValueStrategy = .skipIfAllValuesMissing
    ) -> ValidationRule {
        ValidationRule(
            uid: "r", code: "R", name: "R", operator: op, leftSide: .init(left, missingValueStrategy: leftStrategy),
            rightSide: .init(right, missingValueStrategy: rightStrategy), periodType: .monthly)
    }

    /// The rule's verdict for the given values of A, B and C (nil: no data); nil when not checked.
    func verdict(_ rule: ValidationRule, _ values: [String: Double?]) throws -> Bool? {
        let left = try Expression.parse(rule.leftSide.expression)
        let right = try Expression.parse(rule.rightSide.expression)
        return rule.check(left: left, right: right) { values[$0.code] ?? nil }?.holds
    }

    @Test func everyOperatorComparesAsItSays() throws {
        let cases: [(ValidationRule.Operator, Double, Double, Bool)] = [
            (.equalTo, 3, 3, true), (.equalTo, 3, 4, false),
            (.notEqualTo, 3, 4, true), (.notEqualTo, 3, 3, false),
            (.greaterThan, 4, 3, true), (.greaterThan, 3, 3, false),
            (.greaterThanOrEqualTo, 3, 3, true), (.greaterThanOrEqualTo, 2, 3, false),
            (.lessThan, 2, 3, true), (.lessThan, 3, 3, false),
            (.lessThanOrEqualTo, 3, 3, true), (.lessThanOrEqualTo, 4, 3, false),
            // Sums of decimals compare as they are shown, not by their last bit.
            (.equalTo, 0.1 + 0.2, 0.3, true),
        ]
        for (op, a, b, expected) in cases {
            #expect(try verdict(rule(op), ["A": a, "B": b]) == expected, "\(a) \(op.symbol) \(b)")
        }
        // The pairs look at whether each side has data.
        let pair = rule(.compulsoryPair)
        #expect(try verdict(pair, ["A": 5, "B": 0]) == true)
        #expect(try verdict(pair, ["A": nil, "B": nil]) == true)
        #expect(try verdict(pair, ["A": 5, "B": nil]) == false)
        #expect(try verdict(pair, ["A": nil, "B": 2]) == false)
        let exclusive = rule(.exclusivePair)
        #expect(try verdict(exclusive, ["A": 5, "B": nil]) == true)
        #expect(try verdict(exclusive, ["A": nil, "B": nil]) == true)
        #expect(try verdict(exclusive, ["A": 5, "B": 1]) == false)
        // Operators by DHIS2's name, by symbol, and refused with the list.
        #expect(ValidationRule.Operator(name: "less_than_or_equal_to") == .lessThanOrEqualTo)
        #expect(ValidationRule.Operator(name: "<=") == .lessThanOrEqualTo)
        #expect(ValidationRule.Operator(name: "compulsory pair") == .compulsoryPair)
        #expect(ValidationRule.Operator(name: "about") == nil)
    }

    @Test func missingValueStrategiesDecideWhetherARuleIsChecked() throws {
        // Left: A + B; right: C.
        let values: [String: Double?] = ["A": 7, "B": nil, "C": 5]
        let allMissing = rule(.lessThanOrEqualTo, left: "#{A} + #{B}", right: "#{C}")
        #expect(try verdict(allMissing, values) == false, "7 + (no data) > 5: one value is enough to check")
        #expect(try verdict(allMissing, ["A": nil, "B": nil, "C": 5]) == nil, "no data on the left: not checked")
        let anyMissing = rule(
            .lessThanOrEqualTo, left: "#{A} + #{B}", right: "#{C}", leftStrategy: .skipIfAnyValueMissing)
        #expect(try verdict(anyMissing, values) == nil, "B has no data: not checked")
        #expect(try verdict(anyMissing, ["A": 2, "B": 1, "C": 5]) == true)
        let neverSkip = rule(.greaterThanOrEqualTo, left: "#{A}", right: "#{C}", leftStrategy: .neverSkip)
        #expect(try verdict(neverSkip, ["A": nil, "C": 5]) == false, "missing counts as 0: 0 >= 5 is broken")
        #expect(try verdict(neverSkip, ["A": nil, "C": nil]) == nil, "the right side still skips")
        // Constants are not data: a side of constants alone is always checked.
        #expect(try verdict(rule(.lessThanOrEqualTo, left: "#{A}", right: "10"), ["A": 12]) == false)
    }

    static let ruleDocument = """
        {"validationRules": [
          {"code": "A_WITHIN_B", "name": "A within B", "importance": "HIGH", "operator": "less_than_or_equal_to",
           "leftSide": {"expression": "#{SUM.M}", "missingValueStrategy": "SKIP_IF_ANY_VALUE_MISSING"},
           "rightSide": "#{SUM} + C{HUNDRED}", "periodType": "Monthly", "organisationUnitLevels": [1],
           "instruction": "Check A", "instructionTranslations": {"ru": "Проверьте A"},
           "translations": {"ru": "A не больше B"}}
        ]}
        """

    @Test(arguments: TestBackend.allCases) func rulesAreMetadataThatRoundTripsAndIsChecked(on backend: TestBackend)
        throws
    {
        let s = try backend.smallStore()
        let doc = try MetadataDocument.parse(Data(Self.ruleDocument.utf8), source: "rules.json")
        let changes = try s.importMetadata(doc, user: "t")
        #expect(changes.contains { $0.kind == "validationRule" && $0.code == "A_WITHIN_B" && $0.action == .created })
        let stored = try #require(try s.catalog().validationRule("A_WITHIN_B"))
        #expect(stored.importance == .high && stored.operator == .lessThanOrEqualTo)
        #expect(stored.leftSide.missingValueStrategy == .skipIfAnyValueMissing)
        #expect(stored.rightSide.missingValueStrategy == .skipIfAllValuesMissing)
        #expect(stored.organisationUnitLevels == [1] && stored.periodType == .monthly)
        #expect(stored.name(in: "ru") == "A не больше B" && stored.instruction(in: "ru") == "Проверьте A")
        #expect(stored.instruction(in: "kk") == "Check A")
        // The export carries the rule and imports again unchanged.
        let exported = try MetadataDocument.write(try s.catalog())
        let again = try s.importMetadata(try MetadataDocument.parse(exported, source: "export.json"), user: "t")
        #expect(again.filter { $0.kind == "validationRule" }.allSatisfy { $0.action == .unchanged })

        // A rule whose side does not compute, or with a level 0, is refused whole, by field.
        var bad = Catalog()
        bad.categoryCombos = []
        bad.validationRules = [
            ValidationRule(
                uid: "", code: "BROKEN", name: "Broken", operator: .equalTo, leftSide: .init("#{NOPE}"),
                rightSide: .init("#{SUM} +"), periodType: .monthly, organisationUnitLevels: [0])
        ]
        do {
            _ = try s.importMetadata(bad, user: "t")
            Issue.record("a broken rule was accepted")
        } catch let QorganError.rejected(_, problems) {
            #expect(problems.contains { $0.object == "validationRule BROKEN" && $0.field == "leftSide" })
            #expect(problems.contains { $0.object == "validationRule BROKEN" && $0.field == "rightSide" })
            #expect(problems.contains { $0.field == "organisationUnitLevels" && $0.value == "0" })
        }
        #expect(try s.catalog().validationRule("BROKEN") == nil)
        // An unknown operator names itself and the choices.
        let unknown = Self.ruleDocument.replacingOccurrences(of: "less_than_or_equal_to", with: "about")
        #expect(throws: (any Error).self) {
            try MetadataDocument.parse(Data(unknown.utf8), source: "rules.json")
        }
    }

    /// The engine's check of every demo rule, unit and period, against the same rules evaluated
    /// value by value with the reference aggregation (over 2017, where the demo's slips are: the
    /// reference reads every value of an element for each cell, which takes a while).
    @Test func theEngineAgreesWithAPlainCheckOnTheDemo() throws {
        let (store, engine) = try WebFixture.store()
        let state = engine.snapshot()
        let catalog = state.catalog
        let all = try PeriodSelection("2013..2017").span
        let whole = try state.validate(ValidationScope(units: catalog.roots(on: all.end).map(\.uid), span: all))
        #expect(whole.rules.count == catalog.validationRules.count && whole.rules.count >= 4)
        #expect(whole.checked > 3_000)
        let span = try PeriodSelection("2017").span
        let outcome = try state.validate(ValidationScope(units: catalog.roots(on: span.end).map(\.uid), span: span))
        #expect(Set(outcome.violations) == Set(whole.violations), "every demo violation lies in 2017")

        // Values of 2017 are all the rules read in 2017 (the latest caseload of a quarter is its own).
        let reference = ReferenceAggregator(
            catalog: catalog, values: try store.values(within: span))
        var expected: [ValidationViolation] = []
        var checked = 0
        for rule in catalog.validationRules {
            let left = try Expression.parse(rule.leftSide.expression)
            let right = try Expression.parse(rule.rightSide.expression)
            for period in Period.periods(of: rule.periodType, within: span) {
                for unit in catalog.units(of: rule, in: period) {
                    let result = rule.check(left: left, right: right) { r in
                        switch r.kind {
                        case .element:
                            return reference.elementValue(
                                r.code, optionCombo: r.combo, unit: unit, span: period.span)
                        case .indicator: return reference.indicator(r.code, unit: unit, span: period.span)?.value
                        case .constant: return catalog.constant(r.code)?.value
                        case .reportingRate: return nil  // no demo rule reads one
                        }
                    }
                    guard let result else { continue }
                    checked += 1
                    if !result.holds {
                        expected.append(
                            ValidationViolation(
                                rule: rule.uid, unit: unit, period: period.iso, leftValue: result.left,
                                rightValue: result.right, importance: rule.importance))
                    }
                }
            }
        }
        #expect(outcome.checked == checked)
        #expect(Set(outcome.violations) == Set(expected))
        // The demo's two deliberate slips, and nothing else.
        let found = outcome.violations.map { (catalog.validationRule($0.rule)?.code ?? "", $0.period) }
        #expect(found.count == 2)
        #expect(found.contains { $0 == ("MARGINALISED_WITHIN_DRAWN_IN", "2017Q1") })
        #expect(found.contains { $0 == ("EVENTS_AND_REACH_TOGETHER", "201703") })
        #expect(outcome.violations.first?.importance == .high, "the most important first")
    }

    @Test func aSavedValueChangesTheAnswerAtOnce() throws {
        let (store, engine) = try WebFixture.store()
        let catalog = engine.snapshot().catalog
        let ala = try #require(catalog.unit("ALA"))
        let scope = ValidationScope(
            units: [ala.uid], span: try #require(Period.parse("2017Q4")).span, dataSet: "INVOLVEMENT",
            exactUnits: true)
        #expect(try engine.snapshot().validate(scope).violations.isEmpty)
        try store.saveValues(
            [DataValueInput(element: "DRAWN_IN_MARGINALISED", period: "2017Q4", unit: "ALA", value: "999")],
            user: "t")
        let broken = try engine.snapshot().validate(scope).violations
        #expect(broken.count == 1 && broken.first?.leftValue == 999)
        #expect(broken.first?.unit == ala.uid && broken.first?.period == "2017Q4")
        // A scope too large is refused before any work.
        var huge = scope
        huge.maxChecks = 0
        #expect(throws: QorganError.self) { try engine.snapshot().validate(huge) }
    }

    @Test func theAPIAnswersInScopeAndCompletionFollowsTheRules() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("almaty")
            // The region's own violations; another region is refused.
            var r = try await web.send(.get, "/api/validation?pe=2017")
            #expect(r.status == .ok)
            let list = try #require(r.object["validationRuleViolations"] as? [[String: Any]])
            #expect(list.map { $0["organisationUnitCode"] as? String } == ["ALA_ALATAU"])
            #expect(list.first?["importance"] as? String == "MEDIUM")
            #expect(try await web.send(.get, "/api/validation?pe=2017&ou=AKT").status == .forbidden)
            r = try await web.send(.get, "/api/validation?pe=2017-13")
            #expect(r.status == .badRequest && "\(r.object)".contains("2017-13"))
            #expect(try await web.send(.get, "/api/validation?pe=2017&rule=NOPE").status == .conflict)
            r = try await web.send(.get, "/api/validation.csv?pe=2017")
            #expect(r.text?.hasPrefix("\u{FEFF}importance,validationRule") == true)
            #expect(r.text?.contains("MEDIUM,EVENTS_AND_REACH_TOGETHER") == true)

            // Completion: a high importance violation refuses it, in the user's language.
            try await web.send(
                .post, "/api/dataValues",
                json: [
                    "dataElement": "DRAWN_IN_MARGINALISED", "period": "2017Q4", "orgUnit": "ALA", "value": "999",
                ])
            r = try await web.send(.get, "/api/validation/dataSet/INVOLVEMENT?pe=2017Q4&ou=ALA")
            let form = try #require(r.object["validationRuleViolations"] as? [[String: Any]])
            #expect(form.first?["validationRuleCode"] as? String == "MARGINALISED_WITHIN_DRAWN_IN")
            let body: [String: Any] = ["dataSet": "INVOLVEMENT", "period": "2017Q4", "orgUnit": "ALA"]
            r = try await web.send(.post, "/api/completions", json: body)
            #expect(r.status == .conflict && r.object["code"] as? String == "validation_failed")
            #expect((r.object["message"] as? String ?? "").contains("Marginalised people drawn in"))
            r = try await web.send(
                .post, "/api/completions", json: body.merging(["comment": "sure"]) { a, _ in a },
                headers: [.acceptLanguage: "kk"])
            #expect(r.status == .conflict, "a comment does not excuse a high importance violation")
            let ala = try #require(try state.store.catalog().unit("ALA")).uid
            let involvement = try #require(try state.store.catalog().dataSet("INVOLVEMENT")).uid
            #expect(try state.store.completion(dataSet: involvement, period: "2017Q4", unit: ala) == nil)

            // A medium one needs a comment, which is kept.
            let office: [String: Any] = ["dataSet": "PREVENTION", "period": "201703", "orgUnit": "ALA_ALATAU"]
            r = try await web.send(.post, "/api/completions", json: office)
            #expect(r.status == .conflict && r.object["code"] as? String == "comment_required")
            r = try await web.send(
                .post, "/api/completions", json: office.merging(["comment": "Reach typed into April"]) { a, _ in a })
            #expect(r.status == .ok && r.object["comment"] as? String == "Reach typed into April")
            // Fixing the data lets the high one through.
            try await web.send(
                .post, "/api/dataValues",
                json: ["dataElement": "DRAWN_IN_MARGINALISED", "period": "2017Q4", "orgUnit": "ALA", "value": "1"])
            r = try await web.send(.post, "/api/completions", json: body)
            #expect(r.status == .ok && r.object["completed"] as? Bool == true)
        }
    }

    @Test func pagesShowViolationsBesideTheGridAndInAList() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("almaty")
            let catalog = try state.store.catalog()
            let office = try #require(catalog.unit("ALA_ALATAU")).uid
            var page = try await web.send(.get, "/entry?ds=PREVENTION&ou=\(office)&pe=201703")
            var html = page.text ?? ""
            #expect(html.contains("id=\"violations\""))
            #expect(html.contains("Preventive events and people newly reached are reported together"))
            #expect(html.contains("must be reported together with"))
            #expect(html.contains("id=\"completion-comment\""))
            page = try await web.send(.get, "/entry?ds=PREVENTION&ou=\(office)&pe=201702")
            #expect(page.text?.contains("No rule is broken.") == true)

            try await web.send(.get, "/language?set=ru&back=/dashboard")
            page = try await web.send(.get, "/validation?pe=2017")
            html = page.text ?? ""
            #expect(page.status == .ok)
            #expect(html.contains("Профилактические мероприятия и впервые охваченные указываются вместе"))
            #expect(html.contains("Средняя"))
            #expect(
                html.contains(
                    "/entry?ds=\(try #require(catalog.dataSet("PREVENTION")).uid)&amp;ou=\(office)&amp;pe=201703"))
            #expect(try await web.send(.get, "/validation?pe=2017&ou=AKT").status == .forbidden)
            #expect(try await web.send(.get, "/validation?pe=nonsense").status == .badRequest)
            page = try await web.send(.get, "/validation?pe=2017&importance=HIGH")
            #expect(page.text?.contains("Ни одно правило не нарушено.") == true)
        }
    }

    @Test func theCommandListsViolationsAndSaysSoInItsStatus() throws {
        let cli = CLIRunner()
        let db = Fixtures.temporaryPath()
        try FileManager.default.copyItem(atPath: WebFixture.template.path, toPath: db)
        var run = try cli.qorgan("validate", "--periods", "2013..2017", database: db)
        #expect(run.status == 3, "violations found: exit status 3")
        #expect(run.out.contains("2 violations"))
        #expect(run.out.contains("MARGINALISED_WITHIN_DRAWN_IN  2017Q1  AST"))
        run = try cli.qorgan("validate", "--periods", "2016", "--unit", "ALA", database: db)
        #expect(run.status == 0 && run.out.contains("0 violations"))
        run = try cli.qorgan(
            "validate", "--periods", "2017", "--rule", "EVENTS_AND_REACH_TOGETHER", "--format", "json",
            "--language", "kk", database: db)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        let list = try #require(json["validationRuleViolations"] as? [[String: Any]])
        #expect(list.count == 1 && (list[0]["validationRuleName"] as? String)?.contains("бірге") == true)
        run = try cli.qorgan("validate", "--periods", "2017-13", "--unit", "NOWHERE", database: db)
        #expect(run.status == 1)
        #expect(run.err.contains("--unit") && run.err.contains("NOWHERE") && run.err.contains("2017-13"))
    }

    /// The benchmark runs, and its plain-SQL evaluation finds exactly the engine's violations.
    @Test func theBenchmarksSQLAgreesWithTheEngine() throws {
        let db = Fixtures.temporaryPath()
        try FileManager.default.copyItem(atPath: WebFixture.template.path, toPath: db)
        let run = try CLIRunner().qorgan("bench", "validation", "--runs", "1", database: db)
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("2 violations"))
        #expect(run.out.contains("answers agree (the same violations): yes"))
    }
}
