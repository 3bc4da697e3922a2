import Foundation

/// A unit's shape, as GeoJSON (RFC 7946) writes it and DHIS2 keeps it in an organisation unit's
/// `geometry`: a point, a polygon or a multi-polygon, positions as [longitude, latitude].
///
/// `schematic` (a foreign member, `"schematic": true`) marks a shape that is not a boundary: a
/// tile of a tile-grid map, which places areas in their relative positions at one size. Maps
/// drawn from such shapes say so.
public struct Geometry: Hashable, Sendable, Codable {
    public enum Kind: String, Sendable, Codable {
        case point = "Point", polygon = "Polygon", multiPolygon = "MultiPolygon"
    }
    public typealias Position = [Double]
    public typealias Ring = [Position]

    public var type: Kind
    /// Polygons, each of rings (the first the outer one); a point is one polygon of one ring of one position.
    public var polygons: [[Ring]]
    public var schematic: Bool

    /// Positions one unit's shape may have: a shape is drawn on every map of its level.
    public static let maxPositions = 50_000

    public init(type: Kind, polygons: [[Ring]], schematic: Bool = false) {
        self.type = type
        self.polygons = polygons
        self.schematic = schematic
    }

    /// A rectangle (a tile), from its west, south, east and north edges.
    public static func rectangle(west: Double, south: Double, east: Double, north: Double, schematic: Bool) -> Geometry
    {
        Geometry(
            type: .polygon,
            polygons: [[[[west, south], [east, south], [east, north], [west, north], [west, south]]]],
            schematic: schematic)
    }

    enum CodingKeys: String, CodingKey { case type, coordinates, schematic }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .type)
        guard let kind = Kind(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c,
                debugDescription: "'\(name)' is not a geometry Qorgan draws (Point, Polygon, MultiPolygon)")
        }
        type = kind
        switch kind {
        case .point: polygons = [[[try c.decode(Position.self, forKey: .coordinates)]]]
        case .polygon: polygons = [try c.decode([Ring].self, forKey: .coordinates)]
        case .multiPolygon: polygons = try c.decode([[Ring]].self, forKey: .coordinates)
        }
        schematic = try c.decodeIfPresent(Bool.self, forKey: .schematic) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type.rawValue, forKey: .type)
        switch type {
        case .point: try c.encode(polygons.first?.first?.first ?? [], forKey: .coordinates)
        case .polygon: try c.encode(polygons.first ?? [], forKey: .coordinates)
        case .multiPolygon: try c.encode(polygons, forKey: .coordinates)
        }
        if schematic { try c.encode(true, forKey: .schematic) }
    }

    /// What is wrong with it: positions of two numbers in range, closed rings of four positions
    /// or more, at most `maxPositions` in all.
    public var problems: [String] {
        var out: [String] = []
        var count = 0
        for polygon in polygons {
            if type != .point && polygon.isEmpty { out.append("a polygon has no ring") }
            for ring in polygon {
                count += ring.count
                if type != .point {
                    if ring.count < 4 { out.append("a ring has \(ring.count) positions (at least 4)") }
                    if let first = ring.first, let last = ring.last, first != last {
                        out.append("a ring does not end where it starts")
                    }
                }
                for p in ring {
                    guard p.count == 2 || p.count == 3 else {
                        out.append("a position has \(p.count) numbers (longitude, latitude)")
                        continue
                    }
                    if !(-180...180).contains(p[0]) || !(-90...90).contains(p[1]) {
                        out.append("position [\(p[0]), \(p[1])] lies outside longitudes −180…180 and latitudes −90…90")
                    }
                }
                if out.count > 5 { return out }
            }
        }
        if type == .point && count != 1 { out.append("a point has one position") }
        if count > Self.maxPositions {
            out.append("\(count) positions: at most \(Self.maxPositions) (simplify the boundary)")
        }
        return out
    }

    /// As GeoJSON, in an answer built field by field.
    public var json: JSONValue {
        func position(_ p: Position) -> JSONValue { .array(p.map { .number($0) }) }
        func polygon(_ rings: [Ring]) -> JSONValue { .array(rings.map { .array($0.map(position)) }) }
        let coordinates: JSONValue
        switch type {
        case .point: coordinates = position(polygons.first?.first?.first ?? [])
        case .polygon: coordinates = polygon(polygons.first ?? [])
        case .multiPolygon: coordinates = .array(polygons.map(polygon))
        }
        var members: [(String, JSONValue)] = [("type", .string(type.rawValue)), ("coordinates", coordinates)]
        if schematic { members.append(("schematic", .bool(true))) }
        return .object(members)
    }

    /// West, south, east, north.
    public var bounds: (west: Double, south: Double, east: Double, north: Double)? {
        var w = Double.infinity
        var s = Double.infinity
        var e = -Double.infinity
        var n = -Double.infinity
        for polygon in polygons {
            for ring in polygon {
                for p in ring where p.count >= 2 {
                    w = min(w, p[0])
                    e = max(e, p[0])
                    s = min(s, p[1])
                    n = max(n, p[1])
                }
            }
        }
        return w <= e ? (w, s, e, n) : nil
    }
}
