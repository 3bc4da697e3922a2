import Foundation
import Hummingbird
import QorganAnalytics
import QorganCore

/// DHIS2's expression description (`GET /api/expressions/description?expression=`): whether an
/// expression is valid against the metadata, and the expression with every operand named. Qorgan
/// adds each operand (`operands`), where a problem is (`position`), and, for a unit (`ou`) and a
/// period (`pe`) the caller may see, the expression's value as an indicator would compute it.
extension Handlers {
    static let expressionLimit = 4_000

    func expressionDescription(_ r: Request, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        guard let text = HTTP.param(r, "expression"), !text.isEmpty else {
            throw APIError.badRequest("expression", nil, "an expression such as #{CODE} / #{OTHER} * 100")
        }
        guard text.count <= Self.expressionLimit else {
            throw APIError.badRequest(
                "expression", String(text.prefix(40)), "at most \(Self.expressionLimit) characters")
        }
        let lang = c.language
        let (snapshot, _) = state.engine.versionedSnapshot()
        let catalog = snapshot.catalog
        var unit: OrgUnit? = nil
        if let ou = HTTP.param(r, "ou"), !ou.isEmpty {
            guard let u = catalog.unit(ou), user.canSee(u.uid, in: catalog, on: state.today) else {
                throw APIError.forbidden("ou: '\(ou)' is not among the units you may see")
            }
            unit = u
        }
        var period: Period? = nil
        if let pe = HTTP.param(r, "pe"), !pe.isEmpty {
            guard let p = Period.parse(pe) else {
                throw APIError.badRequest("pe", pe, "a period such as 2017, 2017Q1 or 201703")
            }
            period = p
        }
        var members: [(String, JSONValue)]
        do {
            let expression = try catalog.check(expression: text)
            let operands = Self.operands(expression, catalog: catalog, lang: lang)
            members = [
                ("httpStatus", .string("OK")), ("httpStatusCode", .int(200)), ("status", .string("OK")),
                ("message", .string(state.messages.text("maintain_valid", lang))),
                ("description", .string(Self.describe(text, expression, operands))),
                (
                    "operands",
                    .array(
                        operands.map { o -> JSONValue in
                            .object([("reference", .string(o.reference)), ("name", .string(o.name))])
                        })
                ),
            ]
            if let unit, let period {
                let result = snapshot.evaluate(
                    numerator: expression, denominator: try QorganCore.Expression.parse("1"), factor: 1, unit: unit.uid,
                    span: period.span)
                members.append(("value", result?.value.map { .number($0) } ?? .null))
                members.append(("unit", .string(unit.name(in: lang))))
                members.append(("period", .string(period.iso)))
            }
        } catch QorganError.invalidExpression(_, let position, let reason) {
            members = [
                ("httpStatus", .string("OK")), ("httpStatusCode", .int(200)), ("status", .string("ERROR")),
                ("message", .string(reason)), ("position", .int(position)),
            ]
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(data: JSONValue.object(members).data)))
    }

    struct Operand { var reference: String, name: String, position: Int, length: Int }

    /// Every operand of an expression with its name in `lang`.
    static func operands(_ e: QorganCore.Expression, catalog: Catalog, lang: String) -> [Operand] {
        e.references.map { r in
            var name: String
            switch r.kind {
            case .element:
                let el = catalog.element(r.code)
                name = el?.name(in: lang) ?? r.code
                if let el, let combo = r.combo, let coc = catalog.optionCombo(combo, of: el) {
                    name += " (" + catalog.name(of: coc, in: lang) + ")"
                }
            case .indicator: name = catalog.indicator(r.code)?.name(in: lang) ?? r.code
            case .constant: name = catalog.constant(r.code)?.name ?? r.code
            case .reportingRate: name = (catalog.dataSet(r.code)?.name(in: lang) ?? r.code) + " · " + (r.combo ?? "")
            }
            let reference = "\(r.kind.rawValue){\(r.code)\(r.combo.map { "." + $0 } ?? "")}"
            return Operand(reference: reference, name: name, position: r.position, length: reference.count)
        }
    }

    /// The expression as written, each operand replaced by its name.
    static func describe(_ text: String, _ e: QorganCore.Expression, _ operands: [Operand]) -> String {
        var out = ""
        let chars = Array(text)
        var i = 0
        for o in operands.sorted(by: { $0.position < $1.position }) {
            let start = max(0, o.position - 1)
            guard start >= i, start < chars.count else { continue }
            out += String(chars[i..<start])
            // The operand runs to its closing brace (spaces inside braces are allowed).
            var end = start
            while end < chars.count && chars[end] != "}" { end += 1 }
            out += o.name
            i = min(chars.count, end + 1)
        }
        out += String(chars[min(i, chars.count)...])
        return out
    }
}
