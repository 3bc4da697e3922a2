import Foundation
import GRDB
import QorganCore

/// The store's readers in this process, and how far each has followed the change log.
final class ChangeFollowers: @unchecked Sendable {
    private struct Entry {
        weak var observer: (any StoreObserver)?
        var applied: Int64
    }
    /// Held while reading and applying: observers are told one batch at a time, in order.
    private let lock = NSLock()
    private var entries: [Entry] = []
    private var ids = StoredIds()
    private var seenVersion: Int64? = nil
    /// The database file, for `probe`; nil for a private in-memory store, which no other
    /// connection can write, and for PostgreSQL.
    private let path: String?
    /// A PostgreSQL database, whose log's last number is read instead of SQLite's pragma.
    private let postgres: PostgresBackend?
    /// A connection of its own that never writes, for `PRAGMA data_version`: it changes when
    /// any other connection (this process's writer included) commits. Opened on first use.
    private var probe: DatabaseQueue?

    init(path: String?) {
        self.path = path
        postgres = nil
    }

    init(postgres: PostgresBackend) {
        path = nil
        self.postgres = postgres
    }

    private func openProbe() throws -> DatabaseQueue? {
        if let probe { return probe }
        guard let path else { return nil }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        config.label = "qorgan.change-probe"
        probe = try DatabaseQueue(path: path, configuration: config)
        return probe
    }

    /// PostgreSQL's notifications of other processes' commits, once anything observes.
    private var notifier: PostgresNotifier?

    func listen(_ backend: PostgresBackend, wake: @escaping @Sendable () -> Void) {
        lock.withLock {
            if notifier == nil { notifier = PostgresNotifier(backend, wake: wake) }
        }
    }

    func add(_ observer: any StoreObserver, from sequence: Int64) {
        lock.withLock {
            entries.removeAll { $0.observer == nil }
            entries.append(Entry(observer: observer, applied: sequence))
            seenVersion = nil  // the next check reads the log for it
        }
    }

    /// Checks whether any connection committed since the last check (one pragma), and if so
    /// brings every observer up to date.
    func catchUp(store: Store) throws {
        try lock.withLock {
            guard entries.contains(where: { $0.observer != nil }) else { return }
            if let postgres {
                // One indexed read, outside any transaction, when nothing changed; what changed is
                // read in one snapshot.
                let last = try postgres.withSession { s in try ChangeLog.last(StoreConnection(s)) }
                if last == seenVersion { return }
                try postgres.read { db in
                    let version = try ChangeLog.last(db)
                    entries.removeAll { $0.observer == nil }
                    try readLocked(db, store: store)
                    seenVersion = version
                }
                return
            }
            guard let probe = try openProbe() else { return }
            try probe.inDatabase { g in
                let db = StoreConnection(g)
                let version = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version"))
                if version == seenVersion { return }
                // Read after the pragma: a commit in between is read now and seen again next time.
                try deliverLocked(db, store: store)
                seenVersion = version
            }
        }
    }

    /// Brings every observer up to date from `db`, a connection that sees every commit so far
    /// (the writer's, right after its commit): read in one snapshot.
    func deliver(_ db: StoreConnection, store: Store) throws {
        try lock.withLock { try deliverLocked(db, store: store) }
    }

    /// Reads what the observers have not seen, in one read transaction of `db`, and tells them.
    private func deliverLocked(_ db: StoreConnection, store: Store) throws {
        entries.removeAll { $0.observer == nil }
        guard !entries.isEmpty else { return }
        try db.inTransaction(.deferred) {
            try readLocked(db, store: store)
            return .commit
        }
    }

    private func readLocked(_ db: StoreConnection, store: Store) throws {
        let last = try ChangeLog.last(db)
        guard let from = entries.map(\.applied).min(), from < last else { return }
        let floor = try ChangeLog.floor(db)
        // An observer the pruned log no longer reaches starts over from the stored values.
        for i in entries.indices where entries[i].applied < floor {
            guard let observer = entries[i].observer else { continue }
            ids = try store.storedIds(db)
            lastKey = nil
            try observer.reload(
                catalog: try store.currentCatalog(db), ids: ids, sequence: last,
                completions: try store.completions(db, dataSet: nil),
                scan: { body in try store.scanValues(db, body) })
            entries[i].applied = last
        }
        guard let start = entries.map(\.applied).min(), start < last else { return }
        let needValues = entries.contains { $0.observer?.followsValues ?? false }
        var rows: [(seq: Int64, kinds: Set<ChangeKind>, values: [ValueChange])] = []
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT seq, kind_mask, changes FROM change_log WHERE seq > ? ORDER BY seq"),
            arguments: [start])
        {
            let seq: Int64 = row["seq"]
            let blob: Data? = row["changes"]
            let logged = needValues ? try blob.map { try ChangeLog.decode($0, sequence: seq) } ?? [] : []
            rows.append((seq, ChangeLog.kinds(row["kind_mask"]), try changes(logged, db: db, store: store)))
        }
        let catalog = rows.contains { $0.kinds.contains(.metadata) } ? try store.currentCatalog(db) : nil
        let completions =
            rows.contains { $0.kinds.contains(.completions) } ? try store.completions(db, dataSet: nil) : nil
        // Observers at the same place in the log share one list of values (not copied each).
        var valuesAfter: [Int64: [ValueChange]] = [:]
        for i in entries.indices where entries[i].applied < last {
            guard let observer = entries[i].observer else { continue }
            let mine = rows.filter { $0.seq > entries[i].applied }
            var kinds = Set<ChangeKind>()
            for r in mine { kinds.formUnion(r.kinds) }
            var values: [ValueChange] = []
            if observer.followsValues {
                if let shared = valuesAfter[entries[i].applied] {
                    values = shared
                } else {
                    values = mine.count == 1 ? mine[0].values : mine.flatMap(\.values)
                    valuesAfter[entries[i].applied] = values
                }
            }
            observer.committed(
                CommittedChanges(
                    sequence: last, catalog: kinds.contains(.metadata) ? catalog : nil,
                    values: values, kinds: kinds,
                    completions: kinds.contains(.completions) ? completions : nil))
            entries[i].applied = last
        }
    }

    /// Logged values by uid and period, reading ids made since the last read (a new period,
    /// unit or element) once.
    private func changes(_ logged: [LoggedValue], db: StoreConnection, store: Store) throws -> [ValueChange] {
        var out: [ValueChange] = []
        out.reserveCapacity(logged.count)
        var refreshed = false
        for v in logged {
            var key = key(v)
            if key == nil && !refreshed {
                ids = try store.storedIds(db)
                lastKey = nil
                refreshed = true
                key = self.key(v)
            }
            guard let key else {
                throw Stored.damaged(
                    "a change to a value whose keys", "\(v.element)/\(v.period)/\(v.unit)/\(v.optionCombo)")
            }
            out.append(ValueChange(key: key, number: v.deleted ? nil : v.number))
        }
        return out
    }

    /// The last key made: the next change of a batch shares most of its parts (an import's rows
    /// come by period and unit), which are then not looked up again.
    private var lastKey: (ids: LoggedValue, key: DataValueKey)? = nil

    private func key(_ v: LoggedValue) -> DataValueKey? {
        let before = lastKey
        func part<V>(_ id: Int64, _ previous: Int64?, _ known: V?, _ table: [Int64: V]) -> V? {
            if let known, id == previous { return known }
            return table[id]
        }
        guard let e = part(v.element, before?.ids.element, before?.key.element, ids.elements),
            let p = part(v.period, before?.ids.period, before?.key.period, ids.periods),
            let u = part(v.unit, before?.ids.unit, before?.key.unit, ids.units),
            let c = part(v.optionCombo, before?.ids.optionCombo, before?.key.optionCombo, ids.optionCombos),
            let a = part(
                v.attributeOptionCombo, before?.ids.attributeOptionCombo, before?.key.attributeOptionCombo,
                ids.optionCombos)
        else { return nil }
        let key = DataValueKey(element: e, period: p, unit: u, optionCombo: c, attributeOptionCombo: a)
        lastKey = (v, key)
        return key
    }
}
