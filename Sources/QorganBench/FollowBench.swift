import Foundation
import QorganAnalytics
import QorganCore
import QorganStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// `s` right-aligned in `width` characters (left-aligned for a negative width).
func pad(_ s: String, _ width: Int) -> String {
    let fill = String(repeating: " ", count: max(0, abs(width) - s.count))
    return width < 0 ? s + fill : fill + s
}

/// Cold start of the engine with and without its snapshot, from files the operating system
/// has just dropped from its page cache (a cold disk), side by side in one run.
public struct ColdStartBench {
    let sizes: [Int]
    let workDirectory: String
    /// Leave the largest size's database and snapshot in place (for a real server's start).
    let keep: Bool
    let print: (String) -> Void

    public init(sizes: [Int], workDirectory: String, keep: Bool = false, print: @escaping (String) -> Void) {
        self.sizes = sizes
        self.workDirectory = workDirectory
        self.keep = keep
        self.print = print
    }

    /// Drops the files' pages from the page cache (written back first): the next read comes
    /// from the disk, as after a reboot or on a fresh copy of the files.
    static func evict(_ path: String) {
        for suffix in ["", "-wal", "-shm", ".engine"] {
            let fd = open(path + suffix, O_RDONLY)
            guard fd >= 0 else { continue }
            fsync(fd)
            posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            close(fd)
        }
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    public func run() throws {
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let catalog = try BenchShape.catalog()
        print("Cold start: open the store, load the engine, answer one query (a year of one element, national).")
        print(
            "'cold': the database (and snapshot) files dropped from the page cache first; 'warm': read again at once.")
        let header = [
            ("values", 12), ("db MB", 8), ("snap MB", 8), ("store cold s", 13), ("snapshot cold s", 16),
            ("ratio", 7), ("store warm s", 13), ("snapshot warm s", 16),
        ]
        print(header.map { pad($0.0, $0.1) }.joined(separator: " "))
        for n in sizes {
            let path = workDirectory + "/coldstart-\(n).sqlite"
            try AnalyticsBench.fill(path: path, catalog: catalog, values: n)
            guard let element = catalog.element("E001"), let root = catalog.organisationUnits.first else {
                throw QorganError.invalidArgument("the benchmark's catalog has no E001 or no unit")
            }
            let query = AnalyticsQuery(
                data: [.element(element.uid)], periods: [try PeriodSelection(String(BenchShape.firstYear + 5))],
                units: [root.uid])
            func start(snapshot: String?) throws -> (seconds: Double, opening: EngineOpening, answer: Double?) {
                let t0 = AnalyticsBench.now()
                let store = try Store(path: path)
                let (engine, opening) = try AnalyticsEngine.open(store: store, snapshot: snapshot)
                let answer = try engine.run(query).rows.first?.value
                return (AnalyticsBench.now() - t0, opening, answer)
            }
            Self.evict(path)
            let plainCold = try start(snapshot: nil)
            let plainWarm = try start(snapshot: nil)
            do {
                let store = try Store(path: path)
                let (engine, _) = try AnalyticsEngine.open(store: store)
                try engine.save(to: path + ".engine", store: store)
            }
            Self.evict(path)
            let snapCold = try start(snapshot: path + ".engine")
            let snapWarm = try start(snapshot: path + ".engine")
            guard snapCold.opening.snapshotSequence != nil else {
                throw QorganError.conflict("the snapshot was not used: \(snapCold.opening.snapshotIgnored ?? "?")")
            }
            guard plainCold.answer == snapCold.answer, plainCold.opening.values == snapCold.opening.values else {
                throw QorganError.conflict(
                    "the snapshot's engine differs from the store's: \(String(describing: snapCold.answer)) vs \(String(describing: plainCold.answer))"
                )
            }
            print(
                String(
                    format: "%12d %8.0f %8.0f %13.2f %16.2f %6.1f× %13.2f %16.2f", n,
                    Double(Self.size(path) + Self.size(path + "-wal")) / 1e6, Double(Self.size(path + ".engine")) / 1e6,
                    plainCold.seconds, snapCold.seconds, plainCold.seconds / snapCold.seconds, plainWarm.seconds,
                    snapWarm.seconds))
            if keep && n == sizes.max() {
                print("kept: \(path) and its snapshot")
            } else {
                for s in ["", "-wal", "-shm", ".engine"] { try? FileManager.default.removeItem(atPath: path + s) }
            }
        }
    }
}

/// A write by another process → visible in a running server's next answer: this process writes
/// through its own store (as `qorgan values set` or an import script would) and asks the server
/// at once, again until the answer has the value. Beside it, the same request with no write before.
public struct PropagationBench {
    let url: String
    let token: String
    let database: DatabaseLocation
    let writes: Int
    /// Another server on the same database to write through (its API), instead of this process's store.
    let writeURL: String?
    let print: @Sendable (String) -> Void

    public init(
        url: String, token: String, database: DatabaseLocation, writes: Int, writeURL: String? = nil,
        print: @escaping @Sendable (String) -> Void
    ) {
        self.url = url
        self.token = token
        self.database = database
        self.writes = writes
        self.writeURL = writeURL
        self.print = print
    }

    /// Saves one value through the other server's API; returns when it is acknowledged.
    func write(_ session: URLSession, _ value: Int, through server: String) async throws {
        guard
            let address = URL(
                string: server + "/api/dataValues?de=CONVICTIONS&pe=200906&ou=ZKO&value=\(value)")
        else { throw QorganError.invalidArgument("not a URL: \(server)") }
        var request = URLRequest(url: address)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await session.data(for: request)
        guard let status = (response as? HTTPURLResponse)?.statusCode, (200..<300).contains(status) else {
            throw QorganError.conflict("the writing server answered \(String(decoding: data, as: UTF8.self))")
        }
    }

    func answer(_ session: URLSession, _ request: URLRequest) async throws -> Double? {
        let (data, response) = try await session.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw QorganError.conflict("the server answered \(String(decoding: data, as: UTF8.self))")
        }
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return ((json?["rows"] as? [[String: Any]])?.first?["value"] as? Double)
    }

    public func run() async throws {
        let store = try Store(location: database)
        guard let address = URL(string: url + "/api/analytics?dx=CONVICTIONS&pe=2009&ou=KZ") else {
            throw QorganError.invalidArgument("not a URL: \(url)")
        }
        var request = URLRequest(url: address)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let session = URLSession(configuration: .ephemeral)
        var plain: [Double] = []
        _ = try await answer(session, request)
        for _ in 0..<writes {
            let t0 = AnalyticsBench.now()
            _ = try await answer(session, request)
            plain.append(AnalyticsBench.now() - t0)
        }
        var visible: [Double] = []
        var extraRequests = 0
        for k in 1...writes {
            if let writeURL {
                try await write(session, 1000 + k, through: writeURL)
            } else {
                try store.saveValues(
                    [DataValueInput(element: "CONVICTIONS", period: "200906", unit: "ZKO", value: String(1000 + k))],
                    user: "bench")
            }
            let t0 = AnalyticsBench.now()
            var tries = 0
            while try await answer(session, request) != Double(1000 + k) {
                tries += 1
                if tries > 10_000 { throw QorganError.conflict("the server never showed write \(k)") }
            }
            extraRequests += tries
            visible.append(AnalyticsBench.now() - t0)
        }
        func ms(_ xs: [Double], _ p: Double) -> String {
            String(format: "%.2f", AnalyticsBench.percentile(xs, p) * 1000)
        }
        if let writeURL {
            print("\(writes) writes through the server at \(writeURL), read from the server at \(url) (one database)")
        } else {
            print("\(writes) writes by this process (its own store on \(database)), the server at \(url)")
        }
        print(pad("", -46) + pad("p50 ms", 8) + " " + pad("p99 ms", 8))
        print(pad("answer, no write before (reference)", -46) + pad(ms(plain, 0.5), 8) + " " + pad(ms(plain, 0.99), 8))
        print(
            pad(
                writeURL == nil
                    ? "write committed → the server's answer has it" : "write acknowledged → B's answer has it", -46)
                + pad(ms(visible, 0.5), 8) + " "
                + pad(ms(visible, 0.99), 8))
        print(
            String(
                format: "ratio p50 %.2f×, p99 %.2f×; answers without the value first: %d of %d",
                AnalyticsBench.percentile(visible, 0.5) / AnalyticsBench.percentile(plain, 0.5),
                AnalyticsBench.percentile(visible, 0.99) / AnalyticsBench.percentile(plain, 0.99), extraRequests, writes
            )
        )
        try store.saveValues(
            [DataValueInput(element: "CONVICTIONS", period: "200906", unit: "ZKO", value: "0", deleted: "true")],
            user: "bench")
    }
}
