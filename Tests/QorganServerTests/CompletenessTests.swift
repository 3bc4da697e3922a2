import Foundation
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganServer
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// Completeness and timeliness: the counts, reporting rates as indicators (current as forms are
/// completed, in any process), and the places people meet them.
@Suite struct CompletenessTests {
    @Test(arguments: TestBackend.allCases) func countsExpectedReportedCompleteAndOnTime(on backend: TestBackend) throws
    {
        let s = try backend.smallStore()
        let catalog = try s.catalog()
        let form = try #require(catalog.dataSet("YEARLYFORM"))  // A1, A2, B1; 15 days on time
        let a1 = try #require(catalog.unit("A1")).uid
        let a2 = try #require(catalog.unit("A2")).uid
        let b1 = try #require(catalog.unit("B1")).uid
        let root = try #require(catalog.roots(on: .firstOfMonth(2017, 1)).first).uid
        let completions = [
            CompletionRecord(
                dataSet: form.uid, period: "2016", unit: a1, completedOn: Day.firstOfMonth(2017, 1).adding(days: 14),
                completedBy: "t"),
            CompletionRecord(
                dataSet: form.uid, period: "2016", unit: a2, completedOn: Day.firstOfMonth(2017, 1).adding(days: 15),
                completedBy: "t"),
        ]
        let span = try PeriodSelection("2016").span
        let result = Completeness.compute(
            form: form, catalog: catalog, roots: [root], span: span, reported: ["\(b1)|2016"],
            completions: completions)
        let total = result.total
        #expect(total.expected == 3 && total.reported == 3 && total.complete == 2 && total.onTime == 1)
        #expect(total.reportingRate.map { ($0 * 10).rounded() / 10 } == 66.7)
        #expect(result.byUnit[a2]?.onTime == 0, "completed a day after the 15 days")
        #expect(result.missing.isEmpty, "B1 sent values without completing: reported")
        // The same through the reporting rate metrics, for the root and one unit.
        let index = CompletionIndex(completions)
        #expect(
            index.value(ReportingMetric.actualReportsOnTime, form: form, catalog: catalog, unit: root, spans: [span])
                == 1)
        #expect(
            index.value(ReportingMetric.expectedReports, form: form, catalog: catalog, unit: a1, spans: [span]) == 1)
        #expect(index.value(ReportingMetric.reportingRate, form: form, catalog: catalog, unit: b1, spans: [span]) == 0)
        // A month holds no period of a yearly form: no report expected, no value (not 0).
        let month = try PeriodSelection("201601").span
        #expect(
            index.value(ReportingMetric.reportingRate, form: form, catalog: catalog, unit: root, spans: [month]) == nil)
    }

    @Test func reportingRatesAreExpressionsCheckedLikeAnyReference() throws {
        let catalog = try Fixtures.smallStore().catalog()
        #expect(throws: Never.self) { try catalog.check(expression: "R{MONTHLY.REPORTING_RATE}") }
        for (text, reason) in [
            ("R{NOPE.REPORTING_RATE}", "no data set"), ("R{MONTHLY.SOMETIMES}", "not a reporting metric"),
            ("R{MONTHLY}", "R{FORM.REPORTING_RATE}"),
        ] {
            do {
                _ = try catalog.check(expression: text)
                Issue.record("\(text) was accepted")
            } catch let QorganError.invalidExpression(_, _, message) {
                #expect(message.contains(reason), "\(text): \(message)")
            }
        }
    }

    /// The demo's completions: everything in time or late, and the few gaps it was given.
    @Test func theDemoHasItsGapsAndTheEngineFollowsCompletions() throws {
        let (store, engine) = try WebFixture.store()
        let catalog = engine.snapshot().catalog
        let security = try #require(catalog.dataSet("SECURITY"))
        let kz = try #require(catalog.unit("KZ")).uid
        let result = try store.completeness(
            of: security, roots: [kz], span: try PeriodSelection("2017").span, catalog: catalog)
        #expect(result.total.expected == 192 && result.total.complete == 190)
        #expect(
            Set(result.missing.map { "\(catalog.unit($0.unit)?.code ?? "")|\($0.period.iso)" }) == [
                "MAN|201712", "KZY|201712",
            ])
        #expect(result.total.onTime < result.total.complete, "some reports came late")

        // Reporting rates through the engine agree with the reference, and follow a completion.
        func engineRate(_ unit: String) throws -> Double? {
            try engine.run(
                AnalyticsQuery(
                    data: [.indicator(try #require(catalog.indicator("IND_REPORTING_PREVENTION")).uid)],
                    periods: [try PeriodSelection("2017")], units: [unit])
            ).rows.first?.value
        }
        let zko = try #require(catalog.unit("ZKO")).uid
        let reference = try store.referenceAggregator()
        let before = try engineRate(zko)
        #expect(
            before
                == reference.indicator("IND_REPORTING_PREVENTION", unit: zko, span: try PeriodSelection("2017").span)?
                .value)
        #expect(before.map { ($0 * 10).rounded() / 10 } == 83.3)
        let office = try #require(catalog.children(of: zko, on: .firstOfMonth(2017, 12)).first).uid
        let prevention = try #require(catalog.dataSet("PREVENTION")).uid
        try store.setCompletion(dataSet: prevention, period: "201712", unit: office, complete: true, by: "t")
        #expect(try engineRate(zko).map { ($0 * 10).rounded() / 10 } == 87.5, "21 of 24 at once")

        // A completion by another process (a second store on the same file) at the next catch-up.
        let other = try Store(path: try #require(store.path))
        try other.setCompletion(dataSet: prevention, period: "201711", unit: office, complete: true, by: "t")
        try store.catchUp()
        #expect(try engineRate(zko).map { ($0 * 10).rounded() / 10 } == 91.7)
    }

    @Test func theAPIAndThePageShowCompletenessInScope() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("analyst")
            var r = try await web.send(.get, "/api/completeness?dataSet=PREVENTION&pe=2017&ou=ZKO")
            #expect(r.status == .ok)
            let total = try #require(r.object["total"] as? [String: Any])
            #expect(total["expected"] as? Int == 24 && total["complete"] as? Int == 20)
            #expect((r.object["byPeriod"] as? [[String: Any]])?.count == 12)
            r = try await web.send(.get, "/api/completeness.csv?dataSet=SECURITY&pe=201712")
            #expect(r.text?.hasPrefix("\u{FEFF}orgUnit,orgUnitName,period") == true)
            #expect(r.text?.contains("MAN,Mangystau region,201712,1,0,0,0,") == true)
            #expect(try await web.send(.get, "/api/completeness?dataSet=NOPE&pe=2017").status == .conflict)
            #expect(try await web.send(.get, "/api/completeness?dataSet=SECURITY&pe=2017..2016").status == .badRequest)
            #expect(try await web.send(.get, "/api/completeness?dataSet=SECURITY&pe=1900..2100&ou=KZ").status == .ok)
            // The reporting rate as an indicator, in analytics.
            r = try await web.send(.get, "/api/analytics?dx=IND_ON_TIME_SECURITY&pe=2017&ou=KZ")
            let rows = try #require(r.object["rows"] as? [[String: Any]])
            #expect((rows.first?["value"] as? Double ?? 0) > 80)

            var regional = web
            regional.cookies = [:]
            try await regional.signIn("aktobe")
            #expect(
                try await regional.send(.get, "/api/completeness?dataSet=SECURITY&pe=2017&ou=KZ").status == .forbidden)
            try await regional.send(.get, "/language?set=kk&back=/dashboard")
            let page = try await regional.send(.get, "/completeness?ds=PREVENTION&pe=2017")
            #expect(page.status == .ok)
            let html = page.text ?? ""
            #expect(html.contains("Есептіліктің толықтығы") && html.contains("id=\"completeness-units\""))
            #expect(html.contains("<svg"), "the rate by period as a chart")
            #expect(try await regional.send(.get, "/completeness?ds=PREVENTION&pe=2017&ou=ZKO").status == .forbidden)
        }
    }

    @Test func theCommandPrintsCountsAndWhoHasNotReported() throws {
        let cli = CLIRunner()
        let db = Fixtures.temporaryPath()
        try FileManager.default.copyItem(atPath: WebFixture.template.path, toPath: db)
        var run = try cli.qorgan("completeness", "--data-set", "SECURITY", "--periods", "2017", database: db)
        #expect(run.status == 0)
        #expect(run.out.contains("190 of 192 reports complete (99.0 %)"))
        #expect(run.out.contains("201712  KZY") && run.out.contains("201712  MAN"))
        run = try cli.qorgan(
            "completeness", "--data-set", "PREVENTION", "--unit", "ZKO", "--periods", "2017", "--format", "json",
            database: db)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        #expect((json["total"] as? [String: Any])?["complete"] as? Int == 20)
        run = try cli.qorgan("completeness", "--data-set", "NOPE", "--periods", "2017-13", "--by", "week", database: db)
        #expect(run.status == 1)
        #expect(run.err.contains("NOPE") && run.err.contains("2017-13") && run.err.contains("--by"))
    }
}
