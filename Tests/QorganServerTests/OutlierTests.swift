import Foundation
import HTTPTypes
import QorganCore
import QorganServer
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// Outliers: each method on known series, the demo's deliberate one found first, the check the
/// entry page makes, follow-up marks, and min–max bounds set by hand or generated.
@Suite struct OutlierTests {
    @Test func eachMethodScoresAsItsFormulaSays() throws {
        let series: [Double] = [10, 12, 11, 9, 10, 13, 11, 10]
        let s = try #require(SeriesStatistics(series: series))
        #expect(s.median == 10.5 && s.mean == 10.75)
        #expect(abs(s.standardDeviation - 1.199) < 0.001)
        #expect(s.medianAbsoluteDeviation == 0.5, "below the spread of one unit the scores use")
        #expect(abs(s.zScore(40) - (40 - 10.75) / s.standardDeviation) < 1e-9)
        #expect(abs(s.modifiedZScore(40) - 0.6745 * 29.5 / 1) < 1e-9)
        // Too short a history judges nothing; small counts are not outliers for a step of one.
        #expect(SeriesStatistics(series: [1, 2, 3]) == nil)
        let ones = try #require(SeriesStatistics(series: [1, 1, 1, 1, 1, 1, 1]))
        #expect(abs(ones.modifiedZScore(2)) < 3.5 && abs(ones.zScore(2)) < 3)
        #expect(ones.modifiedZScore(1000) == SeriesStatistics.cap)
        // Generated bounds hold the history and stay at 0 or above for counts.
        let b = s.generatedBounds(nonNegative: true)
        #expect(b.min >= 0 && b.min <= 9 && b.max >= 13 && b.max < 40)

        let judged = OutlierDetection.judge(
            40, history: series, algorithm: .modifiedZScore, threshold: 3.5, bounds: nil)
        #expect(judged.outlier && judged.score.map { $0 > 19 } == true)
        let inBounds = OutlierDetection.judge(12, history: series, algorithm: .minMax, threshold: 0, bounds: (5, 20))
        #expect(!inBounds.outlier)
        let outOfBounds = OutlierDetection.judge(25, history: [], algorithm: .minMax, threshold: 0, bounds: (5, 20))
        #expect(outOfBounds.outlier && outOfBounds.distance == 5)
        #expect(OutlierAlgorithm(name: "z") == .zScore && OutlierAlgorithm(name: "MOD_Z_SCORE") == .modifiedZScore)
        #expect(OutlierAlgorithm(name: "min-max") == .minMax && OutlierAlgorithm(name: "guess") == nil)
    }

    @Test func theDemosTypoLeadsTheListAndEveryParameterIsChecked() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("almaty")
            var r = try await web.send(.get, "/api/outlierDetection?pe=2017&maxResults=3")
            #expect(r.status == .ok)
            let first = try #require((r.object["outlierValues"] as? [[String: Any]])?.first)
            #expect(first["deCode"] as? String == "PREV_EVENTS" && first["ouCode"] as? String == "ALA_ALATAU")
            #expect(first["pe"] as? String == "201709" && first["cocName"] as? String == "Educational institutions")
            r = try await web.send(
                .get, "/api/outlierDetection?startDate=2017-09-01&endDate=2017-09-30&algorithm=Z_SCORE")
            #expect(
                ((r.object["outlierValues"] as? [[String: Any]]) ?? []).allSatisfy { $0["pe"] as? String == "201709" })
            for (query, field, status) in [
                ("pe=2017&algorithm=guess", "algorithm", HTTPResponse.Status.badRequest),
                ("pe=2017&threshold=0", "threshold", .badRequest), ("pe=2017&maxResults=0", "maxResults", .badRequest),
                ("pe=2017-13", "pe", .badRequest),
                ("startDate=2017-02-30&endDate=2017-03-01", "startDate", .badRequest),
                ("pe=2017&ds=NOPE", "ds", .conflict),
            ] {
                let bad = try await web.send(.get, "/api/outlierDetection?" + query)
                #expect(bad.status == status, "\(query)")
                #expect(
                    ((bad.object["problems"] as? [[String: Any]])?.first?["field"] as? String) == field, "\(query)")
            }
            #expect(try await web.send(.get, "/api/outlierDetection?pe=2017&ou=AKT").status == .forbidden)

            // The check the entry page makes before saving.
            r = try await web.send(.get, "/api/outlierDetection/check?de=CONVICTIONS&pe=201711&ou=ALA&value=400")
            #expect(r.object["outlier"] as? Bool == true && (r.object["history"] as? Int ?? 0) >= 6)
            r = try await web.send(.get, "/api/outlierDetection/check?de=CONVICTIONS&pe=201711&ou=ALA&value=1")
            #expect(r.object["outlier"] as? Bool == false)

            // Follow-up: set on the outlier (approved or not), audited, cleared.
            let mark: [String: Any] = [
                "dataElement": "PREV_EVENTS", "period": "201709", "orgUnit": "ALA_ALATAU",
                "categoryOptionCombo": "EDU", "followup": true,
            ]
            r = try await web.send(.put, "/api/dataValues/followup", json: mark)
            #expect(r.status == .ok && r.object["followUp"] as? Bool == true)
            r = try await web.send(.get, "/api/outlierDetection?pe=201709&maxResults=1")
            #expect((r.object["outlierValues"] as? [[String: Any]])?.first?["followup"] as? Bool == true)
            let history = try await web.send(
                .get, "/api/audits/dataValue?de=PREV_EVENTS&pe=201709&ou=ALA_ALATAU&co=EDU")
            #expect(history.array.last?["action"] as? String == "FOLLOW_UP")
            r = try await web.send(
                .put, "/api/dataValues/followup", json: mark.merging(["followup": false]) { _, b in b })
            #expect(r.object["followUp"] as? Bool == false)
            r = try await web.send(
                .put, "/api/dataValues/followup", json: mark.merging(["period": "201809"]) { _, b in b })
            #expect(r.status == .notFound)
            // On approved data (2016, approved to the nation) too: a mark is not a change of the data.
            let catalog = try state.store.catalog()
            let events = try #require(catalog.element("PREV_EVENTS")).uid
            let office = try #require(catalog.unit("ALA_ALATAU")).uid
            let approvedValue = try #require(
                try state.store.values(elements: [events], units: [office], periods: [try Period("201609")]).first)
            r = try await web.send(
                .put, "/api/dataValues/followup",
                json: [
                    "dataElement": approvedValue.key.element, "period": "201609",
                    "orgUnit": approvedValue.key.unit, "categoryOptionCombo": approvedValue.key.optionCombo,
                    "followup": true,
                ])
            #expect(r.status == .ok)

            // Min–max bounds by hand, then generated; the typo lies outside the generated ones.
            r = try await web.send(
                .post, "/api/minMaxValues",
                json: ["dataElement": "CONVICTIONS", "orgUnit": "ALA", "minValue": 5, "maxValue": 1])
            #expect(r.status == .badRequest)
            r = try await web.send(
                .post, "/api/minMaxValues", json: ["dataSet": "PREVENTION", "orgUnit": "ALA"])
            #expect(r.status == .badRequest, "a body of another shape names what is missing")
            r = try await web.send(
                .post, "/api/minMaxValues/generate", json: ["dataSet": "PREVENTION", "orgUnit": "ALA"])
            #expect((r.object["generated"] as? Int ?? 0) > 20)
            r = try await web.send(.get, "/api/outlierDetection?pe=2017&algorithm=MIN_MAX_VALUES&maxResults=1")
            let byBounds = try #require((r.object["outlierValues"] as? [[String: Any]])?.first)
            #expect(byBounds["pe"] as? String == "201709" && byBounds["upperBound"] is Double)
            #expect(
                try await web.send(
                    .post, "/api/minMaxValues/generate", json: ["dataSet": "PREVENTION", "orgUnit": "AKT"]
                ).status == .forbidden)

            // The page, in Kazakh, with the mark to set.
            try await web.send(.get, "/language?set=kk&back=/dashboard")
            let page = try await web.send(.get, "/outliers?pe=2017")
            #expect(page.status == .ok)
            #expect(page.text?.contains("Ауытқулар") == true && page.text?.contains("followup-set") == true)
        }
    }

    @Test func theCommandListsOutliersAndGeneratesBounds() throws {
        let cli = CLIRunner()
        let db = Fixtures.temporaryPath()
        try FileManager.default.copyItem(atPath: WebFixture.template.path, toPath: db)
        var run = try cli.qorgan("outliers", "--periods", "2017", "--unit", "ALA", "--max", "3", database: db)
        #expect(run.status == 0)
        #expect(run.out.contains("PREV_EVENTS  EDU          ALA_ALATAU  201709  90"))
        run = try cli.qorgan(
            "outliers", "--generate-bounds", "--data-set", "PREVENTION", "--unit", "ALA", "--periods", "2017",
            "--algorithm", "MIN_MAX_VALUES", "--format", "json", database: db)
        #expect(run.status == 0 && run.out.contains("Generated min-max bounds for"))
        run = try cli.qorgan("outliers", "--periods", "2017-13", "--algorithm", "x", "--max", "0", database: db)
        #expect(run.status == 1)
        #expect(run.err.contains("--algorithm") && run.err.contains("2017-13") && run.err.contains("--max"))
    }
}
