import Foundation

/// One column of a partition: an array of its own, or a stretch of a snapshot mapped into
/// memory (read-only; the first change copies it into an array). A start from a snapshot so
/// takes the page cache's copy of the file instead of filling 1.2 GB of fresh memory at 100 M
/// values; an element that is written to gets columns of its own, one at a time.
struct Column<T: BitwiseCopyable>: RandomAccessCollection, @unchecked Sendable {
    private var owned: [T] = []
    /// When set, the column is these elements of `mapping` (which keeps them mapped).
    private var view: UnsafeBufferPointer<T>? = nil
    private var mapping: SnapshotMapping? = nil

    init() {}
    init(_ elements: [T]) { owned = elements }
    init(mapped: UnsafeBufferPointer<T>, in mapping: SnapshotMapping) {
        view = mapped
        self.mapping = mapping
    }

    var startIndex: Int { 0 }
    var endIndex: Int { view?.count ?? owned.count }

    subscript(i: Int) -> T {
        get {
            if let view { return view[i] }
            return owned[i]
        }
        set {
            own()
            owned[i] = newValue
        }
    }

    /// Whether the column still lies in a mapped snapshot.
    var isMapped: Bool { view != nil }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        if let view { return try body(view) }
        return try owned.withUnsafeBufferPointer(body)
    }

    mutating func append(_ x: T) {
        own()
        owned.append(x)
    }

    /// Appends elements `range` of `source` in one copy.
    mutating func append(from source: Column, _ range: Range<Int>) {
        own()
        source.withUnsafeBufferPointer { owned.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range])) }
    }

    mutating func insert(_ x: T, at i: Int) {
        own()
        owned.insert(x, at: i)
    }

    @discardableResult
    mutating func remove(at i: Int) -> T {
        own()
        return owned.remove(at: i)
    }

    mutating func reserveCapacity(_ n: Int) {
        own()
        owned.reserveCapacity(n)
    }

    /// Copies a mapped column into an array of its own, before a change.
    private mutating func own() {
        guard let view else { return }
        owned = Array(view)
        self.view = nil
        mapping = nil
    }
}

extension Column: Equatable where T: Equatable {
    static func == (a: Column, b: Column) -> Bool { a.elementsEqual(b) }
}

/// A snapshot file mapped read-only into memory, unmapped when no column refers to it. Files
/// are replaced by renaming a new one over them, never written in place, so the mapped pages
/// stay as they were read.
final class SnapshotMapping: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    /// Maps the file at `path`; nil with the reason when it cannot be read.
    static func open(_ path: String) -> Result<SnapshotMapping, EngineSnapshot.Unusable> {
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else {
            return .failure(.init(description: "it cannot be read (\(String(cString: strerror(errno))))"))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            return .failure(.init(description: "it cannot be read (\(String(cString: strerror(errno))))"))
        }
        let length = Int(info.st_size)
        guard length > 0 else { return .failure(.init(description: "it is not an engine snapshot")) }
        guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            return .failure(.init(description: "it cannot be mapped (\(String(cString: strerror(errno))))"))
        }
        return .success(SnapshotMapping(UnsafeRawBufferPointer(start: base, count: length)))
    }

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
