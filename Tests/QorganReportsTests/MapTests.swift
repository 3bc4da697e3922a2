import Foundation
import QorganCore
import QorganReports
import Testing

/// Choropleths: classes by quantiles, a legend, "no data" hatched, names and values on hover and
/// for screen readers, colours readable in grey, and a word when the shapes are tiles.
@Suite struct MapTests {
    static func square(_ x: Double, _ y: Double, schematic: Bool = false) -> Geometry {
        .rectangle(west: 50 + x * 5, south: 45 + y * 3, east: 54 + x * 5, north: 47.5 + y * 3, schematic: schematic)
    }

    @Test func areasAreFilledByTheirClassWithALegendAndNoDataHatched() {
        let areas = (0..<6).map { (i: Int) -> ChoroplethMap.Area in
            let value: Double? = i == 5 ? nil : Double(i * 10)
            let shape = Self.square(Double(i % 3), Double(i / 3))
            return ChoroplethMap.Area(code: "R\(i)", name: "Region <\(i)>", geometry: shape, value: value)
        }
        let svg = ChoroplethMap.svg(
            title: "Drawn in, 2017", areas: areas, format: { String(Int($0)) }, noData: "no data",
            schematicNote: "Schematic")
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains(">Drawn in, 2017</title>"))
        // Every area, its name (escaped) and value on hover; the description lists them all.
        #expect(svg.components(separatedBy: "data-code=\"R").count - 1 == 6)
        #expect(svg.contains("<title>Region &lt;3&gt;: 30</title>"))
        #expect(svg.contains("<title>Region &lt;5&gt;: no data</title>"))
        #expect(svg.contains("Region &lt;0&gt;: 0; Region &lt;1&gt;: 10;"))
        // Five values, five classes: the lightest for 0, the darkest for 40; no data hatched.
        let fills = ChoroplethMap.colours(5)
        #expect(
            svg.contains(
                "fill=\"\(fills[0])\" fill-rule=\"evenodd\" stroke=\"#ffffff\" stroke-width=\"1.5\" data-code=\"R0\""))
        #expect(
            svg.contains(
                "fill=\"\(fills[4])\" fill-rule=\"evenodd\" stroke=\"#ffffff\" stroke-width=\"1.5\" data-code=\"R4\""))
        #expect(svg.contains("fill=\"url(#") && svg.contains("data-code=\"R5\""))
        // The legend: a key per class, and one for no data.
        #expect(svg.components(separatedBy: "width=\"18\" height=\"14\"").count - 1 == 6)
        #expect(svg.contains(">no data</text>"))
        // Boundaries are not tiles: no schematic note.
        #expect(!svg.contains("Schematic"))
        // Nothing to draw: nothing drawn.
        #expect(ChoroplethMap.svg(title: "t", areas: [], format: { "\($0)" }, noData: "-", schematicNote: "s").isEmpty)
    }

    @Test func tilesSayTheyAreSchematicAndCarryTheirLabelAndValue() {
        let areas = [
            ChoroplethMap.Area(code: "AKT", name: "Aktobe", geometry: Self.square(0, 0, schematic: true), value: 37),
            ChoroplethMap.Area(
                code: "YUK_SHYMKENT", name: "Shymkent", geometry: Self.square(1, 0, schematic: true), value: 12),
        ]
        let svg = ChoroplethMap.svg(
            title: "t", areas: areas, format: { String(Int($0)) }, noData: "none", schematicNote: "Schematic map")
        #expect(svg.contains(">Schematic map</text>"))
        #expect(svg.contains(">AKT</text>") && svg.contains(">SHY</text>") && svg.contains(">37</text>"))
    }

    @Test func classesFollowQuantilesAndColoursDarkenInGrey() {
        #expect(ChoroplethMap.classBounds([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == [1, 3, 5, 7, 9])
        #expect(ChoroplethMap.classBounds([5, 5, 5]) == [5])
        #expect(ChoroplethMap.classBounds([1, 1, 1, 1, 100]) == [1, 100])
        #expect(ChoroplethMap.classBounds([]) == [])
        func luminance(_ hex: String) -> Double {
            let v = Int(hex.dropFirst(), radix: 16) ?? 0
            let c = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map { x -> Double in
                let s = Double(x) / 255
                return s <= 0.03928 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
            }
            return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
        }
        // In grey the classes keep their order: each darker than the one before.
        let l = ChoroplethMap.palette.map(luminance)
        #expect(zip(l, l.dropFirst()).allSatisfy { $0 > $1 })
        // Labels on the two darkest are white, on the others near-black: 4.5:1 or more either way.
        for (i, hex) in ChoroplethMap.palette.enumerated() {
            let ratio =
                i >= 3 ? 1.05 / (luminance(hex) + 0.05) : (luminance(hex) + 0.05) / (luminance("#1a1a1a") + 0.05)
            #expect(ratio >= 4.5, "\(hex): \(ratio)")
        }
    }

    @Test func geometriesAreReadAsGeoJSONAndCheckedAtTheEdge() throws {
        let json = #"{"type": "MultiPolygon", "coordinates": [[[[50, 45], [55, 45], [55, 48], [50, 45]]]]}"#
        let g = try JSONDecoder().decode(Geometry.self, from: Data(json.utf8))
        #expect(g.type == .multiPolygon && g.problems.isEmpty && !g.schematic)
        let again = try JSONDecoder().decode(Geometry.self, from: try JSONEncoder().encode(g))
        #expect(again == g)
        let point = try JSONDecoder().decode(
            Geometry.self, from: Data(#"{"type": "Point", "coordinates": [71.4, 51.2]}"#.utf8))
        #expect(point.problems.isEmpty && point.bounds?.west == 71.4)
        let bad = Geometry(type: .polygon, polygons: [[[[50, 95], [55, 45], [55, 48]]]])
        #expect(bad.problems.contains { $0.contains("outside") })
        #expect(bad.problems.contains { $0.contains("at least 4") })
        #expect(bad.problems.contains { $0.contains("does not end where it starts") })
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Geometry.self, from: Data(#"{"type": "LineString", "coordinates": []}"#.utf8))
        }
    }
}
