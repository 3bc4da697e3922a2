import Foundation
import Hummingbird
import NIOCore
import QorganCore
import QorganInterop
import QorganStore

/// DHIS2's metadata collections: every object as a full JSON object, references as `{"id": …}`.
struct MetadataObjects {
    let catalog: Catalog
    let user: Principal
    let today: Day
    let language: String

    static let collections = [
        "organisationUnits", "organisationUnitLevels", "dataElements", "dataSets", "indicators", "categoryCombos",
        "categoryOptionCombos", "validationRules",
    ]

    static func ref(_ id: String) -> JSONValue { .object([("id", .string(id))]) }
    static func date(_ d: Day) -> JSONValue { .string(d.description + "T00:00:00.000") }

    func named(_ uid: String, _ code: String, _ name: String, _ display: String, short: String? = nil)
        -> [(String, JSONValue)]
    {
        [
            ("id", .string(uid)), ("code", .string(code)), ("name", .string(name)),
            ("shortName", .string(short ?? String(name.prefix(50)))), ("displayName", .string(display)),
            ("displayShortName", .string(short ?? String(display.prefix(50)))),
        ]
    }

    /// The objects of `collection` the caller may see, in the catalog's order.
    func objects(_ collection: String) -> [JSONValue] {
        switch collection {
        case "organisationUnits":
            // The forms of each unit, once: not a scan of every form per unit.
            var forms: [String: [String]] = [:]
            for d in catalog.dataSets { for u in d.organisationUnits { forms[u, default: []].append(d.uid) } }
            return catalog.organisationUnits.filter { user.canSee($0.uid, in: catalog, on: today) }.map {
                unit($0, forms: forms[$0.uid] ?? [])
            }
        case "organisationUnitLevels":
            return catalog.organisationUnitLevels.map { l in
                .object([
                    ("id", .string(Uid.stable("organisationUnitLevel:\(l.level)"))), ("name", .string(l.name)),
                    ("displayName", .string(l.name)), ("level", .int(l.level)),
                ])
            }
        case "dataElements":
            return catalog.dataElements.map { e in
                .object(
                    named(e.uid, e.code, e.name, e.name(in: language), short: e.shortName) + [
                        ("description", .string(e.description)), ("valueType", .string(e.valueType.rawValue)),
                        ("aggregationType", .string(e.aggregationType.rawValue)), ("domainType", .string("AGGREGATE")),
                        ("zeroIsSignificant", .bool(false)), ("categoryCombo", Self.ref(e.categoryCombo)),
                        (
                            "dataSetElements",
                            .array(
                                catalog.dataSets(of: e).map {
                                    .object([("dataSet", Self.ref($0.uid)), ("dataElement", Self.ref(e.uid))])
                                })
                        ),
                    ])
            }
        case "dataSets":
            return catalog.dataSets.map { d in
                .object(
                    named(d.uid, d.code, d.name, d.name(in: language)) + [
                        ("description", .string(d.description)), ("periodType", .string(d.periodType.rawValue)),
                        ("timelyDays", .int(d.timelyDays)), ("expiryDays", .int(d.expiryDays)),
                        ("openFuturePeriods", .int(0)), ("categoryCombo", Self.ref(CategoryCombo.defaultUid)),
                        (
                            "dataSetElements",
                            .array(
                                d.dataElements.map {
                                    .object([("dataElement", Self.ref($0)), ("dataSet", Self.ref(d.uid))])
                                })
                        ),
                        (
                            "organisationUnits",
                            .array(
                                d.organisationUnits.filter { user.canSee($0, in: catalog, on: today) }.map(Self.ref))
                        ),
                    ])
            }
        case "indicators":
            return catalog.indicators.map { i in
                var members =
                    named(i.uid, i.code, i.name, i.name(in: language), short: i.shortName) + [
                        ("description", .string(i.description)), ("numerator", .string(i.numerator)),
                        ("denominator", .string(i.denominator)), ("decimals", .int(i.decimals)),
                        ("annualized", .bool(false)), ("factor", .number(i.factor)),
                        (
                            "indicatorType",
                            .object([
                                ("id", .string(Uid.stable("indicatorType:\(i.factor)"))), ("factor", .number(i.factor)),
                                ("name", .string(i.factor == 100 ? "Per cent" : "Factor \(formatNumber(i.factor))")),
                            ])
                        ),
                    ]
                if let t = i.target { members.append(("target", .number(t))) }
                return .object(members)
            }
        case "categoryCombos":
            return catalog.categoryCombos.map { c in
                .object(
                    named(c.uid, c.code, c.name, c.name) + [
                        ("dataDimensionType", .string("DISAGGREGATION")),
                        ("isDefault", .bool(c.uid == CategoryCombo.defaultUid)),
                        ("categories", .array(c.categories.map(Self.ref))),
                        ("categoryOptionCombos", .array((catalog.optionCombos[c.uid] ?? []).map { Self.ref($0.uid) })),
                    ])
            }
        case "validationRules":
            return catalog.validationRules.map { v in
                func side(_ s: ValidationRule.Side) -> JSONValue {
                    .object([
                        ("expression", .string(s.expression)), ("description", .string(s.description)),
                        ("missingValueStrategy", .string(s.missingValueStrategy.rawValue)),
                    ])
                }
                return .object(
                    named(v.uid, v.code, v.name, v.name(in: language)) + [
                        ("description", .string(v.description)), ("instruction", .string(v.instruction)),
                        ("displayInstruction", .string(v.instruction(in: language))),
                        ("importance", .string(v.importance.rawValue)), ("operator", .string(v.operator.rawValue)),
                        ("periodType", .string(v.periodType.rawValue)), ("leftSide", side(v.leftSide)),
                        ("rightSide", side(v.rightSide)),
                        ("organisationUnitLevels", .array(v.organisationUnitLevels.map { .int($0) })),
                    ])
            }
        case "categoryOptionCombos":
            return catalog.categoryCombos.flatMap { catalog.optionCombos[$0.uid] ?? [] }.map(optionCombo)
        case "categories":
            return catalog.categories.map { c in
                .object(
                    named(c.uid, c.code, c.name, c.name) + [
                        ("dataDimensionType", .string("DISAGGREGATION")),
                        (
                            "categoryOptions",
                            .array(
                                c.options.map { o in
                                    .object([
                                        ("id", .string(o.uid)), ("code", .string(o.code)), ("name", .string(o.name)),
                                        ("displayName", .string(o.name)),
                                    ])
                                })
                        ),
                    ])
            }
        default: return []
        }
    }

    func optionCombo(_ c: CategoryOptionCombo) -> JSONValue {
        .object(
            named(c.uid, c.code, c.name, c.name) + [
                ("categoryCombo", Self.ref(c.categoryCombo)), ("categoryOptions", .array(c.options.map(Self.ref))),
            ])
    }

    func unit(_ u: OrgUnit, forms: [String]) -> JSONValue {
        let ancestors = catalog.ancestors(of: u.uid, on: today)
        let children = catalog.children(of: u.uid, on: today)
        var members = named(u.uid, u.code, u.name, u.name(in: language), short: u.shortName)
        members += [
            ("description", .string(u.description)), ("level", .int(ancestors.count + 1)),
            ("path", .string("/" + (ancestors.reversed() + [u.uid]).joined(separator: "/"))),
            ("openingDate", Self.date(u.openingDate)),
        ]
        if let closed = u.closingDate { members.append(("closedDate", Self.date(closed))) }
        if let parent = ancestors.first { members.append(("parent", Self.ref(parent))) }
        members += [
            ("children", .array(children.map { Self.ref($0.uid) })), ("leaf", .bool(children.isEmpty)),
            ("ancestors", .array(ancestors.reversed().map(Self.ref))),
            ("dataSets", .array(forms.map(Self.ref))),
        ]
        if let g = u.geometry { members.append(("geometry", g.json)) }
        return .object(members)
    }

    /// Every object by uid, for references asked for more than their id.
    /// `known`: a collection already built for the answer, not built again.
    func index(known: (collection: String, objects: [JSONValue])? = nil) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for c in Self.collections + ["categories"] {
            let list = c == known?.collection ? known?.objects ?? [] : objects(c)
            for o in list { if case .string(let id)? = o["id"] { out[id] = o } }
        }
        return out
    }

    /// One object by uid or code.
    /// One object of `objects` by uid or code.
    static func object(_ ref: String, in objects: [JSONValue]) -> JSONValue? {
        objects.first { $0["id"]?.scalarText == ref } ?? objects.first { $0["code"]?.scalarText == ref }
    }
}

/// A lazily built index of every object, shared by the lookups of one answer (built only when a
/// reference is asked for more than its id; the collection the answer already built is reused).
final class ObjectIndex {
    private let objects: MetadataObjects
    private let known: (collection: String, objects: [JSONValue])?
    private var built: [String: JSONValue]?
    init(_ objects: MetadataObjects, known: (collection: String, objects: [JSONValue])? = nil) {
        self.objects = objects
        self.known = known
    }
    func resolve(_ id: String) -> JSONValue? {
        if built == nil { built = objects.index(known: known) }
        return built?[id]
    }
}
