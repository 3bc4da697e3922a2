import ArgumentParser
import Foundation
import QorganCore
import QorganStore

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Copy the whole database, history included, to a new file, while servers go on writing.",
        discussion: """
            SQLite's online backup: the copy is the database as of one commit, checked (SQLite's \
            integrity check) before it is given its name. PostgreSQL: pg_dump's custom format, taken \
            in one snapshot. An existing file is never overwritten. Restore it with \
            'qorgan restore FILE --database NEW.sqlite' (or an empty PostgreSQL database's URL).
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: "The backup file to write (it must not exist).") var file: String

    func run() throws {
        try guarded {
            let summary = try store.open().backup(to: file)
            print("Backed up \(store.shown) to \(file): \(summary)")
        }
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Restore a backup into a new database file, or replace a database's whole content.",
        discussion: """
            The backup is checked first (a Qorgan database this version can read, SQLite's integrity \
            check; for PostgreSQL, a dump pg_restore reads, restored in one transaction); nothing is \
            changed when it fails. Restoring into a new file is the restore drill: \
            compare 'qorgan report' on both. --replace overwrites an existing database: stop the \
            servers first (a server still running reloads everything it holds).
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: "The backup file, written by 'qorgan backup'.") var file: String
    @Flag(help: "Replace the whole content of the existing database at --database.") var replace = false

    func run() throws {
        try guarded {
            let summary: StoreSummary
            switch try store.location.kind {
            case .sqlite(let path): summary = try Store.restore(from: file, to: path, replace: replace)
            case .postgres(let pg): summary = try Store.restore(fromDump: file, to: pg, replace: replace)
            }
            print("Restored \(file) into \(store.shown): \(summary)")
        }
    }
}
