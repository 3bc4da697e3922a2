import QorganCore

/// A refused form's problems as its page shows them (the GOV.UK error summary): every problem at
/// once, in the page's language, each linked to its field and repeated beside the field.
///
/// A problem's text is the message `err_<form>_<key>` with `{value}` filled in; the key is the field
/// unless the caller names another. A field without a message of its own falls back to the server's
/// reason, so that nothing refused is ever left unexplained.
struct FormProblems {
    /// The prefix of the fields' ids (`incident-date`) and of the messages' keys (`err_incident_date`).
    let form: String
    let t: [String: String]
    private(set) var summary: [Ctx] = []
    private(set) var inline: [String: String] = [:]

    init(_ form: String, _ t: [String: String]) {
        self.form = form
        self.t = t
    }

    var isEmpty: Bool { summary.isEmpty }

    /// A problem with the input named `field`, told by the message `key` (the field's by default).
    mutating func add(_ field: String, key: String? = nil, value: String? = nil, reason: String = "") {
        let message = t["err_\(form)_\(key ?? field)"].map { fill($0, ["value": value ?? ""]) }
        let text = message ?? (value.map { "\(field) “\($0)”: " } ?? "\(field): ") + reason
        if inline[field] == text || summary.contains(where: { $0["text"] as? String == text }) { return }
        summary.append(["field": "\(form)-\(field)", "text": text])
        inline[field] = inline[field].map { $0 + " " + text } ?? text
    }

    /// The problems the store's checks found, each on the input that holds its field: `input`
    /// names the input of a problem's field (`placeName` → `place`, `sources[2]` → `sources`).
    mutating func add(
        _ problems: [Problem], input: (String) -> String = { $0 }, key: (String) -> String? = { _ in nil }
    ) {
        for p in problems {
            let base = String(p.field?.prefix { $0 != "[" && $0 != "." } ?? "")
            let field = input(base)
            add(field, key: key(base), value: p.value, reason: p.reason)
        }
    }

    /// What the page's template reads: the summary, whether there is one, and each field's text.
    var context: Ctx { ["problems": summary, "hasProblems": !summary.isEmpty, "fieldErrors": inline] }
}
