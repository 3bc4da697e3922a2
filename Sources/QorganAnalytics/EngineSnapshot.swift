import Foundation
import QorganCore
import QorganStore

/// The engine's columns saved to a file beside the database, tagged with the change-log
/// sequence they reflect: a start reads it and replays the log from there instead of
/// reading every value from the database.
///
/// Layout (little-endian; every section padded to 8 bytes):
///   header  "QRGNSNAP", format u32, schema u32, sequence i64, database id (32 bytes),
///           body length u64, body checksum u64 (`Checksum`: 32 MB blocks summed apart)
///   body    element uids, unit uids, option combination uids, period ISO codes (each: count
///           u64, then length u32 + UTF-8 bytes each); then per element, in that order: row
///           count u64, run count u64, run period u32×r, run start u32×r, unit u32×n, coc u16×n,
///           aoc u16×n, value i32×n, wide count u64, wide f64×w (the columns as kept in memory);
///           then the rollups: the fingerprint of their hubs u64, the hub count u64, the ISO codes
///           of their years and quarters in slot order, and per element its inexact count u64,
///           cell count u64 and cells (sum i64, numeric i32, stored i32)×c.
/// Unit and combination numbers are positions in those lists; periods are in time order. The
/// rollups are taken as saved when the hierarchy gives the same hubs, else computed again.
/// A start maps the file and keeps the columns where they lie in it (`Column`): it sums and
/// checks every byte, but fills no memory of its own until an element is written to.
public enum EngineSnapshot {
    static let magic = Array("QRGNSNAP".utf8)
    static let format: UInt32 = 3
    static let headerSize = 8 + 4 + 4 + 8 + 32 + 8 + 8

    /// Why a snapshot was not used.
    public struct Unusable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Saves `state` at `sequence` to `path`, atomically (a temporary file renamed over it).
    public static func write(
        _ state: EngineState, sequence: Int64, identity: (database: String, schema: Int), to path: String
    ) throws {
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw QorganError.invalidArgument("cannot write the engine snapshot '\(temporary)'")
        }
        var moved = false
        defer { if !moved { try? FileManager.default.removeItem(atPath: temporary) } }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(count: headerSize))
        var body = BodyWriter(handle: handle)
        let elements = state.elementPartition.sorted { $0.value < $1.value }
        try body.strings(elements.map(\.key))
        try body.strings(state.catalog.organisationUnits.map(\.uid))
        try body.strings(state.cocs)
        try body.strings(state.periods.map(\.iso))
        for (_, e) in elements {
            let p = state.partitions[e]
            try body.scalar(UInt64(p.count))
            try body.scalar(UInt64(p.runs))
            try body.array(p.runPeriod)
            try body.array(p.runStart)
            try body.array(p.unit)
            try body.array(p.coc)
            try body.array(p.aoc)
            try body.array(p.value.narrow)
            try body.scalar(UInt64(p.value.wide.count))
            try body.array(p.value.wide)
        }
        let rollups = state.rollups
        try body.scalar(rollups.fingerprint)
        try body.scalar(UInt64(rollups.hubCount))
        try body.strings(rollups.slot.sorted { $0.value < $1.value }.map(\.key.iso))
        for (_, e) in elements {
            try body.scalar(UInt64(rollups.inexact.indices.contains(e) ? rollups.inexact[e] : 0))
            let cells = rollups.cells.indices.contains(e) ? rollups.cells[e] : []
            try body.scalar(UInt64(cells.count))
            try body.array(cells)
        }
        try body.flush()
        var header = Data(magic)
        header.append(le: format)
        header.append(le: UInt32(identity.schema))
        header.append(le: UInt64(bitPattern: sequence))
        var id = Array(identity.database.utf8.prefix(32))
        id += [UInt8](repeating: 0, count: 32 - id.count)
        header.append(contentsOf: id)
        header.append(le: body.length)
        header.append(le: body.checksum.value)
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: header)
        try handle.synchronize()
        try handle.close()
        if rename(temporary, path) != 0 {
            throw QorganError.invalidArgument(
                "cannot move the engine snapshot into place at '\(path)': \(String(cString: strerror(errno)))")
        }
        moved = true
    }

    /// Reads a snapshot saved for this database and schema, into a state under `catalog` (the
    /// metadata as it is now: the log replayed after it brings any later change).
    public static func read(
        _ path: String, identity: (database: String, schema: Int), catalog: Catalog
    ) throws -> (state: EngineState, sequence: Int64) {
        var folder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &folder) else {
            throw Unusable(description: "there is none")
        }
        if folder.boolValue { throw Unusable(description: "'\(path)' is a folder, not a file") }
        let mapping = try SnapshotMapping.open(path).get()
        let raw = mapping.bytes
        var r = Reader(raw: raw, mapping: mapping)
        guard raw.count >= headerSize, Array(raw[0..<8]) == magic else {
            throw Unusable(description: "it is not an engine snapshot")
        }
        r.offset = 8
        guard try r.scalar(UInt32.self) == format else {
            throw Unusable(description: "it was saved in another format")
        }
        guard try r.scalar(UInt32.self) == UInt32(identity.schema) else {
            throw Unusable(description: "it was saved for another version of the database schema")
        }
        let sequence = Int64(bitPattern: try r.scalar(UInt64.self))
        let id = String(decoding: raw[r.offset..<r.offset + 32].prefix { $0 != 0 }, as: UTF8.self)
        r.offset += 32
        guard id == identity.database else { throw Unusable(description: "it was saved for another database") }
        let length = try r.scalar(UInt64.self)
        let checksum = try r.scalar(UInt64.self)
        guard UInt64(raw.count - headerSize) == length else {
            throw Unusable(description: "it is \(raw.count) bytes long, not \(UInt64(headerSize) + length)")
        }
        // The lists, then where each element's columns begin (a walk over their lengths);
        // then, on every core, the body's checksum in blocks and the columns in chunks (taken
        // over the mapping, every key and value code checked): a start at 100 M values reads
        // 1.2 GB once. A damaged body is named as such, whatever it made the walk trip over.
        let (elements, units, cocs, periods, starts): ([String], [String], [String], [Period], [Int])
        do {
            elements = try r.strings()
            units = try r.strings()
            cocs = try r.strings()
            periods = try r.strings().map { iso -> Period in
                guard let p = Period.parse(iso) else { throw Unusable(description: "it names a period '\(iso)'") }
                return p
            }
            var found: [Int] = []
            for _ in elements {
                found.append(r.offset)
                try Self.skipColumns(&r)
            }
            starts = found
        } catch {
            var sum = Checksum()
            sum.add(UnsafeRawBufferPointer(rebasing: raw[headerSize...]))
            if sum.value != checksum { throw Unusable(description: "it is damaged (its checksum differs)") }
            throw error
        }
        let offsets = starts
        let chunks = Swift.min(elements.count, 8)
        let body = UnsafeRawBufferPointer(rebasing: raw[headerSize...])
        let blocks = Checksum.blocks(body.count)
        let sums = (0..<blocks).map { _ in Outcome<UInt64>() }
        let read = (0..<chunks).map { _ in Outcome<Result<[Partition], any Error>>() }
        nonisolated(unsafe) let (whole, summed) = (raw, body)
        let bounds = (units: units.count, cocs: cocs.count, periods: periods.count)
        // Blocks of the checksum and chunks of the columns interleaved, so that every core
        // has both kinds of work whatever their number.
        typealias Job = (at: Double, sum: Bool, index: Int)
        let sumJobs: [Job] = (0..<blocks).map { k in ((Double(k) + 0.5) / Double(blocks), true, k) }
        let columnJobs: [Job] = (0..<chunks).map { k in ((Double(k) + 0.5) / Double(chunks), false, k) }
        let jobs = (sumJobs + columnJobs).sorted { $0.at < $1.at }
        DispatchQueue.concurrentPerform(iterations: jobs.count) { task in
            let index = jobs[task].index
            if jobs[task].sum {
                let start = index * Checksum.blockBytes
                let end = Swift.min(summed.count, start + Checksum.blockBytes)
                sums[index].value = Checksum.block(UnsafeRawBufferPointer(rebasing: summed[start..<end]))
                return
            }
            let range = (elements.count * index / chunks)..<(elements.count * (index + 1) / chunks)
            read[index].value = Result {
                try range.map { e in
                    var reader = Reader(raw: whole, offset: offsets[e], mapping: mapping)
                    return try Self.columns(&reader, bounds: bounds)
                }
            }
        }
        guard Checksum.combine(sums.map { $0.value ?? 0 }) == checksum else {
            throw Unusable(description: "it is damaged (its checksum differs)")
        }
        var parts: [(uid: String, part: Partition)] = []
        parts.reserveCapacity(elements.count)
        for chunk in read {
            guard let partitions = try chunk.value?.get() else {
                throw Unusable(description: "it could not be read")
            }
            for p in partitions { parts.append((elements[parts.count], p)) }
        }
        let rollups = try Self.rollups(&r, elements: elements)
        return (
            state(catalog: catalog, units: units, cocs: cocs, periods: periods, parts: parts, rollups: rollups),
            sequence
        )
    }

    final class Outcome<T>: @unchecked Sendable {
        var value: T?
    }

    /// Steps over one element's columns.
    static func skipColumns(_ r: inout Reader) throws {
        let n = try r.count()
        let runs = try r.count()
        guard n >= 0, runs >= 0, runs <= n, n <= r.raw.count else { throw Unusable(description: "it is cut short") }
        for bytes in [runs * 4, runs * 4, n * 4, n * 2, n * 2, n * 4] { try r.skip(bytes) }
        let w = try r.count()
        guard w >= 0, w <= r.raw.count else { throw Unusable(description: "it is cut short") }
        try r.skip(w * 8)
    }

    /// One element's columns, each key checked against the lists' lengths.
    static func columns(_ r: inout Reader, bounds: (units: Int, cocs: Int, periods: Int)) throws -> Partition {
        let n = try r.count()
        let runs = try r.count()
        guard n >= 0, runs >= 0, runs <= n, n <= r.raw.count else { throw Unusable(description: "it is cut short") }
        var p = Partition()
        p.runPeriod = try r.column(UInt32.self, runs)
        p.runStart = try r.column(UInt32.self, runs)
        p.unit = try r.column(UInt32.self, n)
        p.coc = try r.column(UInt16.self, n)
        p.aoc = try r.column(UInt16.self, n)
        let narrow = try r.column(Int32.self, n)
        let w = try r.count()
        guard w >= 0, w <= r.raw.count else { throw Unusable(description: "it is cut short") }
        guard let values = Values(checking: narrow, wide: try r.column(Double.self, w)) else {
            throw Unusable(description: "it refers to values it does not hold")
        }
        p.value = values
        let units = p.unit.withUnsafeBufferPointer { $0.max() } ?? 0
        let cocs = Swift.max(
            p.coc.withUnsafeBufferPointer { $0.max() } ?? 0, p.aoc.withUnsafeBufferPointer { $0.max() } ?? 0)
        guard Self.runsAreConsistent(p, periods: bounds.periods), n == 0 || units < bounds.units,
            n == 0 || Int(cocs) < bounds.cocs
        else { throw Unusable(description: "it refers to keys it does not list") }
        return p
    }

    /// The rollups after the columns.
    static func rollups(_ r: inout Reader, elements: [String]) throws -> SavedRollups {
        let fingerprint = try r.scalar(UInt64.self)
        let hubCount = try r.count()
        let slots = try r.strings().map { iso -> Period in
            guard let p = Period.parse(iso) else { throw Unusable(description: "it names a period '\(iso)'") }
            return p
        }
        guard slots.isEmpty || hubCount <= r.raw.count / slots.count else {
            throw Unusable(description: "its rollups are cut short")
        }
        var saved = SavedRollups(fingerprint: fingerprint, hubCount: hubCount, slots: slots)
        for uid in elements {
            let inexact = try r.count()
            let c = try r.count()
            guard c == slots.count * hubCount else { throw Unusable(description: "its rollups are cut short") }
            saved.elements[uid] = (inexact, try r.array(Rollups.Cell.self, c))
        }
        return saved
    }

    /// Rollups as a snapshot keeps them.
    struct SavedRollups {
        var fingerprint: UInt64
        var hubCount: Int
        var slots: [Period]
        var elements: [String: (inexact: Int, cells: [Rollups.Cell])] = [:]
    }

    static func runsAreConsistent(_ p: Partition, periods: Int) -> Bool {
        guard p.runs > 0 || p.count == 0, p.runs == 0 || (p.runStart[0] == 0 && Int(p.runStart[p.runs - 1]) < p.count)
        else { return false }
        for k in 0..<p.runs {
            guard Int(p.runPeriod[k]) < periods else { return false }
            if k > 0 && (p.runPeriod[k - 1] >= p.runPeriod[k] || p.runStart[k - 1] >= p.runStart[k]) { return false }
        }
        return true
    }

    /// The saved columns under `catalog`: taken whole when its units and combinations are numbered
    /// as they were, else mapped row by row through uids.
    static func state(
        catalog: Catalog, units: [String], cocs: [String], periods: [Period], parts: [(uid: String, part: Partition)],
        rollups saved: SavedRollups? = nil
    ) -> EngineState {
        var state = EngineState(catalog: catalog)
        let inOrder = zip(periods, periods.dropFirst()).allSatisfy { $0 < $1 }
        if inOrder && units == catalog.organisationUnits.map(\.uid) && cocs == state.cocs {
            state.periods = periods
            state.periodEpoch = periods.map { state.hierarchy.epoch(of: $0.start) }
            for (i, p) in periods.enumerated() { state.periodIndex[p] = UInt32(i) }
            for (uid, part) in parts {
                if let e = state.elementPartition[uid] { state.partitions[e] = part }
            }
            if let saved, state.takeRollups(saved) { return state }
            state.buildRollups()
            return state
        }
        return EngineState.mapped(
            into: catalog, periods: periods, units: units, optionCombos: cocs,
            partitions: parts.map { ($0.uid, $0.part) })
    }

    /// Writes the body in large pieces, padding each section to 8 bytes and summing as it goes.
    struct BodyWriter {
        let handle: FileHandle
        var buffer = Data()
        var length: UInt64 = 0
        var checksum = Checksum()

        mutating func scalar<T: FixedWidthInteger>(_ v: T) throws {
            buffer.append(le: v)
            try flushIfLarge()
        }

        mutating func strings(_ list: [String]) throws {
            buffer.append(le: UInt64(list.count))
            for s in list {
                let bytes = Array(s.utf8)
                buffer.append(le: UInt32(bytes.count))
                buffer.append(contentsOf: bytes)
            }
            pad()
            try flushIfLarge()
        }

        mutating func array<T>(_ a: [T]) throws {
            a.withUnsafeBytes { buffer.append(contentsOf: $0) }
            pad()
            try flushIfLarge()
        }

        mutating func array<T>(_ a: Column<T>) throws {
            a.withUnsafeBufferPointer { buffer.append(contentsOf: UnsafeRawBufferPointer($0)) }
            pad()
            try flushIfLarge()
        }

        private mutating func pad() {
            let extra = (8 - buffer.count % 8) % 8
            if extra > 0 { buffer.append(contentsOf: [UInt8](repeating: 0, count: extra)) }
        }

        private mutating func flushIfLarge() throws { if buffer.count >= 8 << 20 { try flush() } }

        mutating func flush() throws {
            guard !buffer.isEmpty else { return }
            // Every piece is a whole number of words, so summing piece by piece sums the body.
            buffer.withUnsafeBytes { checksum.add($0) }
            try handle.write(contentsOf: buffer)
            length += UInt64(buffer.count)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    struct Reader {
        let raw: UnsafeRawBufferPointer
        var offset = 0
        /// The file `raw` lies in, when columns may refer to it instead of copying it.
        var mapping: SnapshotMapping? = nil

        mutating func scalar<T: FixedWidthInteger>(_: T.Type) throws -> T {
            guard offset + MemoryLayout<T>.size <= raw.count else { throw Unusable(description: "it is cut short") }
            let v = T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
            offset += MemoryLayout<T>.size
            return v
        }

        /// A count or length: at most the file's size (a damaged one must not trap on conversion).
        mutating func count() throws -> Int {
            let v = try scalar(UInt64.self)
            guard v <= UInt64(raw.count) else { throw Unusable(description: "it is cut short") }
            return Int(v)
        }

        mutating func skip(_ bytes: Int) throws {
            guard bytes >= 0, offset + bytes <= raw.count else { throw Unusable(description: "it is cut short") }
            offset += bytes + (8 - bytes % 8) % 8
        }

        mutating func strings() throws -> [String] {
            let n = try count()
            guard n <= raw.count else { throw Unusable(description: "it is cut short") }
            var out: [String] = []
            out.reserveCapacity(n)
            for _ in 0..<n {
                let len = Int(try scalar(UInt32.self))
                guard offset + len <= raw.count else { throw Unusable(description: "it is cut short") }
                out.append(String(decoding: raw[offset..<offset + len], as: UTF8.self))
                offset += len
            }
            offset += (8 - offset % 8) % 8
            return out
        }

        /// `n` values of `T` as a column: over the mapped file where it lies aligned in one, else
        /// copied.
        mutating func column<T: BitwiseCopyable>(_: T.Type, _ n: Int) throws -> Column<T> {
            let bytes = n * MemoryLayout<T>.stride
            guard n >= 0, offset + bytes <= raw.count else { throw Unusable(description: "it is cut short") }
            guard let mapping, let base = raw.baseAddress,
                Int(bitPattern: base + offset) % MemoryLayout<T>.alignment == 0
            else { return Column(try array(T.self, n)) }
            let view = UnsafeBufferPointer(start: (base + offset).bindMemory(to: T.self, capacity: n), count: n)
            offset += bytes + (8 - bytes % 8) % 8
            return Column(mapped: view, in: mapping)
        }

        mutating func array<T>(_: T.Type, _ n: Int) throws -> [T] {
            let bytes = n * MemoryLayout<T>.stride
            guard n >= 0, offset + bytes <= raw.count else { throw Unusable(description: "it is cut short") }
            let source = UnsafeRawBufferPointer(rebasing: raw[offset..<offset + bytes])
            let out = [T](unsafeUninitializedCapacity: n) { buffer, count in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
                count = n
            }
            offset += bytes + (8 - bytes % 8) % 8
            return out
        }
    }
}

extension Data {
    fileprivate mutating func append<T: FixedWidthInteger>(le v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }
}
