import Foundation
import QorganCore
import QorganDemo
import QorganStore
import QorganWebTestSupport
import Testing

@testable import QorganServer

/// Maps in the signed-in application and on the portal, from the units' shapes, which come with
/// the metadata and go out through DHIS2's organisationUnits route.
@Suite struct MapPageTests {
    @Test func anIndicatorByRegionIsDrawnInTheAppAndOnThePortal() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("analyst")
            let page = try await web.send(.get, "/map?dx=IND_DRAWN_IN&year=2016&lang=ru")
            #expect(page.status == .ok)
            let html = page.text ?? ""
            #expect(html.contains("class=\"map\""))
            #expect(html.components(separatedBy: "data-code=\"").count - 1 == 17)
            #expect(html.contains("Схематичная карта"))
            // The values as a table, for screen readers and for copying.
            #expect(html.contains("<summary>Значения в виде таблицы</summary>"))
            // A region's offices have no shapes in the demo: the page says so rather than drawing nothing.
            let akt = try #require(state.engine.snapshot().catalog.unit("AKT"))
            let offices = try await web.send(.get, "/map?dx=IND_DRAWN_IN&year=2016&ou=\(akt.uid)")
            #expect(offices.text?.contains("have no shapes") == true)
            let bad = try await web.send(.get, "/map?dx=NOPE")
            #expect(bad.status == .badRequest && bad.text?.contains("NOPE") == true)

            // Aktobe's user sees only Aktobe's part.
            web.cookies = [:]
            try await web.signIn("aktobe")
            let kz = try #require(state.engine.snapshot().catalog.unit("KZ"))
            let outside = try await web.send(.get, "/map?dx=IND_DRAWN_IN&year=2016&ou=\(kz.uid)")
            #expect(outside.status == .forbidden)

            // The portal draws the same map from protected values.
            web.cookies = [:]
            let portal = try await web.send(.get, "/public?dx=IND_DRAWN_IN&level=2&from=2016&to=2016")
            #expect(portal.text?.components(separatedBy: "data-code=\"").count == 18)
            #expect(portal.text?.contains("Schematic map") == true)
        }
    }

    @Test func shapesComeWithTheMetadataAndGoOutThroughDHIS2sRoute() async throws {
        let state = try await WebFixture.state()
        var doc = Catalog()
        var unit = try #require(state.engine.snapshot().catalog.unit("AKT"))
        unit.geometry = Geometry(
            type: .multiPolygon,
            polygons: [[[[55.5, 46.1], [61.1, 46.7], [60.0, 50.9], [54.9, 50.1], [55.5, 46.1]]]])
        doc.organisationUnits = [unit]
        try state.store.importMetadata(doc, user: "admin")
        #expect(try state.store.catalog().unit("AKT")?.geometry == unit.geometry)
        // A shape a map could not draw is refused with the metadata, naming the unit and the field.
        var wrong = unit
        wrong.geometry = Geometry(type: .polygon, polygons: [[[[55.5, 146.1], [61.1, 46.7], [55.5, 146.1]]]])
        doc.organisationUnits = [wrong]
        #expect {
            try state.store.importMetadata(doc, user: "admin")
        } throws: { error in
            "\(error)".contains("organisationUnit AKT") && "\(error)".contains("geometry")
                && "\(error)".contains("outside")
        }
        try await withApp(state) { web in
            try await web.signIn("admin")
            let r = try await web.send(.get, "/api/organisationUnits/AKT?fields=id,geometry")
            let geometry = r.object["geometry"] as? [String: Any]
            #expect(geometry?["type"] as? String == "MultiPolygon")
            #expect((geometry?["coordinates"] as? [[[[Double]]]])?.first?.first?.count == 5)
        }
    }
}
