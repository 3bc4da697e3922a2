import Foundation
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganInterop
import QorganStore
import QorganTestSupport
import Testing

/// Mutation fuzzing of every parser that input reaches: valid seeds are mutated (bytes flipped,
/// inserted, deleted, repeated, spliced with tokens that parsers treat specially) and fed to the
/// parser. A parser may refuse an input, never crash on it: a crash stops the test process, and
/// the run fails. `QORGAN_FUZZ_ITERATIONS` sets the inputs per parser (a short run by default;
/// `scripts/fuzz` runs millions).
@Suite struct FuzzTests {
    static let iterations = ProcessInfo.processInfo.environment["QORGAN_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 4_000
    static let seed = ProcessInfo.processInfo.environment["QORGAN_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_201

    static let tokens = [
        "9999", "0000", "2100", "1899", "..", ".", ";", ":", "-", "+", "W53", "BiW27", "Q5", "S3", "April", "Nov", "B",
        "#{", "}", "N{", "C{", "(", ")", "if(", ",", "&&", "||", "!", "/0", "1e308", "-1e308", "NaN", "\"", "\"\"",
        "\n", "\r\n", "\t", " ", "\u{0}", "\u{FEFF}", "\u{200B}", "А", "😀", "{", "[", "]", "null", "true", "[]", "{}",
        "99999999999999999999", "-0", "LEVEL-", "CHILDREN:", "LAST_1000_DAYS", "%", "'", "=",
    ]

    /// `count` mutants of the seeds.
    static func mutants(_ seeds: [String], count: Int, salt: UInt64) -> [String] {
        var g = SplitMix64(seed: seed &+ salt)
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            var s = Array(seeds.randomElement(using: &g) ?? "")
            for _ in 0..<Int.random(in: 1...4, using: &g) {
                let at = s.isEmpty ? 0 : Int.random(in: 0...s.count, using: &g)
                switch Int.random(in: 0..<7, using: &g) {
                case 0: if !s.isEmpty, at < s.count { s.remove(at: at) }
                case 1: s.insert(Character(Unicode.Scalar(UInt8.random(in: 0...127, using: &g))), at: at)
                case 2: s.insert(contentsOf: tokens.randomElement(using: &g) ?? "", at: at)
                case 3:
                    if !s.isEmpty {
                        let end = min(s.count, at + Int.random(in: 1...8, using: &g))
                        if at < end { s.insert(contentsOf: s[at..<end], at: at) }
                    }
                case 4: if at < s.count { s[at] = Character(String(Int.random(in: 0...9, using: &g))) }
                case 5: s = Array(String(s.prefix(at)))
                default:
                    let other = Array(seeds.randomElement(using: &g) ?? "")
                    s =
                        Array(s.prefix(at))
                        + other.suffix(max(0, other.count - Int.random(in: 0...max(0, other.count), using: &g)))
                }
            }
            out.append(String(s))
        }
        return out
    }

    @Test func periodsAndDates() throws {
        let seeds = [
            "2017", "201703", "20170315", "2017W5", "2017BiW3", "201703B", "2017Q1", "2017S1", "2017April", "2017July",
            "2017Oct",
            "2017Nov", "2013..2017", "2016Q2..2017Q1", "2016-06-05", "2016-06", "2020W53", "2100", "1900",
        ]
        var parsed = 0
        for text in Self.mutants(seeds, count: Self.iterations, salt: 1) {
            if let p = Period.parse(text) {
                parsed += 1
                // Whatever parses lies in the supported years and survives its own arithmetic.
                #expect(Day.supportedYears.contains(p.start.year) || Day.supportedYears.contains(p.end.year))
                _ = (p.iso, p.next.iso, p.previous.iso, p.dayCount)
                #expect(Period.parse(p.iso) == p, "\(text.debugDescription) → \(p.iso)")
            }
            if let s = try? PeriodSelection(text) { _ = (s.description, s.span.dayCount) }
            _ = try? RelativePeriods.expand(text, today: Day(year: 2026, month: 12, day: 1) ?? Day(ordinal: 0))
            if let d = Day(iso: text) { #expect(Day(iso: d.description) == d) }
            if let d = IncidentDate(text) { _ = (d.period.iso, d.earliest, d.latest) }
        }
        #expect(parsed > 0)
    }

    @Test func expressions() throws {
        let seeds = [
            "#{TG_REACHED} / #{TG_SIZE} * 100", "#{INC_EVENTS.FOILED}", "N{IND_A} + C{POP} - 3",
            "if(#{A} > 0, #{B}, 0)",
            "isNull(#{A})", "firstNonNull(#{A}, #{B}, 1)", "greatest(1, 2, #{C})", "least(#{A}, 4)",
            "!(#{A} == 1) && #{B} != 2 || 3 >= 4",
            "(((1)))", "-#{A}", "1 / 0", "#{A.B}",
        ]
        for text in Self.mutants(seeds, count: Self.iterations, salt: 2) {
            if let e = try? Expression.parse(text) {
                _ = e.evaluate { _ in Double.random(in: -10...10) }
                _ = e.references
            }
        }
    }

    @Test func analyticsQueries() throws {
        let (store, engine) = try DemoFixture.store()
        _ = store
        let snapshot = engine.snapshot()
        let today = Day(year: 2026, month: 12, day: 1) ?? Day(ordinal: 0)
        let dx = ["CONVICTIONS", "IND_TG_COVERAGE", "TG_REACHED.STUDENTS", "INC_EVENTS.FOILED", "IND_READINESS"]
        let pe = ["2016", "2013..2017", "LAST_5_YEARS", "201612", "2016Q1..2016Q4", "THIS_YEAR"]
        let ou = ["KZ", "LEVEL-2", "CHILDREN:KZ", "LEVEL-3:AKT", "ALA", "USER_ORGUNIT"]
        let n = max(200, Self.iterations / 10)
        let dxs = Self.mutants(dx, count: n, salt: 3)
        let pes = Self.mutants(pe, count: n, salt: 4)
        let ous = Self.mutants(ou, count: n, salt: 5)
        var answered = 0
        for i in 0..<n {
            // One dimension mutated at a time (sometimes none), so that many queries get past resolution.
            var spec = QuerySpec(
                dx: [i % 4 == 0 ? dxs[i] : dx[i % dx.count]], pe: [i % 4 == 1 ? pes[i] : pe[i % pe.count]],
                ou: [i % 4 == 2 ? ous[i] : ou[i % ou.count]])
            spec.userUnits = ["KZ"]
            spec.co = i % 3 == 0
            if i % 5 == 0 { spec.periodType = PeriodType.allCases[i % PeriodType.allCases.count] }
            if let q = try? spec.resolve(in: snapshot.catalog, today: today), (try? snapshot.run(q)) != nil {
                answered += 1
            }
        }
        #expect(answered > 0)
    }

    @Test func csvFilesOfValuesSitesAndIncidents() throws {
        let catalog = try DemoFixture.store().0.catalog()
        let values = [
            "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\nCONVICTIONS,201712,ALA,,,3\n",
            "CONVICTIONS,2016,AKT,default,default,4,me,2017-01-01,\"a, comment\",false,false\n",
            "value,orgunit,period,dataelement,categoryoptioncombo,attributeoptioncombo\n\"1\",ALA,201701,CONVICTIONS,,\n",
        ]
        let sites = [
            "name,category,sector,unit,peak_occupancy,responsible_role,registered,closed,plan_status,plan_date\n"
                + "Market,MASS,trade,ALA,900,Akimat,2015-01-01,,approved,2015-06-01\n"
        ]
        let gtd = [
            "eventid,iyear,imonth,iday,country_txt,provstate,city,latitude,longitude,success,attacktype1,targtype1,weaptype1,nkill,nwound,property,propextent,claimed,summary,scite1\n"
                + "201606050001,2016,6,5,Kazakhstan,Aktobe,Aktobe,50.28,57.16,1,2,3,5,,,1,3,0,\"An attack.\",Press\n"
        ]
        for text in Self.mutants(values, count: Self.iterations, salt: 6) {
            _ = try? CSV.parse(text)
            _ = try? DataValueCSV.parse(text, source: "fuzz.csv")
        }
        for text in Self.mutants(sites, count: Self.iterations / 2, salt: 7) {
            _ = try? SiteCSV.parse(text, source: "fuzz.csv")
        }
        for text in Self.mutants(gtd, count: Self.iterations / 2, salt: 8) {
            _ = try? GTDFile.parse(text, source: "fuzz.csv", country: "Kazakhstan", catalog: catalog)
            _ = try? GTDFile.mapping(text, source: "fuzz.csv")
        }
    }

    @Test func jsonDocuments() throws {
        let (store, _) = try DemoFixture.store()
        let catalog = try store.catalog()
        let sets = [
            #"{"period":"201712","orgUnit":"ALA","dataValues":[{"dataElement":"CONVICTIONS","value":"3"}]}"#,
            #"{"dataValues":[{"dataElement":"CONVICTIONS","period":"2016","orgUnit":"AKT","categoryOptionCombo":"default","value":4,"comment":"c","followup":true,"deleted":false}]}"#,
        ]
        var inputs = 0
        for text in Self.mutants(sets, count: Self.iterations, salt: 9) {
            if let list = try? DataValueSetJSON.parse(Data(text.utf8), source: "fuzz.json") {
                inputs += list.count
                for i in list { _ = catalog.resolve(i) }
            }
        }
        #expect(inputs > 0)
        // Metadata: the demo's own document, cut and spliced; whatever parses is checked by the store's import (in memory).
        let document = String(decoding: try MetadataDocument.write(catalog), as: UTF8.self)
        let small = Self.mutants(
            [String(document.prefix(4_000)), document], count: max(100, Self.iterations / 40), salt: 10)
        for text in small {
            if let parsed = try? MetadataDocument.parse(Data(text.utf8), source: "fuzz.json") {
                let scratch = try Store()
                _ = try? scratch.importMetadata(parsed, user: "fuzz")
            }
        }
    }
}
