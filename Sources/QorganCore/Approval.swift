import Foundation

/// A form's data for one unit and period, signed off up the hierarchy: approved at a level
/// (the level of the signer's unit), then accepted by each level above, up to the nation (1).
/// While approved at any level, the data are locked for entry.
public struct ApprovalRecord: Hashable, Sendable {
    public var dataSet: String
    public var period: String
    public var unit: String
    /// The level of the last sign-off: 1 is the nation ("approved to the national level").
    public var level: Int
    public var by: String
    public var at: Date
    /// The level of the first sign-off in force (its APPROVE); the levels above it accepted.
    public var firstLevel: Int?

    public init(
        dataSet: String, period: String, unit: String, level: Int, by: String, at: Date, firstLevel: Int? = nil
    ) {
        self.dataSet = dataSet
        self.period = period
        self.unit = unit
        self.level = level
        self.by = by
        self.at = at
        self.firstLevel = firstLevel
    }

    public var key: String { "\(dataSet)|\(period)|\(unit)" }
}

public enum ApprovalAction: String, Sendable, CaseIterable, Codable {
    /// The first sign-off: by a user bound to the unit or its parent, once the form is complete and
    /// no high-importance rule is broken.
    case approve = "APPROVE"
    /// The level directly above the last sign-off signs too.
    case accept = "ACCEPT"
    /// A level above the last sign-off sends the data back, with a reason: approval is withdrawn.
    case `return` = "RETURN"
    /// An administrator withdraws any approval, recorded.
    case unapprove = "UNAPPROVE"
    /// The level of the last sign-off takes its own step back while the level above has not
    /// acted: an acceptance goes back to the level below's approval, a first approval to none.
    case withdraw = "WITHDRAW"
}

/// One recorded step of a form's approval.
public struct ApprovalEvent: Hashable, Sendable {
    public var action: ApprovalAction
    /// The level after the step (nil: not approved).
    public var level: Int?
    public var reason: String?
    public var by: String
    public var at: Date

    public init(action: ApprovalAction, level: Int?, reason: String?, by: String, at: Date) {
        self.action = action
        self.level = level
        self.reason = reason
        self.by = by
        self.at = at
    }
}

/// Why an approval step is refused: a stable code and a sentence.
public struct ApprovalRefusal: Error, Hashable, Sendable {
    public enum Code: String, Sendable {
        case forbidden, outOfScope = "out_of_scope", alreadyApproved = "already_approved",
            notApproved = "not_approved", notComplete = "not_complete", invalidData = "invalid_data",
            wrongLevel = "wrong_level", reasonRequired = "reason_required", notApprovable = "not_approvable"
    }
    public var code: Code
    public var message: String
}

public enum ApprovalRules {
    /// The level at which `user` signs for `unit` on `day`: the level of the deepest of their
    /// units that is the unit or above it; nil when the unit is outside their units.
    public static func signingLevel(of user: Principal, for unit: String, in catalog: Catalog, on day: Day) -> Int? {
        user.units.filter { catalog.isInSubtree(unit, of: $0, on: day) }
            .map { catalog.level(of: $0, on: day) }.max()
    }

    /// Decides one step: the level after it (nil: no longer approved), or why not.
    /// - Parameters:
    ///   - unitLevel: the level of the unit whose data it is.
    ///   - signer: the signer's level for that unit (`signingLevel`), nil when out of scope.
    ///   - current: the level of the last sign-off, nil when not approved.
    public static func decide(
        _ action: ApprovalAction, role: Role, signer: Int?, unitLevel: Int, current: Int?, complete: Bool,
        highViolations: Int, reason: String?, firstLevel: Int? = nil
    ) -> Result<Int?, ApprovalRefusal> {
        func refuse(_ code: ApprovalRefusal.Code, _ message: String) -> Result<Int?, ApprovalRefusal> {
            .failure(ApprovalRefusal(code: code, message: message))
        }
        switch action {
        case .unapprove:
            guard role == .administrator else {
                return refuse(.forbidden, "only an administrator may withdraw an approval")
            }
        default:
            guard role.canApprove else {
                return refuse(.forbidden, "a \(role.rawValue) cannot approve data; approvers and administrators can")
            }
        }
        guard let signer else { return refuse(.outOfScope, "this organisation unit is outside the units you may see") }
        switch action {
        case .approve:
            if let current { return refuse(.alreadyApproved, "already approved at level \(current)") }
            guard signer >= unitLevel - 1 else {
                return refuse(
                    .wrongLevel,
                    "the first approval comes from the unit's own level (\(unitLevel)) or the one above; yours is \(signer): accept it once they have approved"
                )
            }
            guard complete else { return refuse(.notComplete, "the form is not complete: it must be completed first") }
            guard highViolations == 0 else {
                return refuse(
                    .invalidData,
                    "\(highViolations) high importance validation rule(s) are broken: correct the data first")
            }
            return .success(signer)
        case .accept:
            guard let current else { return refuse(.notApproved, "not approved yet: nothing to accept") }
            guard current > 1 else { return refuse(.alreadyApproved, "already approved to the national level") }
            guard signer == current - 1 else {
                return refuse(
                    .wrongLevel,
                    "approved at level \(current): the level above (\(current - 1)) accepts it, and yours is \(signer)")
            }
            return .success(signer)
        case .return:
            guard let current else { return refuse(.notApproved, "not approved: nothing to return") }
            guard signer < current else {
                return refuse(
                    .wrongLevel,
                    "approved at level \(current): only a level above it may return it, and yours is \(signer)")
            }
            guard let reason, !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                return refuse(.reasonRequired, "say why the data go back")
            }
            return .success(nil)
        case .unapprove:
            guard current != nil else { return refuse(.notApproved, "not approved: nothing to withdraw") }
            return .success(nil)
        case .withdraw:
            guard let current else { return refuse(.notApproved, "not approved: nothing to withdraw") }
            guard signer == current else {
                return refuse(
                    .wrongLevel,
                    "the last sign-off is at level \(current): only that level takes it back (yours is \(signer)), and not once the level above has accepted"
                )
            }
            // An acceptance falls back to the approval below it; the first approval to none.
            guard let firstLevel, firstLevel > current else { return .success(nil) }
            return .success(current + 1)
        }
    }

    /// The forms that lock a value of `element` for `unit` in `period`: those holding the element,
    /// of the period's type, reported by the unit.
    public static func forms(locking element: String, unit: String, period: Period, in catalog: Catalog) -> [DataSet] {
        guard let e = catalog.element(element) else { return [] }
        return catalog.dataSets(of: e).filter { $0.periodType == period.type && catalog.assigns($0, to: unit) }
    }
}
