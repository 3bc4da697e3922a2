import ArgumentParser
import Foundation
import QorganAnalytics
import QorganCore
import QorganReports
import QorganStore

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Query the analytics engine: data × periods × units, as a table, a pivot, CSV or JSON.",
        discussion: """
            Items are separated by ';' or given with repeated options. Examples:
              qorgan query --dx IND_TG_COVERAGE --pe 2016 --ou LEVEL-2
              qorgan query --dx TG_REACHED --co --pe 2013..2017 --period-type Yearly --ou KZ --rows co --columns pe
              qorgan query --dx IND_READINESS --pe 2015 --pe 2017 --ou CHILDREN:KZ --filter pe --format csv
            Periods: identifiers (2016, 2016Q1, 201601), ranges (2013..2017) and relative periods (THIS_YEAR,
            LAST_YEAR, LAST_5_YEARS, LAST_12_MONTHS, LAST_4_QUARTERS, MONTHS_THIS_YEAR, …).
            Units: codes or uids, LEVEL-n, LEVEL-n:UNIT (a level within a unit), CHILDREN:UNIT.
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "Data: elements, ELEMENT.COMBO operands, indicators (code or uid).") var dx: [String] = []
    @Option(help: "Periods, ranges or relative periods.") var pe: [String] = []
    @Option(help: "Organisation units or selectors.") var ou: [String] = []
    @Flag(help: "Break elements down by option combination.") var co = false
    @Option(help: "Dimensions to use as filters (dx, pe, ou): their items are taken together.") var filter: [String] =
        []
    @Option(help: "Split each period item into periods of this type (Monthly, Quarterly, Yearly, …).") var periodType:
        String?
    @Option(help: "Override the aggregation type (SUM, AVERAGE, LAST, …).") var aggregationType: String?
    @Flag(help: "Add numerator, denominator and factor columns for indicators.") var numeratorDenominator = false
    @Option(help: "Pivot: dimensions down the side (dx, co, pe, ou).") var rows: [String] = []
    @Option(help: "Pivot: dimensions across the top.") var columns: [String] = []
    @Option(help: "table, csv or json.") var format: String = "table"
    @Option(help: "The day relative periods count from (YYYY-MM-DD; default today).") var today: String?

    func split(_ xs: [String]) -> [String] {
        xs.flatMap { $0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }

    func dimensions(_ xs: [String], option: String) throws -> [AnalyticsDimension] {
        try split(xs).map { name in
            guard let d = AnalyticsDimension(rawValue: name) else {
                throw QorganError.invalidArgument("--\(option) takes dx, co, pe or ou, not '\(name)'")
            }
            return d
        }
    }

    func run() throws {
        try guarded {
            guard ["table", "csv", "json"].contains(format) else {
                throw QorganError.invalidArgument("--format is table, csv or json, not '\(format)'")
            }
            var spec = QuerySpec(dx: split(dx), pe: split(pe), ou: split(ou))
            spec.co = co
            spec.filters = Set(try dimensions(filter, option: "filter"))
            if let periodType {
                guard let t = PeriodType(name: periodType) else {
                    throw QorganError.invalidArgument(
                        "--period-type: '\(periodType)' is not a period type (\(PeriodType.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                spec.periodType = t
            }
            if let aggregationType {
                guard let t = AggregationType(rawValue: aggregationType.uppercased()) else {
                    throw QorganError.invalidArgument(
                        "--aggregation-type: '\(aggregationType)' is not one of \(AggregationType.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                spec.aggregationType = t
            }
            spec.includeNumeratorDenominator = numeratorDenominator
            let day: Day
            if let today {
                guard let d = Day(iso: today) else {
                    throw QorganError.invalidArgument("--today: '\(today)' is not a date (YYYY-MM-DD)")
                }
                day = d
            } else {
                day = Day.today
            }
            let (_, engine) = try store.openWithEngine()
            let snapshot = engine.snapshot()
            let result = try snapshot.run(try spec.resolve(in: snapshot.catalog, today: day))
            switch format {
            case "csv": print(result.csv(), terminator: "")
            case "json": FileHandle.standardOutput.write(try result.json() + Data("\n".utf8))
            default:
                let rowDims = try dimensions(rows, option: "rows")
                let colDims = try dimensions(columns, option: "columns")
                let t =
                    rowDims.isEmpty && colDims.isEmpty ? result.table() : result.pivot(rows: rowDims, columns: colDims)
                if result.rows.isEmpty {
                    print("No data for this query.")
                    return
                }
                print(TextTable.render(header: t.header, rows: t.rows), terminator: "")
            }
        }
    }
}
