import Foundation
import QorganCore
import QorganInterop

/// The report's formats: a self-contained HTML page (which Chromium prints to PDF), Markdown,
/// and an XLSX workbook with a sheet per section and numbers as numbers.
extension ReportDocument {
    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// `traceBase` prefixes the links of figures (`/trace?` in the web application).
    public func html(traceBase: String = "/trace?", standalone: Bool = true) -> String {
        let l = labels
        func link(_ text: String, _ trace: String?) -> String {
            guard let trace else { return Self.esc(text) }
            return "<a class=\"trace\" href=\"\(Self.esc(traceBase + trace))\">\(Self.esc(text))</a>"
        }
        var out = ""
        if standalone {
            out += """
                <!doctype html><html lang="\(language)"><head><meta charset="utf-8"><title>\(Self.esc(title)) — \(Self.esc(unitName)) \(periods)</title>
                <style>
                body{font:14px/1.45 "DejaVu Sans",system-ui,sans-serif;color:#1d2733;margin:2rem;max-width:1100px}
                h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:1.6rem;border-bottom:1px solid #d9dee4}h3{font-size:1rem}
                table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #d9dee4;padding:.25rem .5rem;text-align:left}
                td.n{text-align:right;font-variant-numeric:tabular-nums}thead th{background:#eef1f4}a.trace{color:inherit;text-decoration:none;border-bottom:1px dotted #1f6f8b}
                .met{color:#2f7d32}.behind{color:#b3261e}.onTrack{color:#1f6f8b}.note{color:#5b6672;font-size:.85rem}svg{max-width:100%;height:auto}
                @media print{a.trace{border:0}h2{page-break-after:avoid}table{page-break-inside:avoid}}
                </style></head><body>
                """
        }
        out +=
            "<article class=\"report\" id=\"report\"><h1>\(Self.esc(title))\(programme.isEmpty ? "" : " — " + Self.esc(programme))</h1>"
        out +=
            "<p class=\"note\">\(Self.esc(l["unit"] ?? "")): \(Self.esc(unitName)) · \(Self.esc(l["periods"] ?? "")): \(periods) · \(Self.esc(l["edition"] ?? "")): \(Self.esc(l[edition.rawValue] ?? "")) · \(Self.esc(l["generated"] ?? "")): \(generated)</p>"
        out +=
            "<h2>\(Self.esc(l["summary"] ?? ""))</h2><ul id=\"summary\">"
            + summary.map { "<li>\(Self.esc($0))</li>" }.joined() + "</ul>"
        out +=
            "<h2>\(Self.esc(l["figures"] ?? ""))</h2><table id=\"figures\"><thead><tr><th>\(Self.esc(l["code"] ?? ""))</th><th>\(Self.esc(l["item"] ?? ""))</th><th>\(Self.esc(l["value"] ?? ""))</th><th>\(Self.esc(l["periods"] ?? ""))</th></tr></thead><tbody>"
        for f in figures {
            out +=
                "<tr><td>\(f.code)</td><td>\(Self.esc(f.label))</td><td class=\"n\" data-figure=\"\(f.code)\">\(link(f.display, figureTraces[f.code]))</td><td>\(Self.esc(f.periods))</td></tr>"
        }
        out += "</tbody></table>"
        if !progress.isEmpty {
            out += "<h2>\(Self.esc(l["progress"] ?? ""))</h2><table id=\"progress\"><thead><tr>"
            out += [
                l["item"], l["baseline"], l["target"], l["latest"], l["status"], l["verification"], l["responsible"],
            ].map { "<th>\(Self.esc($0 ?? ""))</th>" }.joined()
            out += "</tr></thead><tbody>"
            for p in progress {
                out +=
                    "<tr><td>\(Self.esc(p.name))<br><small>\(Self.esc(p.path)) · \(Self.esc(p.definition))</small></td><td>\(Self.esc(p.baseline))</td><td>\(Self.esc(p.target))</td>"
                out +=
                    "<td class=\"n\">\(link(p.latest, p.trace))</td><td class=\"\(p.statusCode)\">\(Self.esc(p.status))</td><td>\(Self.esc(p.verification)) · \(Self.esc(p.frequency))</td><td>\(Self.esc(p.responsible))</td></tr>"
            }
            out += "</tbody></table>"
        }
        for s in sections {
            out += "<section id=\"section-\(s.code)\"><h2>\(Self.esc(s.title))</h2>"
            out += s.paragraphs.map { "<p>\(Self.esc($0))</p>" }.joined()
            for table in s.tables {
                out +=
                    "<h3>\(Self.esc(table.title))</h3><table><thead><tr>"
                    + table.header.map { "<th>\(Self.esc($0))</th>" }.joined() + "</tr></thead><tbody>"
                for row in table.rows {
                    out +=
                        "<tr>"
                        + row.enumerated().map { i, c in
                            i == 0
                                ? "<th scope=\"row\">\(Self.esc(c.text))</th>"
                                : "<td class=\"n\">\(link(c.text, c.trace))</td>"
                        }.joined() + "</tr>"
                }
                out += "</tbody></table>"
            }
            out += s.charts.joined()
            out += "</section>"
        }
        out +=
            "<h2>\(Self.esc(ReportText.table(language)["notes"] ?? "Notes"))</h2><ul class=\"note\">"
            + notes.map { "<li>\(Self.esc($0))</li>" }.joined() + "</ul></article>"
        if standalone { out += "</body></html>\n" }
        return out
    }

    /// The key figures as a plain-text table (the command line's default), then the notes that
    /// qualify them (edition, approval, illustrative data).
    public func table() -> String {
        let l = labels
        let header = [
            "Figure", l["value"] ?? "Value", l["periods"] ?? "Period", l["unit"] ?? "Unit", "Indicator",
            l["item"] ?? "Item",
        ]
        let rows = figures.map { [$0.code, $0.display, $0.periods, $0.unitName, $0.indicator, $0.label] }
        let notes = self.notes.filter { $0 != l["traceNote"] }
        return TextTable.render(header: header, rows: rows) + notes.map { "\n" + $0 + "\n" }.joined()
    }

    public func markdown() -> String {
        let l = labels
        func row(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        var out = "# \(title)\(programme.isEmpty ? "" : " — " + programme)\n\n"
        out +=
            "\(l["unit"] ?? ""): \(unitName) · \(l["periods"] ?? ""): \(periods) · \(l["edition"] ?? ""): \(l[edition.rawValue] ?? "")\n\n"
        out += "## \(l["summary"] ?? "")\n\n" + summary.map { "- \($0)" }.joined(separator: "\n") + "\n\n"
        out +=
            "## \(l["figures"] ?? "")\n\n" + row(["", l["item"] ?? "", l["value"] ?? "", l["periods"] ?? ""]) + "\n"
            + row(["---", "---", "---:", "---"]) + "\n"
        out += figures.map { row([$0.code, $0.label, $0.display, $0.periods]) }.joined(separator: "\n") + "\n\n"
        if !progress.isEmpty {
            out +=
                "## \(l["progress"] ?? "")\n\n"
                + row([l["item"] ?? "", l["baseline"] ?? "", l["target"] ?? "", l["latest"] ?? "", l["status"] ?? ""])
                + "\n"
            out +=
                row(["---", "---", "---", "---", "---"]) + "\n"
                + progress.map { row([$0.name, $0.baseline, $0.target, $0.latest, $0.status]) }.joined(separator: "\n")
                + "\n\n"
        }
        for s in sections {
            out += "## \(s.title)\n\n" + s.paragraphs.map { $0 + "\n\n" }.joined()
            for t in s.tables {
                out +=
                    "### \(t.title)\n\n" + row(t.header) + "\n"
                    + row(t.header.enumerated().map { $0.offset == 0 ? "---" : "---:" }) + "\n"
                out += t.rows.map { row($0.map(\.text)) }.joined(separator: "\n") + "\n\n"
            }
        }
        out += notes.map { "> \($0)" }.joined(separator: "\n") + "\n"
        return out
    }

    /// A sheet of figures, one of progress, and one per section with all its tables.
    public func workbook() -> Data {
        var sheets: [XLSX.Sheet] = []
        sheets.append(
            XLSX.Sheet(
                name: labels["figures"] ?? "Figures",
                header: [
                    "code", labels["item"] ?? "", labels["value"] ?? "", labels["periods"] ?? "", "value 1", "value 2",
                ],
                rows: figures.map { f in
                    [.text(f.code), .text(f.label), .text(f.display), .text(f.periods)]
                        + f.values.prefix(2).map { $0.map { XLSX.Cell.number($0) } ?? .empty }
                }))
        if !progress.isEmpty {
            sheets.append(
                XLSX.Sheet(
                    name: labels["progress"] ?? "Progress",
                    header: [
                        labels["item"] ?? "", labels["baseline"] ?? "", labels["target"] ?? "", labels["latest"] ?? "",
                        labels["status"] ?? "",
                    ],
                    rows: progress.map {
                        [.text($0.name), .text($0.baseline), .text($0.target), .text($0.latest), .text($0.status)]
                    }))
        }
        for s in sections where !s.tables.isEmpty {
            var rows: [[XLSX.Cell]] = []
            for (i, t) in s.tables.enumerated() {
                if i > 0 { rows.append([]) }
                rows.append([.text(t.title)])
                rows.append(t.header.map { .text($0) })
                rows += t.rows.map {
                    $0.enumerated().map { j, c in
                        if j == 0 { return .text(c.text) }
                        if let n = c.number { return .number(n) }
                        return c.text.isEmpty ? .empty : .text(c.text)
                    }
                }
            }
            sheets.append(XLSX.Sheet(name: s.title, header: [], rows: rows))
        }
        sheets.append(XLSX.Sheet(name: "Notes", header: [], rows: (summary + notes).map { [.text($0)] }))
        return XLSX.workbook(sheets: sheets)
    }
}
