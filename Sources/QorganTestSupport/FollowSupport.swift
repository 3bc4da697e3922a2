import Foundation
import QorganAnalytics
import QorganCore
import QorganStore
import Testing

/// Comparing engines with the store, and asking a served demo, for the tests of following the change log.
public enum Follow {
    // MARK: Helpers

    /// GET with an API token through curl, as any script would: the status and the body.
    public static func get(_ url: String, token: String) throws -> (status: Int, body: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "-w", "\n%{http_code}", "--max-time", "60", "-H", "Authorization: Bearer \(token)", url]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let status = Int(text.split(separator: "\n").last ?? "") ?? 0
        return (status, String(text.dropLast(String(status).count + 1)))
    }

    /// The value of the only row of an analytics answer (nil when there is no row).
    public static func single(_ body: String) throws -> Double? {
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let rows = json?["rows"] as? [[String: Any]] ?? []
        return rows.first?["value"] as? Double
    }

    /// A figure of the programme report as the server shows it.
    public static func figure(_ code: String, _ served: ServedDemo, token: String) throws -> String? {
        let r = try get("\(served.address)/api/report?format=json", token: token)
        let json = try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any]
        let figures = json?["figures"] as? [[String: Any]]
        return figures?.first { $0["code"] as? String == code }?["display"] as? String
    }

    public static func close(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?): return x == y || abs(x - y) <= 1e-9 * max(1, abs(x), abs(y)) || (x.isNaN && y.isNaN)
        default: return false
        }
    }

    /// Compares an engine with the reference aggregation over the store's values, cell by cell:
    /// every element, operand and indicator × years and quarters × every unit. Returns cells checked.
    @discardableResult
    public static func expectEqual(
        _ engine: AnalyticsEngine, to store: Store, _ label: String,
        periods: [String] = [
            "2014", "2015", "2016", "2017", "2018", "2016Q3", "2017Q1",
        ]
    ) throws -> Int {
        let reference = try store.referenceAggregator()
        let c = reference.catalog
        #expect(engine.snapshot().catalog.organisationUnits.count == c.organisationUnits.count, "\(label): units")
        var items: [DataItem] = c.indicators.map { .indicator($0.uid) }
        for el in c.dataElements where el.valueType != .text {
            items.append(.element(el.uid))
            for coc in c.optionCombos(of: el) where coc.code != "default" {
                items.append(.operand(element: el.uid, optionCombo: coc.uid))
            }
        }
        let selections = try periods.map { try PeriodSelection($0) }
        let units = c.organisationUnits.map(\.uid)
        let result = try engine.run(AnalyticsQuery(data: items, periods: selections, units: units))
        var got: [String: Double] = [:]
        for r in result.rows { got["\(r.dx)|\(r.pe)|\(r.ou)"] = r.value }
        var checked = 0
        var wrong = 0
        for item in items {
            let dx: String
            switch item {
            case .element(let u), .indicator(let u): dx = u
            case .operand(let e, let co): dx = "\(e).\(co)"
            }
            for p in selections {
                for u in units {
                    let expected = reference.value(item, unit: u, periods: p)
                    let value = got["\(dx)|\(p.description)|\(u)"]
                    if !close(expected, value) {
                        wrong += 1
                        if wrong <= 5 {
                            Issue.record(
                                "\(label): \(c.element(dx)?.code ?? c.indicator(dx)?.code ?? dx) \(p) \(c.unit(u)?.code ?? u): store \(String(describing: expected)), engine \(String(describing: value))"
                            )
                        }
                    }
                    checked += 1
                }
            }
        }
        #expect(wrong == 0, "\(label): \(wrong) of \(checked) cells differ")
        return checked
    }
}
