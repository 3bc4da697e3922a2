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
