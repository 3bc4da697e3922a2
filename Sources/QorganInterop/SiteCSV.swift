import Foundation
import QorganCore

/// The site registry as CSV: `uid,name,category,sector,unit,peak_occupancy,responsible_role,registered,closed,plan_status,plan_date`
/// (a header is required; uid, sector, closed, plan_status and plan_date may be left empty).
public enum SiteCSV {
    public static let columns = [
        "uid", "name", "category", "sector", "unit", "peak_occupancy", "responsible_role", "registered", "closed",
        "plan_status", "plan_date",
    ]
    static let required = ["name", "category", "unit", "peak_occupancy", "responsible_role", "registered"]

    public static func parse(_ text: String, source: String) throws -> [(site: Site, line: Int)] {
        let records: [CSV.Record]
        do { records = try CSV.parse(text) } catch let e as CSV.SyntaxError {
            throw QorganError.rejected(source: source, problems: [Problem(line: e.line, reason: e.reason)])
        }
        guard let header = records.first else { return [] }
        var index: [String: Int] = [:]
        var problems: [Problem] = []
        for (i, h) in header.fields.enumerated() {
            let name = h.trimmingCharacters(in: .whitespaces).lowercased()
            if columns.contains(name) {
                index[name] = i
            } else {
                problems.append(
                    Problem(
                        line: header.line, field: name,
                        reason: "unknown column (known: \(columns.joined(separator: ", ")))"))
            }
        }
        for r in required where index[r] == nil {
            problems.append(Problem(line: header.line, field: r, reason: "the header has no '\(r)' column"))
        }
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
        var out: [(Site, Int)] = []
        for r in records.dropFirst() where !r.fields.allSatisfy(\.isEmpty) {
            func f(_ n: String) -> String {
                index[n].flatMap { $0 < r.fields.count ? r.fields[$0].trimmingCharacters(in: .whitespaces) : nil } ?? ""
            }
            func bad(_ field: String, _ value: String, _ reason: String) {
                problems.append(Problem(line: r.line, field: field, value: value, reason: reason))
            }
            func day(_ n: String) -> Day? {
                let s = f(n)
                if s.isEmpty { return nil }
                guard let d = Day(iso: s) else {
                    bad(n, s, "a date YYYY-MM-DD")
                    return nil
                }
                return d
            }
            let occupancy = Int(f("peak_occupancy"))
            if occupancy == nil { bad("peak_occupancy", f("peak_occupancy"), "a whole number of people") }
            let registered = day("registered")
            if registered == nil && f("registered").isEmpty {
                bad("registered", "", "the date the site was registered")
            }
            let status =
                f("plan_status").isEmpty ? SitePlanStatus.none : SitePlanStatus(rawValue: f("plan_status").lowercased())
            if status == nil { bad("plan_status", f("plan_status"), "none, draft, approved or expired") }
            guard let occupancy, let registered, let status else { continue }
            out.append(
                (
                    Site(
                        uid: f("uid"), name: f("name"), category: f("category"),
                        sector: f("sector").isEmpty ? nil : f("sector"), unit: f("unit"),
                        peakOccupancy: occupancy, responsibleRole: f("responsible_role"), registered: registered,
                        closed: day("closed"),
                        planStatus: status, planDate: day("plan_date")), r.line
                ))
        }
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
        return out
    }
}
