import QorganCore
import QorganStore
import QorganTestSupport
import Testing

/// The reference aggregation, case by case, on the small fixture: country C, regions A and B,
/// districts A1, A2 (moved from A to B on 2016-07-01) and B1.
@Suite struct AggregationTests {
    let store: Store

    init() throws {
        store = try Fixtures.smallStore()
        func v(_ e: String, _ p: String, _ u: String, _ value: String, _ combo: String = "") -> DataValueInput {
            DataValueInput(element: e, period: p, unit: u, optionCombo: combo, value: value)
        }
        try store.saveValues(
            [
                v("SUM", "201601", "A1", "10", "M"), v("SUM", "201601", "A1", "5", "F"),
                v("SUM", "201602", "A1", "2", "M"),
                v("SUM", "201603", "A2", "7", "M"), v("SUM", "201608", "A2", "4", "M"),
                v("SUM", "201601", "B1", "3", "F"),
                v("AVG", "201601", "A1", "10"), v("AVG", "201602", "A1", "20"), v("AVG", "201601", "B1", "30"),
                v("AVGSUM", "201601", "A1", "100"), v("AVGSUM", "201602", "A1", "200"),
                v("AVGSUM", "201601", "B1", "50"),
                v("LAST", "201601", "A1", "5"), v("LAST", "201603", "A1", "8"), v("LAST", "201502", "B1", "4"),
                v("LASTIN", "201601", "A1", "5"), v("LASTIN", "201603", "A1", "8"), v("LASTIN", "201502", "B1", "4"),
                v("MIN", "201601", "A1", "3"), v("MIN", "201602", "A1", "9"), v("MIN", "201601", "B1", "6"),
                v("MAX", "201601", "A1", "3"), v("MAX", "201602", "A1", "9"), v("MAX", "201601", "B1", "6"),
                v("COUNT", "201601", "A1", "3"), v("COUNT", "201602", "A1", "9"), v("COUNT", "201601", "B1", "6"),
                v("NONE", "201601", "A", "11"), v("NONE", "201601", "A1", "5"),
                v("BOOL", "201601", "A1", "true"), v("BOOL", "201601", "B1", "false"), v("BOOL", "201602", "B1", "yes"),
                v("PCT", "201601", "A1", "80"), v("PCT", "201601", "B1", "90"),
                v("YEARLY", "2016", "A1", "5"), v("YEARLY", "2017", "B1", "6"),
                v("TEXT", "201601", "A1", "all quiet"),
            ], user: "test")
    }

    func value(_ item: String, _ unit: String, _ periods: String, combo: String? = nil) throws -> Double? {
        let agg = try store.referenceAggregator()
        if let ind = agg.catalog.indicator(item) {
            return agg.value(.indicator(ind.uid), unit: unit, periods: try PeriodSelection(periods))
        }
        let el = agg.catalog.element(item)!
        let dataItem: DataItem = combo.map { .operand(element: el.uid, optionCombo: $0) } ?? .element(el.uid)
        return agg.value(dataItem, unit: unit, periods: try PeriodSelection(periods))
    }

    @Test func sumAcrossLevelsPeriodsAndDisaggregations() throws {
        #expect(try value("SUM", "C", "2016") == 31)
        #expect(try value("SUM", "A1", "2016") == 17)
        #expect(try value("SUM", "A", "201601") == 15)
        #expect(try value("SUM", "C", "2016", combo: "M") == 23)
        #expect(try value("SUM", "C", "2016", combo: "F") == 8)
        #expect(try value("SUM", "C", "2016Q1") == 27)
        #expect(try value("SUM", "C", "2015") == nil)  // no data is not 0
        #expect(try value("SUM", "C", "2015..2017") == 31)
        #expect(try value("SUM", "C", "201601..201602") == 20)
    }

    @Test func reorganisationKeepsHistoryWithTheOldParent() throws {
        // A2's March value belongs to A (its parent then); its August value to B.
        #expect(try value("SUM", "A", "2016") == 24)
        #expect(try value("SUM", "B", "2016") == 7)
        #expect(try value("SUM", "A", "2016Q3") == nil)
        #expect(try value("SUM", "B", "2016Q3") == 4)
        let catalog = try store.catalog()
        let a2 = catalog.unit("A2")!.uid
        #expect(catalog.isInSubtree(a2, of: catalog.unit("A")!.uid, on: Day(year: 2016, month: 6, day: 30)!))
        #expect(catalog.isInSubtree(a2, of: catalog.unit("B")!.uid, on: Day(year: 2016, month: 7, day: 1)!))
        #expect(catalog.level(of: a2, on: Day(year: 2017, month: 1, day: 1)!) == 3)
        #expect(
            catalog.children(of: catalog.unit("B")!.uid, on: Day(year: 2017, month: 1, day: 1)!).map(\.code) == [
                "A2", "B1",
            ])
    }

    @Test func averageTypes() throws {
        #expect(try value("AVG", "C", "2016") == 20)
        #expect(try value("AVG", "A", "2016") == 15)
        #expect(try value("AVG", "A1", "201602") == 20)
        // Mean over time per unit, then summed over units.
        #expect(try value("AVGSUM", "C", "2016") == 200)
        #expect(try value("AVGSUM", "C", "201601") == 150)
        #expect(try value("PCT", "C", "2016") == 85)
    }

    @Test func lastValueLooksBackLastInPeriodDoesNot() throws {
        #expect(try value("LAST", "C", "2016Q1") == 12)  // A1's March 8 + B1's 2015 value 4
        #expect(try value("LAST", "C", "201602") == 9)  // A1's January 5 + B1's 4
        #expect(try value("LAST", "C", "201512") == 4)
        #expect(try value("LAST", "C", "201412") == nil)
        #expect(try value("LASTIN", "C", "2016Q1") == 8)
        #expect(try value("LASTIN", "C", "2015") == 4)
        #expect(try value("LASTIN", "A", "201602") == nil)
    }

    @Test func minMaxCountNone() throws {
        #expect(try value("MIN", "C", "2016") == 3)
        #expect(try value("MAX", "C", "2016") == 9)
        #expect(try value("MIN", "B", "2016") == 6)
        #expect(try value("COUNT", "C", "2016") == 3)
        #expect(try value("COUNT", "A", "201601") == 1)
        #expect(try value("NONE", "A", "201601") == 11)
        #expect(try value("NONE", "A1", "201601") == 5)
        #expect(try value("NONE", "A", "2016Q1") == nil)
        #expect(try value("NONE", "C", "201601") == nil)
    }

    @Test func booleansCountTrueYearlyValuesAreNotSplit() throws {
        #expect(try value("BOOL", "C", "2016") == 2)
        #expect(try value("YEARLY", "C", "2016") == 5)
        #expect(try value("YEARLY", "C", "2016Q1") == nil)
        #expect(try value("YEARLY", "C", "2016..2017") == 11)
        #expect(try value("TEXT", "A1", "201601") == nil)  // text has no number
    }

    @Test func indicatorsUseAggregatedNumeratorAndDenominator() throws {
        let agg = try store.referenceAggregator()
        let share = agg.indicator("SHARE_M", unit: "C", span: try PeriodSelection("2016").span)!
        #expect(share.numerator == 23 && share.denominator == 31)
        #expect(share.value == 23.0 / 31.0 * 100)
        #expect(try value("DOUBLE", "C", "2016") == 23.0 / 31.0 * 200)
        #expect(try value("WITH_CONST", "C", "2016") == 131)
        #expect(try value("SHARE_M", "C", "2015") == nil)
        // Not an average of ratios: A is 19/24, B 4/7; C is 23/31.
        #expect(try value("SHARE_M", "A", "2016") == 19.0 / 24.0 * 100)
    }

    @Test func deletedValuesNoLongerCount() throws {
        try store.saveValues(
            [
                DataValueInput(
                    element: "SUM", period: "201602", unit: "A1", optionCombo: "M", value: "", deleted: "true")
            ], user: "test")
        #expect(try value("SUM", "C", "2016") == 29)
        try store.saveValues(
            [DataValueInput(element: "SUM", period: "201602", unit: "A1", optionCombo: "M", value: "6")], user: "test")
        #expect(try value("SUM", "C", "2016") == 35)
    }

    @Test func aggregationTypeCanBeOverridden() throws {
        let agg = try store.referenceAggregator()
        let el = agg.catalog.element("AVG")!
        #expect(
            agg.value(.element(el.uid), unit: "C", periods: try PeriodSelection("2016"), aggregationType: .sum) == 60)
        #expect(
            agg.value(.element(el.uid), unit: "C", periods: try PeriodSelection("2016"), aggregationType: .max) == 30)
    }
}
