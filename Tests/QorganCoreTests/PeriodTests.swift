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
        ("2015BiW26", "2015-12-14", "2015-12-27", .biWeekly),
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
        ("2017Nov", "2016-11-01", "2017-10-31", .financialNov),
        // The types DHIS2 added: other weekdays, November quarters and half-years, April half-years.
        ("2015WedW5", "2015-01-28", "2015-02-03", .weeklyWednesday),
        ("2015ThuW6", "2015-02-05", "2015-02-11", .weeklyThursday),
        ("2015SatW7", "2015-02-14", "2015-02-20", .weeklySaturday),
        ("2015SunW8", "2015-02-22", "2015-02-28", .weeklySunday),
        ("2024ThuW1", "2024-01-04", "2024-01-10", .weeklyThursday),
        ("2024FriW1", "2023-12-29", "2024-01-04", .weeklyFriday),
        ("2021WedW1", "2020-12-30", "2021-01-05", .weeklyWednesday),
        ("2020SunW53", "2020-12-27", "2021-01-02", .weeklySunday),
        ("2017NovQ1", "2016-11-01", "2017-01-31", .quarterlyNov),
        ("2017NovQ2", "2017-02-01", "2017-04-30", .quarterlyNov),
        ("2017NovQ3", "2017-05-01", "2017-07-31", .quarterlyNov),
        ("2017NovQ4", "2017-08-01", "2017-10-31", .quarterlyNov),
        ("2017AprilS1", "2017-04-01", "2017-09-30", .sixMonthlyApril),
        ("2017AprilS2", "2017-10-01", "2018-03-31", .sixMonthlyApril),
        ("2017NovS1", "2016-11-01", "2017-04-30", .sixMonthlyNov),
        ("2017NovS2", "2017-05-01", "2017-10-31", .sixMonthlyNov),
        ("2017Feb", "2017-02-01", "2018-01-31", .financialFeb),
        ("2017Aug", "2017-08-01", "2018-07-31", .financialAug),
        ("2017Sep", "2017-09-01", "2018-08-31", .financialSep),
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
        #expect(try p("2016BiW1").previous.iso == "2015BiW27")
        #expect(try p("2016NovQ4").next.iso == "2017NovQ1")
        #expect(try p("2017NovS1").previous.iso == "2016NovS2")
        #expect(try p("2017Nov").next.iso == "2018Nov")
        #expect(try p("2017AprilS2").next.iso == "2018AprilS1")
        #expect(try p("2020SunW53").next.iso == "2021SunW1")
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
        "2017March", "2017-3", "2017-13", "2017-02-30", "2017-0315", "2017q1", "2017Q01", "2017NovQ5", "2017NovS3",
        "2017AprilS0", "2016SatW53", "2015FriW53", "2017WedW0", "2017MonW1", "2017Jan", "2017Dec", "2017W", "2017Q",
        "2017W123",
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

/// DHIS2's own cases: its documentation's examples, and the edge cases of its parser
/// (`DateUnitPeriodTypeParser`, the `*PeriodType` classes): week 1 holds 4 January for every
/// kind of week, bi-week 27 runs into January, the November types are named by the year they end in.
@Suite struct DHIS2PeriodTests {
    @Test func bothFormsOfDaysAndMonths() throws {
        #expect(try Period("2017-03") == Period("201703"))
        #expect(try Period("2017-03-15") == Period("20170315"))
        #expect(try Period("2017-03").iso == "201703")
        #expect(try Period("2004W10").start.description == "2004-03-01")
        #expect(try Period("2017W01") == Period("2017W1"))
        #expect(try Period("2004AprilS1").end.description == "2004-09-30")
    }

    @Test func biWeek27OfA53WeekYearLastsFourteenDays() throws {
        for (iso, start, end) in [
            ("2015BiW27", "2015-12-28", "2016-01-10"), ("2020BiW27", "2020-12-28", "2021-01-10"),
            ("2026BiW27", "2026-12-28", "2027-01-10"),
        ] {
            let p = try Period(iso)
            #expect(p.start.description == start && p.end.description == end && p.dayCount == 14, "\(iso)")
            #expect(p.iso == iso)
            // It counts in the year its first Thursday is in, never in the next.
            #expect(p.rollsUp(into: try Period(String(iso.prefix(4))).span))
        }
        #expect(Period.parse("2016BiW27") == nil)  // 2016 has 52 weeks
        #expect(Period.parse("2015BiW28") == nil)
    }

    @Test func yearsOf53WeeksDependOnTheWeekday() {
        #expect(Period.weeks(in: 2015, weekday: 1) == 53)
        #expect(Period.weeks(in: 2014, weekday: 7) == 53)
        #expect(Period.weeks(in: 2016, weekday: 2) == 53)
        #expect(Period.weeks(in: 2016, weekday: 3) == 53)
        #expect(Period.weeks(in: 2016, weekday: 6) == 52)
        #expect(Period.weeks(in: 2017, weekday: 4) == 53)
        #expect(Period.weeks(in: 2018, weekday: 5) == 53)
        #expect(Period.weeks(in: 2019, weekday: 6) == 53)
        #expect(Period.parse("2019SatW53") != nil && Period.parse("2016SatW53") == nil)
    }

    @Test(arguments: PeriodType.allCases)
    func everyDayOfTheseYearsIsInExactlyOnePeriodOfEachType(_ type: PeriodType) throws {
        // Walk the periods of each type from 2014 to 2022: contiguous (bi-weeks apart, which
        // overlap by a week after a 53-week year, as in DHIS2), each parsing back from its identifier.
        var p = Period.containing(Day(year: 2014, month: 1, day: 1)!, type: type)
        let stop = Day(year: 2022, month: 12, day: 31)!
        var count = 0
        while p.start <= stop {
            #expect(Period.parse(p.iso) == p, "\(p.iso)")
            #expect(Period.containing(p.start, type: type) == p, "\(p.iso)")
            let next = p.next
            if type == .biWeekly {
                #expect(next.start.ordinal - p.start.ordinal == 14 || next.start.ordinal - p.start.ordinal == 7)
            } else {
                #expect(next.start == p.end.adding(days: 1), "\(p.iso) → \(next.iso)")
            }
            #expect(next.previous == p || type == .biWeekly, "\(next.iso) ← \(p.iso)")
            p = next
            count += 1
        }
        #expect(count > 0)
    }

    @Test func containmentOfTheNewTypes() throws {
        // A November quarter counts in its November financial year, not in a calendar year.
        #expect(try Period("2017NovQ1").rollsUp(into: Period("2017Nov").span))
        #expect(!(try Period("2017NovQ1").rollsUp(into: Period("2017").span)))
        #expect(try Period("2017NovQ2").rollsUp(into: Period("2017").span))
        #expect(try Period("2017AprilS1").rollsUp(into: Period("2017April").span))
        #expect(try Period("201711").rollsUp(into: Period("2018NovQ1").span))
        // A Sunday week counts where its fourth day (Wednesday) lies.
        #expect(try Period("2020SunW53").rollsUp(into: Period("2020").span))
        #expect(!(try Period("2021WedW1").rollsUp(into: Period("2020").span)))
        #expect(try Period("2021WedW1").rollsUp(into: Period("202101").span))
        #expect(
            Period.periods(of: .quarterlyNov, within: try Period("2017Nov").span).map(\.iso) == [
                "2017NovQ1", "2017NovQ2", "2017NovQ3", "2017NovQ4",
            ])
    }

    @Test func problemsAreNamed() {
        #expect(Period.problem(with: "2017W54").contains("52"))
        #expect(Period.problem(with: "2017NovQ5").contains("quarter"))
        #expect(Period.problem(with: "2017-13").contains("month"))
        #expect(Period.problem(with: "2017-02-30").contains("day"))
        #expect(Period.problem(with: "17Q1").contains("four-digit year"))
        #expect(Period.problem(with: "2017Foo").contains("yyyyNovQn"))
    }
}
