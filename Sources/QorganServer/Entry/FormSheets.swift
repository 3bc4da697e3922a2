import Foundation
import Hummingbird
import QorganCore
import QorganInterop
import QorganStore

/// A form as a spreadsheet, for offices that fill it offline: downloaded with the values stored
/// so far, filled in Excel or LibreOffice, uploaded back. The upload lands whole or not at all,
/// and every refused cell is named by its reference (C7).
///
/// The sheet: B1 the form's code, B2 the unit's, B3 the period; from row 6, a row per element and
/// breakdown with its value in column C and its key (`ELEMENT.BREAKDOWN` codes) in column E.
enum FormSheet {
    static let firstRow = 6
    /// A form has some dozens of rows; this bounds what an upload can make the server read.
    static let maxRows = 5000
    static let maxBytes = 5 << 20
    static let type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// A form's values in the order of its rows: each element with each of its breakdowns.
    static func cells(of form: DataSet, _ catalog: Catalog) -> [(element: DataElement, combo: CategoryOptionCombo)] {
        form.dataElements.compactMap { catalog.element($0) }.flatMap { e in
            catalog.optionCombos(of: e).map { (e, $0) }
        }
    }
}

extension Handlers {
    /// The form, unit and period of a request, checked as data entry checks them: the unit must
    /// be the caller's and report on the form.
    func sheetKey(_ ds: String?, _ pe: String?, _ ou: String?, _ c: AppContext, _ catalog: Catalog) throws -> (
        DataSet, Period, OrgUnit
    ) {
        let (form, period, unit) = try formKey(dataSet: ds, period: pe, unit: ou, c, catalog)
        guard catalog.assigns(form, to: unit.uid) else {
            throw APIError.badRequest("orgUnit", unit.code, "\(unit.code) does not report on \(form.code)")
        }
        return (form, period, unit)
    }

    /// GET /api/dataEntry/form.xlsx?ds=&ou=&pe=: the form with its stored values.
    func formWorkbook(_ r: Request, _ c: AppContext) throws -> Response {
        _ = try c.requireUser()
        let catalog = try catalog()
        let (form, period, unit) = try sheetKey(
            HTTP.param(r, "ds"), HTTP.param(r, "pe"), HTTP.param(r, "ou"), c, catalog)
        let lang = c.language
        let t = state.messages.table(lang)
        let now = try store.values(unit: unit.uid, period: period, elements: form.dataElements)
        let before = try store.values(unit: unit.uid, period: period.previous, elements: form.dataElements)
        func byKey(_ values: [DataValue]) -> [String: String] {
            Dictionary(
                values.map { ("\($0.key.element)|\($0.key.optionCombo)", $0.value) }, uniquingKeysWith: { a, _ in a })
        }
        let current = byKey(now.filter { !$0.deleted })
        let previous = byKey(before.filter { !$0.deleted })
        func cell(_ v: String?, _ e: DataElement) -> XLSX.Cell {
            guard let v, !v.isEmpty else { return .empty }
            if e.valueType.isNumeric && e.valueType != .boolean, let d = Double(v) { return .number(d) }
            return .text(v)
        }
        var rows: [[XLSX.Cell]] = [
            [.text(t["common_unit"] ?? "Unit"), .text(unit.code), .text(unit.name(in: lang))],
            [.text(t["common_period"] ?? "Period"), .text(period.iso), .text(state.messages.periodName(period, lang))],
            [.text(t["sheet_note"] ?? "")],
            [
                .text(t["entry_element"] ?? "Data element"), .text(t["sheet_breakdown"] ?? "Breakdown"),
                .text(t["entry_value"] ?? "Value"),
                .text(fill(t["sheet_previous"] ?? "", ["period": state.messages.periodName(period.previous, lang)])),
                .text(t["sheet_code"] ?? "Code"),
            ],
        ]
        for (e, coc) in FormSheet.cells(of: form, catalog) {
            let k = "\(e.uid)|\(coc.uid)"
            rows.append([
                .text(e.name(in: lang)), .text(coc.code == "default" ? "" : catalog.name(of: coc, in: lang)),
                cell(current[k], e), cell(previous[k], e), .text("\(e.code).\(coc.code)"),
            ])
        }
        let sheet = XLSX.Sheet(
            name: form.code, header: [t["entry_form"] ?? "Form", form.code, form.name(in: lang)], rows: rows)
        return HTTP.data(
            XLSX.workbook(sheets: [sheet]), type: FormSheet.type,
            filename: "\(form.code)-\(unit.code)-\(period.iso).xlsx")
    }

    /// POST /api/dataEntry/form.xlsx: a filled form back. Its cells are checked as the entry page
    /// checks them and stored in one transaction; empty cells leave stored values as they are.
    func importFormWorkbook(_ data: Data, _ c: AppContext) throws -> ImportSummary {
        let user = try requireValueWriter(c)
        let catalog = try catalog()
        let cells: [String: String]
        do {
            cells = try XLSX.firstSheet(data)
        } catch let e as ArchiveError {
            throw APIError.badRequest("file", nil, "not a spreadsheet of a form (.xlsx): \(e)")
        }
        func at(_ ref: String) -> String? {
            cells[ref].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let ds = at("B1"), catalog.dataSet(ds) != nil else {
            throw APIError.badRequest(
                "cell B1", at("B1"), "the form's code belongs here, as in a form downloaded from the entry page")
        }
        let (form, period, unit) = try sheetKey(ds, at("B3"), at("B2"), c, catalog)
        var problems: [Problem] = []
        var inputs: [DataValueInput] = []
        var row = FormSheet.firstRow
        let last = cells.keys.compactMap { Int($0.drop { $0.isLetter }) }.max() ?? 0
        guard last <= FormSheet.maxRows else {
            throw APIError.badRequest("file", String(last), "a form's sheet has at most \(FormSheet.maxRows) rows")
        }
        while row <= last {
            defer { row += 1 }
            guard let key = at("E\(row)") else {
                if let v = at("C\(row)") {
                    problems.append(
                        Problem(
                            object: "cell E\(row)", value: v, reason: "a value without its code in E", code: "noCode"))
                }
                continue
            }
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard let first = parts.first, let e = catalog.element(first), form.dataElements.contains(e.uid),
                let coc = catalog.optionCombo(parts.count > 1 ? parts[1] : "default", of: e)
            else {
                problems.append(
                    Problem(
                        object: "cell E\(row)", value: key, reason: "not an element and breakdown of \(form.code)",
                        code: "notInForm"))
                continue
            }
            guard var value = at("C\(row)") else { continue }
            // A spreadsheet writes 12 as 12.0 at times; a whole number is entered as one.
            if e.valueType != .number && e.valueType != .percentage, let d = Double(value), d == d.rounded(),
                abs(d) < 1e15, value.contains(".")
            {
                value = String(Int64(d))
            }
            inputs.append(
                DataValueInput(
                    element: e.uid, period: period.iso, unit: unit.uid, optionCombo: coc.uid, value: value,
                    location: "cell C\(row)"))
        }
        // All or nothing: the store checks every value in its one transaction. When a key was
        // refused, the values are checked without storing, so that every problem is told at once.
        let rules = try FormRules.signedIn(user, today: state.today, force: false)
        // A refusal names the cell by its reference and quotes what the cell holds (a lock is
        // about the form's period, but the person reads the cell).
        let typed = Dictionary(
            inputs.compactMap { i in i.location.map { ($0, i.value) } }, uniquingKeysWith: { a, _ in a })
        func quotingCells(_ denied: AccessDenied) -> AccessDenied {
            var denied = denied
            for i in denied.problems.indices {
                if let place = denied.problems[i].object, let value = typed[place] { denied.problems[i].value = value }
            }
            return denied
        }
        do {
            if problems.isEmpty {
                return try store.saveValues(
                    inputs, source: "the spreadsheet", user: user.username, authorize: valueAuthorizer(user),
                    rules: rules)
            }
            do {
                try store.saveValues(
                    inputs, source: "the spreadsheet", user: user.username, dryRun: true,
                    authorize: valueAuthorizer(user), rules: rules)
            } catch QorganError.rejected(_, let found) {
                problems += found
            }
        } catch let denied as AccessDenied {
            throw quotingCells(denied)
        }
        throw QorganError.rejected(source: "the spreadsheet", problems: problems)
    }
}
