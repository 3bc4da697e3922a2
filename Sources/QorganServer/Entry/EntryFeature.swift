import Foundation
import Hummingbird
import NIOCore
import QorganCore

/// Data entry: the form page and its blank copy, a value's history; values, value sets,
/// completions, a form as a spreadsheet and the audit trail through the API.
enum EntryFeature: ServerFeature {
    static func register(_ routes: Routes) {
        let router = routes.pages
        let p = routes.p
        router.get("/entry") { r, c in try p.page(r, c) { try p.entry(r, c, $0) } }
        router.get("/entry/blank") { r, c in try p.page(r, c) { try p.blankForm(r, c, $0) } }
        router.get("/history") { r, c in try p.page(r, c) { try p.history(r, c, $0) } }
        let api = routes.api
        let h = routes.h
        api.get("dataValues") { r, c in try HTTP.json(try h.getValue(r, c)) }
        // DHIS2's two forms: a JSON body, or the parameters de, pe, ou, co, cc, cp, value, comment
        // (in the query or a form body). 201, with the value as stored.
        api.post("dataValues") { r, c in
            let body: ValueBody
            if HTTP.param(r, "de") != nil {
                body = try ValueBody(parameters: { HTTP.param(r, $0) })
            } else if r.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
                var r = r
                let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 20)))
                body = try ValueBody(parameters: { form[$0].flatMap { $0.isEmpty ? nil : $0 } })
            } else {
                body = try await HTTP.decode(ValueBody.self, from: r, what: "the data value")
            }
            return try HTTP.json(try h.saveValue(body, r, c), status: .created)
        }
        api.delete("dataValues") { r, c in try HTTP.json(try h.deleteValue(r, c)) }
        api.get("dataValueSets") { r, c in try h.exportValueSet(r, c) }
        api.post("dataValueSets") { r, c in
            var r = r
            let body = try await r.collectBody(upTo: 64 << 20)
            return try h.importValueSet(Data(buffer: body), r, c)
        }
        api.post("completions") { r, c in
            let body = try await HTTP.decode(CompletionBody.self, from: r, what: "the completion")
            return try HTTP.json(try h.complete(body, c))
        }
        // A form as a spreadsheet, and back (FormSheets.swift).
        api.get("dataEntry/form.xlsx") { r, c in try h.formWorkbook(r, c) }
        api.post("dataEntry/form.xlsx") { r, c in
            var r = r
            let body: ByteBuffer
            do {
                body = try await r.collectBody(upTo: FormSheet.maxBytes)
            } catch is NIOTooManyBytesError {
                throw APIError(
                    .contentTooLarge, code: "too_large",
                    "a form's spreadsheet is at most \(FormSheet.maxBytes >> 20) MB; this one is larger")
            }
            return try HTTP.json(try h.importFormWorkbook(Data(buffer: body), c))
        }
        api.get("audits/dataValue") { r, c in try HTTP.json(try h.history(r, c)) }
    }
}
