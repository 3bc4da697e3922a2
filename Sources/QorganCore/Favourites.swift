import Foundation

/// A pivot or chart an analyst keeps (DHIS2's favourite, its `visualization`): what the pivot
/// page was asked, by name. A favourite relative to the viewer's unit (`unit == nil`, DHIS2's
/// `USER_ORGUNIT`) shows each viewer their own unit's figures; figures are always computed with
/// the viewer's rights, so a shared favourite never shows a unit its viewer may not see.
public struct SavedPivot: Codable, Sendable, Hashable {
    public var uid: String
    public var name: String
    public var owner: String
    /// Shared with every colleague (each sees it within their own units).
    public var shared: Bool
    /// Indicators and elements, by code or uid.
    public var dx: [String]
    public var from: Int
    public var to: Int
    public var periodType: String
    /// The unit (uid); nil for each viewer's own.
    public var unit: String?
    public var children: Bool
    public var rows: String
    public var columns: String
    public var chart: String

    public init(
        uid: String = "", name: String, owner: String, shared: Bool, dx: [String], from: Int, to: Int,
        periodType: String, unit: String?, children: Bool, rows: String, columns: String, chart: String
    ) {
        self.uid = uid
        self.name = name
        self.owner = owner
        self.shared = shared
        self.dx = dx
        self.from = from
        self.to = to
        self.periodType = periodType
        self.unit = unit
        self.children = children
        self.rows = rows
        self.columns = columns
        self.chart = chart
    }

    /// What is wrong with it as a favourite, field by field.
    public func problems(in catalog: Catalog) -> [Problem] {
        var out: [Problem] = []
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 200 {
            out.append(Problem(field: "name", value: name, reason: "a name of 1 to 200 characters", code: "name"))
        }
        if dx.isEmpty || dx.count > 50 {
            out.append(Problem(field: "dx", reason: "choose 1 to 50 indicators or elements", code: "dx"))
        }
        for d in dx where catalog.indicator(d) == nil && catalog.element(d) == nil {
            out.append(Problem(field: "dx", value: d, reason: "no indicator or element with this code or uid"))
        }
        if !(1900...2100).contains(from) || !(1900...2100).contains(to) || from > to || to - from >= 50 {
            out.append(
                Problem(field: "from", value: "\(from)..\(to)", reason: "years 1900–2100, the first not after the last")
            )
        }
        if PeriodType(name: periodType) == nil {
            out.append(Problem(field: "periodType", value: periodType, reason: "not a period type"))
        }
        if let unit, catalog.unit(unit) == nil {
            out.append(Problem(field: "ou", value: unit, reason: "no organisation unit with this code or uid"))
        }
        let dims = ["dx", "pe", "ou"]
        if !dims.contains(rows) || !dims.contains(columns) || rows == columns {
            out.append(
                Problem(field: "rows", value: "\(rows)/\(columns)", reason: "two different dimensions of dx, pe, ou"))
        }
        if !["bar", "line", "stacked"].contains(chart) {
            out.append(Problem(field: "chart", value: chart, reason: "bar, line or stacked"))
        }
        return out
    }
}

/// A dashboard of favourites (DHIS2's `dashboard` with its items), its owner's or shared.
public struct SavedDashboard: Codable, Sendable, Hashable {
    public var uid: String
    public var name: String
    public var owner: String
    public var shared: Bool
    /// Favourites' uids, in order.
    public var items: [String]

    public init(uid: String = "", name: String, owner: String, shared: Bool, items: [String] = []) {
        self.uid = uid
        self.name = name
        self.owner = owner
        self.shared = shared
        self.items = items
    }
}

/// A comment on a favourite that its other viewers read (DHIS2's interpretation), or a reply to one.
public struct Interpretation: Codable, Sendable, Hashable {
    public var uid: String
    public var favourite: String
    /// The interpretation this replies to; nil for an interpretation.
    public var parent: String?
    public var author: String
    public var text: String
    /// Milliseconds since 1970, UTC.
    public var created: Int64

    public init(uid: String = "", favourite: String, parent: String?, author: String, text: String, created: Int64 = 0)
    {
        self.uid = uid
        self.favourite = favourite
        self.parent = parent
        self.author = author
        self.text = text
        self.created = created
    }
}
