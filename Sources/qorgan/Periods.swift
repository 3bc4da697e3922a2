import ArgumentParser
import Foundation
import QorganCore

/// `qorgan periods ID…`: what DHIS2 period identifiers mean, for people and scripts.
struct Periods: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Print each DHIS2 period identifier's type, start and end date.",
        discussion: """
            Every fixed period type of DHIS2 is understood, with DHIS2's dates: 20170315 and 2017-03-15, \
            2017W5 and the weeks starting on other days (2017WedW5, ThuW, FriW, SatW, SunW), 2017BiW3, \
            201703 and 2017-03, 201703B, 2017Q1, 2017NovQ1, 2017S1, 2017AprilS1, 2017NovS1, 2017, and the \
            financial years 2017Feb, 2017April, 2017July, 2017Aug, 2017Sep, 2017Oct and 2017Nov (named by \
            the year it ends in: 2016-11-01 to 2017-10-31).

            One line per identifier, tab-separated: identifier, type, start, end, days. An identifier that \
            is not a period prints an error naming what is wrong, and the exit status is 1.
            """)

    @Argument(help: "Period identifiers.") var identifiers: [String]
    @Flag(help: "Print JSON (an array of {id, periodType, startDate, endDate, days} or {id, error}).")
    var json = false

    mutating func run() throws {
        guard !identifiers.isEmpty else { throw ValidationError("give at least one period identifier") }
        guard identifiers.count <= 10_000 else { throw ValidationError("at most 10 000 identifiers at once") }
        var failed = false
        var objects: [JSONValue] = []
        for id in identifiers {
            if let p = Period.parse(id) {
                if json {
                    objects.append(
                        .object([
                            ("id", .string(p.iso)), ("periodType", .string(p.type.rawValue)),
                            ("startDate", .string(p.start.description)), ("endDate", .string(p.end.description)),
                            ("days", .int(p.dayCount)),
                        ]))
                } else {
                    print(
                        [id, p.type.rawValue, p.start.description, p.end.description, String(p.dayCount)].joined(
                            separator: "\t"))
                }
            } else {
                failed = true
                let problem = Period.problem(with: id)
                if json {
                    objects.append(.object([("id", .string(id)), ("error", .string(problem))]))
                } else {
                    FileHandle.standardError.write(Data("error: '\(id)' is not a period: \(problem)\n".utf8))
                }
            }
        }
        if json { print(JSONValue.array(objects).text) }
        if failed { throw ExitCode(1) }
    }
}
