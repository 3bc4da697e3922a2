import Foundation
import HTTPTypes
import HummingbirdTesting
import QorganCore
import QorganServer
import QorganStore
import QorganWebTestSupport
import Testing

/// Variants of an identifier that a crafted request might send: padding, case, look-alike
/// letters, invisible characters, encodings, and combinations of them.
enum IdentifierVariants {
    static let transforms: [(String, @Sendable (String) -> String)] = [
        ("trailing space", { $0 + " " }), ("leading space", { " " + $0 }), ("tab", { "\t" + $0 }),
        ("trailing tab", { $0 + "\t" }),
        ("newline", { $0 + "\n" }), ("carriage return", { $0 + "\r" }), ("lower case", { $0.lowercased() }),
        ("upper case", { $0.uppercased() }), ("no-break space", { $0 + "\u{00A0}" }),
        ("zero-width space", { "\u{200B}" + $0 }),
        ("byte-order mark", { "\u{FEFF}" + $0 }),
        (
            "Cyrillic look-alikes",
            {
                String(
                    $0.map { c -> Character in ["A": "А", "K": "К", "T": "Т", "E": "Е", "O": "О", "C": "С"][c] ?? c })
            }
        ),
        (
            "full-width",
            {
                String(
                    $0.unicodeScalars.map { s in
                        (0x21...0x7E).contains(s.value) ? Character(Unicode.Scalar(s.value + 0xFEE0)!) : Character(s)
                    })
            }
        ),
        (
            "percent-encoded",
            {
                $0.addingPercentEncoding(
                    withAllowedCharacters: .alphanumerics.subtracting(CharacterSet(charactersIn: "AKTakt"))) ?? $0
            }
        ),
        ("encoded space", { $0 + "%20" }), ("NUL", { $0 + "\u{0}" }), ("dot suffix", { $0 + "." }),
        ("semicolon", { $0 + ";" }),
        ("combining mark", { $0 + "\u{0301}" }),
    ]

    /// `count` variants of `id`, each one to three transforms deep, none equal to `id` itself.
    static func of(_ id: String, count: Int, seed: UInt64) -> [(String, String)] {
        var g = SplitMix64(seed: seed)
        var out: [(String, String)] = transforms.map { ($0.0, $0.1(id)) }
        while out.count < count {
            var s = id
            var names: [String] = []
            for _ in 0..<Int.random(in: 1...3, using: &g) {
                let t = transforms.randomElement(using: &g)!
                s = t.1(s)
                names.append(t.0)
            }
            out.append((names.joined(separator: " + "), s))
        }
        return out.filter { $0.1 != id }
    }
}

/// The property: no variant of another region's identifier, sent to any route that reads or
/// writes, reaches that region. Every answer is a refusal, and the store is unchanged.
@Suite struct ScopePropertyTests {
    static func query(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
    }

    @Test func noVariantOfAnotherRegionsIdentifierCrossesScope() async throws {
        let state = try await WebFixture.state()
        let catalog = try state.store.catalog()
        let akt = try #require(catalog.unit("AKT"))
        let almaty = try Secrets.issueToken(in: state.store, username: "almaty", name: "p", by: "t").secret
        let audits = try state.store.auditCount()
        let incidents = try state.store.incidents().count
        let sites = try state.store.sites().count
        let variants =
            IdentifierVariants.of("AKT", count: 60, seed: 11) + IdentifierVariants.of(akt.uid, count: 40, seed: 12)
        let tried = try await withApp(state) { web -> Int in
            var w = web
            w.cookies = [:]
            w.bearer = almaty
            var tried = 0
            for (name, v) in variants {
                let q = Self.query(v)
                let writes: [(HTTPRequest.Method, String, Any)] = [
                    (
                        .post, "/api/dataValues",
                        ["dataElement": "CONVICTIONS", "period": "201712", "orgUnit": v, "value": "9"]
                    ),
                    (
                        .post, "/api/dataValueSets",
                        [
                            "dataValues": [
                                ["dataElement": "CONVICTIONS", "period": "201712", "orgUnit": v, "value": "9"]
                            ]
                        ]
                    ),
                    (
                        .post, "/api/dataValueSets",
                        [
                            "orgUnit": v, "period": "201712",
                            "dataValues": [["dataElement": "CONVICTIONS", "value": "9"]],
                        ]
                    ),
                    (.post, "/api/completions", ["dataSet": "SECURITY", "period": "201712", "orgUnit": v]),
                    (
                        .post, "/api/incidents",
                        [
                            "date": "2017-05", "unit": v, "outcome": "foiled", "attackType": 3, "targetType": 3,
                            "weaponType": 6,
                            "summary": "x", "sources": ["y"],
                        ]
                    ),
                    (
                        .post, "/api/sites",
                        [
                            "name": "S", "category": "MASS", "sector": "x", "unit": v, "peakOccupancy": 100,
                            "responsibleRole": "r", "registered": "2017-01-01", "planStatus": "none",
                        ]
                    ),
                ]
                for (method, path, body) in writes {
                    let r = try await w.send(method, path, json: body)
                    // Refused, whichever way: a data value set's conflicts answer 409 with nothing stored.
                    #expect(
                        [.badRequest, .forbidden, .notFound, .conflict].contains(r.status),
                        "\(method) \(path) with \(name) \(v.debugDescription): \(r.status)")
                    tried += 1
                }
                for path in [
                    "/api/dataValues?de=CONVICTIONS&pe=201606&ou=\(q)",
                    "/api/dataValueSets?dataSet=SECURITY&period=201606&orgUnit=\(q)",
                    "/api/audits/dataValue?de=CONVICTIONS&pe=201606&ou=\(q)",
                    "/api/analytics?dx=CONVICTIONS&pe=2016&ou=\(q)",
                    "/api/analytics?dx=CONVICTIONS&pe=2016&ou=CHILDREN:\(q)",
                    "/api/analytics?dx=CONVICTIONS&pe=2016&ou=LEVEL-3:\(q)",
                    "/api/incidents?ou=\(q)", "/api/sites?ou=\(q)", "/api/readiness/assessments?ou=\(q)",
                    "/api/report?ou=\(q)",
                    "/api/organisationUnits/\(q)", "/api/readiness/gaps?ou=\(q)",
                ] {
                    let r = try await w.send(.get, path)
                    // A variant names nothing: refused as malformed (400), unknown (409), outside (403) or absent (404).
                    #expect(
                        [.badRequest, .conflict, .forbidden, .notFound].contains(r.status),
                        "GET \(path) with \(name): \(r.status)")
                    tried += 1
                }
                let delete = try await w.send(.delete, "/api/dataValues?de=CONVICTIONS&pe=201606&ou=\(q)")
                #expect(
                    [.badRequest, .conflict, .forbidden, .notFound].contains(delete.status),
                    "DELETE with \(name): \(delete.status)")
                tried += 1
            }
            return tried
        }
        #expect(tried > 1_500)
        #expect(try state.store.auditCount() == audits)
        #expect(try state.store.incidents().count == incidents)
        #expect(try state.store.sites().count == sites)
    }

    /// The resolver and the lookups the server decides on agree on every variant: either both
    /// find the same unit, or neither does.
    @Test func theCatalogAndTheStoresResolverAgreeOnEveryVariant() throws {
        let catalog = try WebFixture.store().0.catalog()
        for unit in catalog.organisationUnits.prefix(20) {
            for (name, v) in IdentifierVariants.of(unit.code, count: 80, seed: 5)
                + IdentifierVariants.of(unit.uid, count: 40, seed: 6)
            {
                let looked = catalog.unit(v)?.uid
                let input = DataValueInput(element: "CONVICTIONS", period: "2016", unit: v, value: "1")
                var resolved: String? = nil
                if case .valid(let r) = catalog.resolve(input) { resolved = r.key.unit }
                if resolved != nil { #expect(looked == resolved, "\(name): \(v.debugDescription)") }
                if let looked { #expect(looked == unit.uid, "\(name) found another unit") }
            }
        }
    }
}
