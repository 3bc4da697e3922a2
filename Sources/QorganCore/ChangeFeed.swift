import Foundation

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
    /// Users, their roles and units, API tokens (what a request's credentials resolve to).
    case access
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
    /// Whether it is told which values changed (false: `committed` gets the kinds, the catalog
    /// and completions, no values: an observer of users and tokens need not have them read).
    var followsValues: Bool { get }
    /// Changes after the sequence the observer reflects, up to `changes.sequence`.
    func committed(_ changes: CommittedChanges)
    /// The log no longer reaches back to what the observer reflects (it was pruned): start
    /// over from every stored value, as of `sequence`.
    func reload(
        catalog: Catalog, ids: StoredIds, sequence: Int64, completions: [CompletionRecord],
        scan: ((StoredValueRow) throws -> Void) throws -> Void) throws
}

extension StoreObserver {
    public var followsValues: Bool { true }
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
