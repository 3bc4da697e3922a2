import Foundation

/// What identifies a data value: element, period, unit, option combination, attribute combination.
public struct DataValueKey: Hashable, Sendable {
    public var element: String
    public var period: Period
    public var unit: String
    public var optionCombo: String
    public var attributeOptionCombo: String

    public init(
        element: String, period: Period, unit: String,
        optionCombo: String = CategoryOptionCombo.defaultUid,
        attributeOptionCombo: String = CategoryOptionCombo.defaultUid
    ) {
        self.element = element
        self.period = period
        self.unit = unit
        self.optionCombo = optionCombo
        self.attributeOptionCombo = attributeOptionCombo
    }
}

/// One aggregate number (or text) reported for a key.
public struct DataValue: Hashable, Sendable {
    public var key: DataValueKey
    public var value: String
    public var storedBy: String
    public var created: Date
    public var lastUpdated: Date
    public var comment: String?
    public var followUp: Bool
    public var deleted: Bool

    public init(
        key: DataValueKey, value: String, storedBy: String, created: Date = Date(), lastUpdated: Date = Date(),
        comment: String? = nil, followUp: Bool = false, deleted: Bool = false
    ) {
        self.key = key
        self.value = value
        self.storedBy = storedBy
        self.created = created
        self.lastUpdated = lastUpdated
        self.comment = comment
        self.followUp = followUp
        self.deleted = deleted
    }

    /// The value as a number: booleans count as 1 and 0; text has none.
    public var number: Double? { DataValue.number(value) }

    public static func number(_ s: String) -> Double? {
        switch s {
        case "true": return 1
        case "false": return 0
        default: return Double(s)
        }
    }
}

/// A value as a file or a command gives it: every field still text, references by code or uid.
public struct DataValueInput: Hashable, Sendable {
    public var element: String
    public var period: String
    public var unit: String
    public var optionCombo: String
    public var attributeOptionCombo: String
    public var value: String
    public var storedBy: String?
    public var comment: String?
    public var followUp: String?
    public var deleted: String?
    /// The line of a file it came from, for error messages.
    public var line: Int?
    /// Where it came from when that is not a line (`dataValues[3]` of a JSON document).
    public var location: String?

    public init(
        element: String, period: String, unit: String, optionCombo: String = "", attributeOptionCombo: String = "",
        value: String, storedBy: String? = nil, comment: String? = nil, followUp: String? = nil,
        deleted: String? = nil, line: Int? = nil, location: String? = nil
    ) {
        self.element = element
        self.period = period
        self.unit = unit
        self.optionCombo = optionCombo
        self.attributeOptionCombo = attributeOptionCombo
        self.value = value
        self.storedBy = storedBy
        self.comment = comment
        self.followUp = followUp
        self.deleted = deleted
        self.line = line
        self.location = location
    }
}

/// A checked input: references resolved, value in its canonical form.
public struct ResolvedValue: Hashable, Sendable {
    public var key: DataValueKey
    /// nil when the input asks to delete the value.
    public var value: String?
    public var comment: String?
    public var followUp: Bool
    public var storedBy: String?
    public var line: Int?
    /// The input said nothing of the comment (or of the follow-up mark): a stored value keeps
    /// its own, on every surface (a data value set without comments does not erase them).
    public var keepsComment = false
    public var keepsFollowUp = false
    public var isDeletion: Bool { value == nil }

    public init(
        key: DataValueKey, value: String?, comment: String? = nil, followUp: Bool = false, storedBy: String? = nil,
        line: Int? = nil, keepsComment: Bool = false, keepsFollowUp: Bool = false
    ) {
        self.keepsComment = keepsComment
        self.keepsFollowUp = keepsFollowUp
        self.key = key
        self.value = value
        self.comment = comment
        self.followUp = followUp
        self.storedBy = storedBy
        self.line = line
    }
}

/// One change to a value, as the audit trail keeps it.
public struct AuditEntry: Hashable, Sendable {
    public enum Action: String, Sendable, Codable {
        case create = "CREATE"
        case update = "UPDATE"
        case delete = "DELETE"
        case restore = "RESTORE"
        /// Steps of the approval of a form holding the value (newValue: the level after it,
        /// newComment: the reason of a return).
        case approve = "APPROVE"
        case accept = "ACCEPT"
        case `return` = "RETURN"
        case unapprove = "UNAPPROVE"
        case withdraw = "WITHDRAW"
        /// The follow-up flag set or cleared (the value itself unchanged).
        case followUp = "FOLLOW_UP"
        case followUpCleared = "FOLLOW_UP_CLEARED"
    }
    public var key: DataValueKey
    public var action: Action
    public var oldValue: String?
    public var newValue: String?
    public var oldComment: String?
    public var newComment: String?
    public var changedBy: String
    public var changedAt: Date

    public init(
        key: DataValueKey, action: Action, oldValue: String?, newValue: String?, oldComment: String?,
        newComment: String?, changedBy: String, changedAt: Date
    ) {
        self.key = key
        self.action = action
        self.oldValue = oldValue
        self.newValue = newValue
        self.oldComment = oldComment
        self.newComment = newComment
        self.changedBy = changedBy
        self.changedAt = changedAt
    }
}

extension ValueType {
    /// The canonical text of `raw` for this type, or the reason it does not fit.
    public func normalize(_ raw: String) -> Validated<String> {
        let s = raw.trimmedSpaces
        switch self {
        case .number, .percentage:
            // Plain decimal notation only: no "nan", "inf", hexadecimal or exponents.
            guard s.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 45 || $0 == 43 }),
                let d = Double(s), d.isFinite
            else {
                return .invalid("'\(raw)' is not a number", code: "notNumber")
            }
            if self == .percentage && !(0...100).contains(d) {
                return .invalid("a percentage lies between 0 and 100, not \(raw)", code: d < 0 ? "negative" : "over100")
            }
            return .valid(formatNumber(d))
        case .integer, .integerZeroOrPositive:
            let digits = s.hasPrefix("+") ? String(s.dropFirst()) : s
            guard let i = Int(digits) else {
                let unsigned = digits.hasPrefix("-") ? digits.dropFirst() : Substring(digits)
                if !unsigned.isEmpty, unsigned.allSatisfy(\.isASCIIDigit) {
                    return .invalid("'\(raw)' is too large for a whole number (at most \(Int.max))", code: "tooLarge")
                }
                return .invalid("'\(raw)' is not a whole number", code: "notWhole")
            }
            if self == .integerZeroOrPositive && i < 0 {
                return .invalid("must be zero or positive, not \(raw)", code: "negative")
            }
            return .valid(String(i))
        case .boolean:
            switch s.lowercased() {
            case "true", "1", "yes": return .valid("true")
            case "false", "0", "no": return .valid("false")
            default: return .invalid("'\(raw)' is not true or false", code: "notBoolean")
            }
        case .text:
            if s.count > 255 {
                return .invalid(
                    "text values are short (at most 255 characters, this one has \(s.count)); they are not for personal data",
                    code: "tooLong")
            }
            return .valid(s)
        }
    }
}

/// A checked input, or everything wrong with it.
public enum Validated<T: Sendable>: Sendable {
    case valid(T)
    case invalid([Problem])

    static func invalid(_ reason: String, code: String? = nil) -> Validated {
        .invalid([Problem(reason: reason, code: code)])
    }
}

/// `5`, `2.5`, `0.125`: no trailing zeros, no exponent for ordinary figures.
public func formatNumber(_ d: Double) -> String {
    if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
    var s = String(format: "%.10f", d)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
}

extension Catalog {
    /// Checks one input against the metadata. Every problem is listed, not only the first.
    public func resolve(_ input: DataValueInput) -> Validated<ResolvedValue> {
        var r = ValueResolver(catalog: self)
        return r.resolve(input)
    }
}

/// Checks inputs against a catalog, remembering what repeats across the rows of a batch
/// (periods, an element's forms): the checks are those of `Catalog.resolve`.
public struct ValueResolver {
    public let catalog: Catalog
    private var periods: [String: Period?] = [:]
    private var forms: [String: [DataSet]] = [:]

    public init(catalog: Catalog) { self.catalog = catalog }

    /// Checks a whole batch, in order; large batches are split over the processor's cores
    /// (each part with its own resolver), since checking a row reads only the catalog.
    public static func resolveAll(_ inputs: [DataValueInput], catalog: Catalog) -> [Validated<ResolvedValue>] {
        let parts = inputs.count < 20_000 ? 1 : max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        if parts == 1 {
            var r = ValueResolver(catalog: catalog)
            return inputs.map { r.resolve($0) }
        }
        let size = (inputs.count + parts - 1) / parts
        return [Validated<ResolvedValue>](unsafeUninitializedCapacity: inputs.count) { buffer, count in
            // Each part initializes its own disjoint range.
            guard let base = buffer.baseAddress else { return }
            nonisolated(unsafe) let out = base
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                var r = ValueResolver(catalog: catalog)
                for i in (part * size)..<min(inputs.count, (part + 1) * size) {
                    (out + i).initialize(to: r.resolve(inputs[i]))
                }
            }
            count = inputs.count
        }
    }

    private mutating func period(_ s: String) -> Period? {
        if let p = periods[s] { return p }
        let p = Period.parse(s)
        periods[s] = p
        return p
    }

    private mutating func dataSets(of el: DataElement) -> [DataSet] {
        if let f = forms[el.uid] { return f }
        let f = catalog.dataSets(of: el)
        forms[el.uid] = f
        return f
    }

    public mutating func resolve(_ input: DataValueInput) -> Validated<ResolvedValue> {
        var problems: [Problem] = []
        let line = input.line
        func problem(_ field: String, _ value: String?, _ reason: String, code: String? = nil) {
            problems.append(
                Problem(line: line, object: input.location, field: field, value: value, reason: reason, code: code))
        }
        let el = catalog.element(input.element.trimmedSpaces)
        if el == nil {
            problem(
                "dataelement", input.element,
                input.element.isEmpty
                    ? "a data element is required" : catalog.noElement(input.element))
        }
        if let el, let source = el.derivedFrom {
            problem(
                "dataelement", input.element,
                "\(el.code) is derived from the \(source) and cannot be entered; change the \(source) instead")
        }
        let period = self.period(input.period)
        if period == nil {
            problem(
                "period", input.period,
                "not a period identifier (2017, 2017Q1, 201703, 2017W5, 20170315, 2017April; years 1900–2100)")
        }
        let u = catalog.unit(input.unit.trimmedSpaces)
        if u == nil {
            problem(
                "orgunit", input.unit,
                input.unit.isEmpty
                    ? "an organisation unit is required" : catalog.noUnit(input.unit))
        }

        var coc: CategoryOptionCombo?
        if let el {
            coc = catalog.optionCombo(input.optionCombo.trimmedSpaces, of: el)
            if coc == nil {
                let known = catalog.optionCombos(of: el).map(\.code).joined(separator: ", ")
                problem(
                    "categoryoptioncombo", input.optionCombo,
                    input.optionCombo.isEmpty
                        ? "data element '\(el.code)' is disaggregated; name one of: \(known)"
                        : "data element '\(el.code)' has no option combination '\(input.optionCombo)' (it has: \(known))"
                )
            }
            let sets = self.dataSets(of: el)
            if let period, !sets.isEmpty, !sets.contains(where: { $0.periodType == period.type }) {
                let types = Set(sets.map(\.periodType.rawValue)).sorted().joined(separator: " or ")
                problem(
                    "period", input.period,
                    "data element '\(el.code)' is reported \(types) (form \(sets.map(\.code).joined(separator: ", "))), but \(period.iso) is \(period.type.rawValue)"
                )
            }
            if let u, !sets.isEmpty, !sets.contains(where: { $0.organisationUnits.contains(u.uid) }) {
                problem(
                    "orgunit", input.unit,
                    "'\(u.code)' does not report data element '\(el.code)': no form with it is assigned to the unit (\(sets.map(\.code).joined(separator: ", ")))"
                )
            }
        }
        if let u, let period, !u.isOpen(throughout: period.span) {
            let closed = u.closingDate.map { ", closed \($0)" } ?? ""
            problem(
                "orgunit", input.unit,
                "'\(u.code)' is not open throughout \(period.iso) (opened \(u.openingDate)\(closed))")
        }
        let aoc = catalog.attributeOptionCombo(input.attributeOptionCombo.trimmedSpaces)
        if aoc == nil {
            problem(
                "attributeoptioncombo", input.attributeOptionCombo,
                "no attribute option combination '\(input.attributeOptionCombo)' (only 'default' exists)")
        }

        let deleted = parseFlag(input.deleted)
        if deleted == nil { problem("deleted", input.deleted, "'\(input.deleted ?? "")' is not true or false") }
        let followUp = parseFlag(input.followUp)
        if followUp == nil { problem("followup", input.followUp, "'\(input.followUp ?? "")' is not true or false") }
        let comment = input.comment.flatMap { $0.isEmpty ? nil : $0 }
        if let comment, comment.count > 500 {
            problem("comment", String(comment.prefix(20)) + "…", "comments are short (at most 500 characters)")
        }

        var value: String?
        if deleted != true {
            if input.value.trimmedSpaces.isEmpty {
                problem("value", input.value, "the value is empty (to delete a value, set deleted to true)")
            } else if let el {
                switch el.valueType.normalize(input.value) {
                case .valid(let v): value = v
                case .invalid(let reasons):
                    let reason = reasons.map(\.reason).joined(separator: "; ")
                    problem(
                        "value", input.value, "\(reason) (data element '\(el.code)' is \(el.valueType.rawValue))",
                        code: reasons.first?.code)
                }
            }
        }
        guard problems.isEmpty, let el, let period, let u, let coc, let aoc else { return .invalid(problems) }
        return .valid(
            ResolvedValue(
                key: DataValueKey(
                    element: el.uid, period: period, unit: u.uid, optionCombo: coc.uid,
                    attributeOptionCombo: aoc.uid),
                value: value, comment: comment, followUp: followUp ?? false,
                storedBy: input.storedBy.flatMap { $0.isEmpty ? nil : $0 }, line: line,
                keepsComment: input.comment == nil, keepsFollowUp: (input.followUp ?? "").trimmedSpaces.isEmpty))
    }

    /// A true/false field: blank is false; nil when it is neither.
    private func parseFlag(_ s: String?) -> Bool? {
        guard let raw = s, !raw.isEmpty else { return false }
        let s = raw.trimmedSpaces.lowercased()
        switch s {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: return nil
        }
    }
}

/// One change to a value, as the analytics engine takes it: its number (NaN for a value
/// that has no number, such as text), or nil when the value was deleted.
public struct ValueChange: Sendable {
    public var key: DataValueKey
    public var number: Double?
    public init(key: DataValueKey, value: String?) {
        self.key = key
        self.number = value.map { DataValue.number($0) ?? .nan }
    }
    public init(key: DataValueKey, number: Double?) {
        self.key = key
        self.number = number
    }
}

/// What a commit changed, by kind: each kind is a part of the store that some reader keeps in memory.
public enum ChangeKind: String, Sendable, CaseIterable, Codable {
    case values, metadata, incidents, assessments, instruments, sites, framework, completions, settings, approvals
}

/// Changes read from the store's change log, in commit order, up to `sequence`.
public struct CommittedChanges: Sendable {
    /// The last sequence number these changes bring a reader to.
    public var sequence: Int64
    /// The metadata as of `sequence`, when any of these commits changed it.
    public var catalog: Catalog?
    /// Values changed, in commit order (a key may appear more than once: the last wins).
    public var values: [ValueChange]
    public var kinds: Set<ChangeKind>
    /// Every form completion as of `sequence`, when any of these commits changed completions.
    public var completions: [CompletionRecord]?
    public init(
        sequence: Int64, catalog: Catalog? = nil, values: [ValueChange] = [], kinds: Set<ChangeKind> = [],
        completions: [CompletionRecord]? = nil
    ) {
        self.sequence = sequence
        self.catalog = catalog
        self.values = values
        self.kinds = kinds
        self.completions = completions
    }
}

/// Follows the store's change log: told of every commit, in sequence order, whichever
/// process made it. The store calls one observer at a time.
public protocol StoreObserver: AnyObject, Sendable {
    /// Changes after the sequence the observer reflects, up to `changes.sequence`.
    func committed(_ changes: CommittedChanges)
    /// The log no longer reaches back to what the observer reflects (it was pruned): start
    /// over from every stored value, as of `sequence`.
    func reload(
        catalog: Catalog, ids: StoredIds, sequence: Int64, completions: [CompletionRecord],
        scan: ((StoredValueRow) throws -> Void) throws -> Void) throws
}

/// A stored value as the analytics engine loads it: integer keys of the store, and the number.
public struct StoredValueRow: Sendable {
    public var element: Int64, period: Int64, unit: Int64, optionCombo: Int64, attributeOptionCombo: Int64
    /// nil for text.
    public var number: Double?
    public init(
        element: Int64, period: Int64, unit: Int64, optionCombo: Int64, attributeOptionCombo: Int64, number: Double?
    ) {
        self.element = element
        self.period = period
        self.unit = unit
        self.optionCombo = optionCombo
        self.attributeOptionCombo = attributeOptionCombo
        self.number = number
    }
}

/// The store's integer ids of uids and periods, to read `StoredValueRow`s.
public struct StoredIds: Sendable {
    public var elements: [Int64: String] = [:]
    public var periods: [Int64: Period] = [:]
    public var units: [Int64: String] = [:]
    public var optionCombos: [Int64: String] = [:]
    public init() {}
}
