import QorganCore
import QorganTestSupport

/// The small fixture catalog with references resolved, for tests that need no store.
enum SmallCatalog {
    static func resolved() -> Catalog {
        try! Catalog().merging(Fixtures.smallCatalogDocument()).0
    }
}
