import Foundation
import GRDB
import QorganCore

/// Reads and writes the metadata tables as one `Catalog`.
enum MetadataTables {
    static func read(_ db: StoreConnection) throws -> Catalog {
        var c = Catalog()
        c.organisationUnitLevels = try Row.fetchAll(
            db, sql: "SELECT level, name, translations FROM org_unit_level ORDER BY level"
        ).map { OrgUnitLevel(level: $0["level"], name: $0["name"], translations: translations($0)) }
        var unitUid: [Int64: String] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT id, uid FROM org_unit") { unitUid[r["id"]] = r["uid"] }
        var parents: [Int64: [ParentLink]] = [:]
        for r in try Row.fetchAll(
            db, sql: "SELECT unit_id, valid_from, parent_id FROM org_unit_parent ORDER BY unit_id, valid_from")
        {
            let pid: Int64? = r["parent_id"]
            parents[r["unit_id"], default: []].append(
                ParentLink(
                    parent: pid.flatMap { unitUid[$0] }, from: try Stored.day(r["valid_from"], "a reorganisation date"))
            )
        }
        c.organisationUnits = try Row.fetchAll(db, sql: "SELECT * FROM org_unit ORDER BY id").map { r in
            let closing: String? = r["closing_date"]
            return OrgUnit(
                uid: r["uid"], code: r["code"], name: r["name"], shortName: r["short_name"],
                description: r["description"],
                openingDate: try Stored.day(r["opening_date"], "an opening date"),
                closingDate: try closing.map { try Stored.day($0, "a closing date") },
                parents: parents[r["id"]] ?? [], translations: translations(r),
                geometry: try geometry(r))
        }
        var options: [Int64: [CategoryOption]] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT * FROM category_option ORDER BY category_id, sort_order") {
            options[r["category_id"], default: []].append(
                CategoryOption(uid: r["uid"], code: r["code"], name: r["name"], translations: translations(r)))
        }
        var categoryUid: [Int64: String] = [:]
        c.categories = try Row.fetchAll(db, sql: "SELECT * FROM category ORDER BY id").map { r in
            categoryUid[r["id"]] = r["uid"]
            return Category(
                uid: r["uid"], code: r["code"], name: r["name"], options: options[r["id"]] ?? [],
                translations: translations(r))
        }
        var comboCats: [Int64: [String]] = [:]
        for r in try Row.fetchAll(
            db, sql: "SELECT combo_id, category_id FROM category_combo_category ORDER BY combo_id, sort_order")
        {
            comboCats[r["combo_id"], default: []].append(categoryUid[r["category_id"]] ?? "")
        }
        var comboUid: [Int64: String] = [:]
        c.categoryCombos = try Row.fetchAll(db, sql: "SELECT * FROM category_combo ORDER BY id").map { r in
            comboUid[r["id"]] = r["uid"]
            return CategoryCombo(uid: r["uid"], code: r["code"], name: r["name"], categories: comboCats[r["id"]] ?? [])
        }
        var elementUid: [Int64: String] = [:]
        c.dataElements = try Row.fetchAll(db, sql: "SELECT * FROM data_element ORDER BY id").map { r in
            elementUid[r["id"]] = r["uid"]
            return DataElement(
                uid: r["uid"], code: r["code"], name: r["name"], shortName: r["short_name"],
                description: r["description"],
                valueType: ValueType(rawValue: r["value_type"]) ?? .number,
                aggregationType: AggregationType(rawValue: r["aggregation_type"]) ?? .sum,
                categoryCombo: comboUid[r["category_combo_id"]] ?? CategoryCombo.defaultUid,
                translations: translations(r), derivedFrom: r["derived_from"])
        }
        var dsElements: [Int64: [String]] = [:]
        var dsUnits: [Int64: [String]] = [:]
        for r in try Row.fetchAll(
            db, sql: "SELECT data_set_id, element_id FROM data_set_element ORDER BY data_set_id, sort_order")
        {
            dsElements[r["data_set_id"], default: []].append(elementUid[r["element_id"]] ?? "")
        }
        for r in try Row.fetchAll(
            db, sql: "SELECT data_set_id, unit_id FROM data_set_unit ORDER BY data_set_id, unit_id")
        {
            dsUnits[r["data_set_id"], default: []].append(unitUid[r["unit_id"]] ?? "")
        }
        c.dataSets = try Row.fetchAll(db, sql: "SELECT * FROM data_set ORDER BY id").map { r in
            DataSet(
                uid: r["uid"], code: r["code"], name: r["name"], description: r["description"],
                periodType: PeriodType(rawValue: r["period_type"]) ?? .monthly,
                dataElements: dsElements[r["id"]] ?? [], organisationUnits: dsUnits[r["id"]] ?? [],
                timelyDays: r["timely_days"],
                expiryDays: r["expiry_days"], translations: translations(r))
        }
        var indicatorUid: [Int64: String] = [:]
        c.indicators = try Row.fetchAll(db, sql: "SELECT * FROM indicator ORDER BY id").map { r in
            indicatorUid[r["id"]] = r["uid"]
            return Indicator(
                uid: r["uid"], code: r["code"], name: r["name"], shortName: r["short_name"],
                description: r["description"],
                numerator: r["numerator"], denominator: r["denominator"], factor: r["factor"], decimals: r["decimals"],
                target: r["target"], translations: translations(r))
        }
        c.constants = try Row.fetchAll(db, sql: "SELECT * FROM constant ORDER BY id").map { r in
            Constant(uid: r["uid"], code: r["code"], name: r["name"], value: r["value"])
        }
        c.reportFigures = try Row.fetchAll(db, sql: "SELECT * FROM report_figure ORDER BY sort_order").map { r in
            let pt: String? = r["period_type"]
            return ReportFigure(
                code: r["code"], label: r["label"], indicator: indicatorUid[r["indicator_id"]] ?? "",
                periods: r["periods"], unit: unitUid[r["unit_id"]] ?? "",
                kind: ReportFigure.Kind(rawValue: r["kind"]) ?? .value,
                periodType: pt.flatMap { PeriodType(rawValue: $0) }, suffix: r["suffix"])
        }
        c.validationRules = try Row.fetchAll(db, sql: "SELECT definition FROM validation_rule ORDER BY id").map { r in
            let text: String = r["definition"]
            return try JSONDecoder().decode(ValidationRule.self, from: Data(text.utf8))
        }
        c.reindex()
        return c
    }

    /// A unit's stored shape (GeoJSON).
    static func geometry(_ row: Row) throws -> Geometry? {
        guard let text: String = row["geometry"] else { return nil }
        do {
            return try JSONDecoder().decode(Geometry.self, from: Data(text.utf8))
        } catch {
            throw QorganError.conflict(
                "a stored unit's geometry cannot be read (\(error)): the database was changed outside Qorgan")
        }
    }

    static func translations(_ row: Row) -> [String: String]? {
        guard let text: String = row["translations"] else { return nil }
        return try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }

    static func translationsText(_ t: [String: String]?) -> String? {
        guard let t, !t.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(t)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes the whole catalog (objects are upserted by uid, so their integer ids stay),
    /// and audits each object that the import created or changed.
    static func write(_ c: Catalog, changes: [MetadataChange], user: String, db: StoreConnection) throws {
        func upsert(_ table: String, _ columns: [String], _ values: [DatabaseValueConvertible?]) throws -> Int64 {
            let sql =
                "INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", "))) "
                + "ON CONFLICT(uid) DO UPDATE SET "
                + columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
            try db.cachedStatement(sql: sql).execute(arguments: SQLArguments(values))
            guard
                let id = try Int64.fetchOne(
                    db, sql: "SELECT id FROM \(table) WHERE uid = ?", arguments: [values.first ?? nil])
            else { throw QorganError.conflict("a row of \(table) was not found right after it was written") }
            return id
        }
        try db.execute(sql: "DELETE FROM org_unit_level")
        for l in c.organisationUnitLevels {
            try db.execute(
                sql: "INSERT INTO org_unit_level(level, name, translations) VALUES (?, ?, ?)",
                arguments: [l.level, l.name, translationsText(l.translations)])
        }
        var unitId: [String: Int64] = [:]
        for u in c.organisationUnits {
            unitId[u.uid] = try upsert(
                "org_unit",
                [
                    "uid", "code", "name", "short_name", "description", "opening_date", "closing_date", "translations",
                    "geometry",
                ],
                [
                    u.uid, u.code, u.name, u.shortName, u.description, u.openingDate.description,
                    u.closingDate?.description,
                    translationsText(u.translations),
                    try u.geometry.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) },
                ])
        }
        try db.execute(sql: "DELETE FROM org_unit_parent")
        for u in c.organisationUnits {
            for link in u.parents {
                try db.execute(
                    sql: "INSERT INTO org_unit_parent(unit_id, valid_from, parent_id) VALUES (?, ?, ?)",
                    arguments: [unitId[u.uid], link.from.description, link.parent.flatMap { unitId[$0] }])
            }
        }
        var categoryId: [String: Int64] = [:]
        for cat in c.categories {
            let cid = try upsert(
                "category", ["uid", "code", "name", "translations"],
                [cat.uid, cat.code, cat.name, translationsText(cat.translations)])
            categoryId[cat.uid] = cid
            for (i, o) in cat.options.enumerated() {
                _ = try upsert(
                    "category_option", ["uid", "code", "name", "category_id", "sort_order", "translations"],
                    [o.uid, o.code, o.name, cid, i, translationsText(o.translations)])
            }
        }
        var comboId: [String: Int64] = [:]
        for combo in c.categoryCombos {
            comboId[combo.uid] = try upsert(
                "category_combo", ["uid", "code", "name"], [combo.uid, combo.code, combo.name])
        }
        try db.execute(sql: "DELETE FROM category_combo_category")
        for combo in c.categoryCombos {
            for (i, cat) in combo.categories.enumerated() {
                try db.execute(
                    sql: "INSERT INTO category_combo_category(combo_id, category_id, sort_order) VALUES (?, ?, ?)",
                    arguments: [comboId[combo.uid], categoryId[cat], i])
            }
            for coc in c.optionCombos[combo.uid] ?? [] {
                _ = try upsert(
                    "category_option_combo", ["uid", "code", "name", "combo_id"],
                    [coc.uid, coc.code, coc.name, comboId[combo.uid]])
            }
        }
        var elementId: [String: Int64] = [:]
        for e in c.dataElements {
            elementId[e.uid] = try upsert(
                "data_element",
                [
                    "uid", "code", "name", "short_name", "description", "value_type", "aggregation_type",
                    "category_combo_id", "translations", "derived_from",
                ],
                [
                    e.uid, e.code, e.name, e.shortName, e.description, e.valueType.rawValue, e.aggregationType.rawValue,
                    comboId[e.categoryCombo],
                    translationsText(e.translations), e.derivedFrom,
                ])
        }
        try db.execute(sql: "DELETE FROM data_set_element")
        try db.execute(sql: "DELETE FROM data_set_unit")
        for ds in c.dataSets {
            let id = try upsert(
                "data_set",
                ["uid", "code", "name", "description", "period_type", "timely_days", "expiry_days", "translations"],
                [
                    ds.uid, ds.code, ds.name, ds.description, ds.periodType.rawValue, ds.timelyDays, ds.expiryDays,
                    translationsText(ds.translations),
                ])
            for (i, e) in ds.dataElements.enumerated() {
                try db.execute(
                    sql: "INSERT INTO data_set_element(data_set_id, element_id, sort_order) VALUES (?, ?, ?)",
                    arguments: [id, elementId[e], i])
            }
            for u in Set(ds.organisationUnits) {
                try db.execute(
                    sql: "INSERT INTO data_set_unit(data_set_id, unit_id) VALUES (?, ?)", arguments: [id, unitId[u]])
            }
        }
        for k in c.constants {
            _ = try upsert("constant", ["uid", "code", "name", "value"], [k.uid, k.code, k.name, k.value])
        }
        var indicatorId: [String: Int64] = [:]
        for i in c.indicators {
            indicatorId[i.uid] = try upsert(
                "indicator",
                [
                    "uid", "code", "name", "short_name", "description", "numerator", "denominator", "factor",
                    "decimals", "target", "translations",
                ],
                [
                    i.uid, i.code, i.name, i.shortName, i.description, i.numerator, i.denominator, i.factor, i.decimals,
                    i.target, translationsText(i.translations),
                ])
        }
        let ruleEncoder = JSONEncoder()
        ruleEncoder.outputFormatting = [.sortedKeys]
        for rule in c.validationRules {
            _ = try upsert(
                "validation_rule", ["uid", "code", "definition"],
                [rule.uid, rule.code, String(decoding: try ruleEncoder.encode(rule), as: UTF8.self)])
        }
        try db.execute(sql: "DELETE FROM report_figure")
        for (n, f) in c.reportFigures.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO report_figure(code, label, indicator_id, periods, unit_id, kind, period_type, suffix, sort_order)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    f.code, f.label, indicatorId[f.indicator], f.periods, unitId[f.unit], f.kind.rawValue,
                    f.periodType?.rawValue, f.suffix, n,
                ])
        }

        // Readers keep the catalog (and the ids of its objects) until this number changes. A
        // number drawn at random, not the last one plus one: a transaction rolled back after
        // reading its own new catalog (a dry run) leaves no number that a later commit reuses.
        let current = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = 'metadata_version'")
        var version = String(Int64.random(in: 1...Int64(Int32.max)))
        while version == current { version = String(Int64.random(in: 1...Int64(Int32.max))) }
        try db.execute(
            sql: """
                INSERT INTO setting(key, value) VALUES ('metadata_version', ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value
                """, arguments: [version])
        let stamp = Timestamp.string(Date())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for ch in changes where ch.action != .unchanged {
            let snapshot: Data
            switch ch.kind {
            case "organisationUnit": snapshot = try encoder.encode(c.unit(ch.uid))
            case "category": snapshot = try encoder.encode(c.category(ch.uid))
            case "categoryCombo": snapshot = try encoder.encode(c.categoryCombo(ch.uid))
            case "dataElement": snapshot = try encoder.encode(c.element(ch.uid))
            case "dataSet": snapshot = try encoder.encode(c.dataSet(ch.uid))
            case "indicator": snapshot = try encoder.encode(c.indicator(ch.uid))
            case "constant": snapshot = try encoder.encode(c.constant(ch.uid))
            case "validationRule": snapshot = try encoder.encode(c.validationRule(ch.uid))
            default: snapshot = Data("{}".utf8)
            }
            try db.execute(
                sql: """
                    INSERT INTO metadata_audit(kind, uid, code, action, changed_by, changed_at, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    ch.kind, ch.uid, ch.code, ch.action.rawValue.uppercased(), user, stamp,
                    String(decoding: snapshot, as: UTF8.self),
                ])
        }
    }
}
