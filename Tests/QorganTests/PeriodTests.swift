import Testing

@testable import QorganCore

@Suite struct PeriodTests {
    func p(_ s: String) throws -> Period { try Period(s) }

    @Test(arguments: [
        ("20170315", "2017-03-15", "2017-03-15", PeriodType.daily),
        ("2017W5", "2017-01-30", "2017-02-05", .weekly),
        ("2015W53", "2015-12-28", "2016-01-03", .weekly),
        ("2020W53", "2020-12-28", "2021-01-03", .weekly),
        ("2017BiW3", "2017-01-30", "2017-02-12", .biWeekly),
        ("2015BiW27", "2015-12-28", "2016-01-03", .biWeekly),
        ("201703", "2017-03-01", "2017-03-31", .monthly),
        ("201602", "2016-02-01", "2016-02-29", .monthly),
        ("201702", "2017-02-01", "2017-02-28", .monthly),
        ("190002", "1900-02-01", "1900-02-28", .monthly),
        ("200002", "2000-02-01", "2000-02-29", .monthly),
        ("201703B", "2017-05-01", "2017-06-30", .biMonthly),
        ("201701B", "2017-01-01", "2017-02-28", .biMonthly),
        ("2017Q1", "2017-01-01", "2017-03-31", .quarterly),
        ("2016Q4", "2016-10-01", "2016-12-31", .quarterly),
        ("2017S1", "2017-01-01", "2017-06-30", .sixMonthly),
        ("2017S2", "2017-07-01", "2017-12-31", .sixMonthly),
        ("2017", "2017-01-01", "2017-12-31", .yearly),
        ("2017April", "2017-04-01", "2018-03-31", .financialApril),
        ("2017July", "2017-07-01", "2018-06-30", .financialJuly),
        ("2017Oct", "2017-10-01", "2018-09-30", .financialOct),
        ("2017Nov", "2017-11-01", "2018-10-31", .financialNov),
    ])
    func parsesStartEndAndPrintsBack(iso: String, start: String, end: String, type: PeriodType) throws {
        let period = try p(iso)
        #expect(period.type == type)
        #expect(period.start.description == start)
        #expect(period.end.description == end)
        #expect(period.iso == iso)
        #expect(Period.containing(period.start, type: type) == period)
        #expect(Period.containing(period.end, type: type) == period)
    }

    @Test func weeksInIsoYears() {
        #expect(Period.isoWeeks(in: 2015) == 53)  // 1 January a Thursday
        #expect(Period.isoWeeks(in: 2020) == 53)  // leap year, 1 January a Wednesday
        #expect(Period.isoWeeks(in: 2026) == 53)
        #expect(Period.isoWeeks(in: 2016) == 52)
        #expect(Period.isoWeeks(in: 2017) == 52)
        #expect(Period.isoWeeks(in: 2019) == 52)
    }

    @Test func firstDaysOfYearBelongToThePreviousIsoYear() throws {
        #expect(Period.containing(Day(year: 2016, month: 1, day: 1)!, type: .weekly).iso == "2015W53")
        #expect(Period.containing(Day(year: 2019, month: 12, day: 31)!, type: .weekly).iso == "2020W1")
        #expect(try p("2015W53").next.iso == "2016W1")
        #expect(try p("2016W1").previous.iso == "2015W53")
        #expect(try p("2015BiW27").next.iso == "2016BiW1")
        #expect(try p("2017Q4").next.iso == "2018Q1")
        #expect(try p("201712").next.iso == "201801")
        #expect(try p("20161231").next.iso == "20170101")
        #expect(try p("20160228").next.iso == "20160229")
        #expect(try p("2017April").next.iso == "2018April")
    }

    @Test func leapDays() {
        #expect(Period.parse("20160229") != nil)
        #expect(Period.parse("20170229") == nil)
        #expect(Period.parse("20000229") != nil)
        #expect(Period.parse("19000229") == nil)
        #expect(try! p("2016").dayCount == 366)
        #expect(try! p("2017").dayCount == 365)
    }

    @Test(arguments: [
        "", "17", "abcd", "2017Q5", "2017Q0", "201713", "201700", "2017W54", "2016W53", "2017W0",
        "2017S3", "201707B", "201700B", "2017BiW28", "2016BiW27", "20171301", "20170431", "2017April2",
        "2017March", "2017-03", "2017q1", "2017W", "2017Q", "2017W123",
    ])
    func rejectsInvalidIdentifiers(_ s: String) {
        #expect(Period.parse(s) == nil)
        #expect(throws: QorganError.invalidPeriod(s)) { try Period(s) }
    }

    @Test func containmentAndRollUp() throws {
        #expect(try p("2016Q1").span.contains(try p("201602").span))
        #expect(!(try p("2016Q1").span.contains(try p("201604").span)))
        #expect(try p("2016W10").rollsUp(into: try p("2016").span))
        // A week counts where its Thursday lies: 2015W53's Thursday is 31 December 2015.
        #expect(try p("2015W53").rollsUp(into: try p("2015").span))
        #expect(!(try p("2015W53").rollsUp(into: try p("2016").span)))
        #expect(try p("2016W5").rollsUp(into: try p("201602").span))  // Thursday 4 February
        // Nothing is split: a year never counts in one of its quarters.
        #expect(!(try p("2016").rollsUp(into: try p("2016Q1").span)))
        #expect(!(try p("2016W10").rollsUp(into: try p("20160310").span)))
        // A calendar year does not count in a financial year.
        #expect(!(try p("2016").rollsUp(into: try p("2015April").span)))
        #expect(try p("201604").rollsUp(into: try p("2016April").span))
    }

    @Test func ranges() throws {
        let years = try PeriodSelection("2013..2017")
        #expect(years.periods.map(\.iso) == ["2013", "2014", "2015", "2016", "2017"])
        #expect(years.span.start.description == "2013-01-01" && years.span.end.description == "2017-12-31")
        #expect(try PeriodSelection("2016Q2..2017Q1").periods.map(\.iso) == ["2016Q2", "2016Q3", "2016Q4", "2017Q1"])
        #expect(
            try PeriodSelection("2015W52..2016W2").periods.map(\.iso) == ["2015W52", "2015W53", "2016W1", "2016W2"])
        #expect(try PeriodSelection("2016").isSingle)
        #expect(throws: QorganError.self) { try PeriodSelection("2017..2016") }
        #expect(throws: QorganError.self) { try PeriodSelection("2016..2017Q1") }
        #expect(throws: QorganError.self) { try PeriodSelection("2016..") }
        #expect(
            Period.periods(of: .quarterly, within: try p("2016").span).map(\.iso) == [
                "2016Q1", "2016Q2", "2016Q3", "2016Q4",
            ])
        #expect(Period.periods(of: .monthly, within: try p("2016Q2").span).count == 3)
    }

    @Test func daysRoundTripThroughOrdinals() {
        var d = Day(year: 1899, month: 12, day: 25)!
        for _ in 0..<(366 * 250) {
            let next = d.adding(days: 1)
            #expect(next.ordinal == d.ordinal + 1)
            #expect(Day(ordinal: next.ordinal) == next)
            d = next
        }
        #expect(Day(year: 1970, month: 1, day: 1)!.ordinal == 0)
        #expect(Day(year: 2017, month: 3, day: 15)!.isoWeekday == 3)  // a Wednesday
    }
}
