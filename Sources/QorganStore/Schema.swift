import GRDB

/// The database schema, one migration per shipped version. A migration is never
/// edited once it has shipped: add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: metadata, data values, audit") { db in
            try db.execute(sql: """
            CREATE TABLE org_unit (
                id INTEGER PRIMARY KEY,
                uid TEXT NOT NULL UNIQUE,
                code TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                short_name TEXT,
                description TEXT,
                opening_date TEXT NOT NULL,
                closing_date TEXT
            );
            -- A unit's parent over time: from valid_from on, its parent is parent_id (NULL: a root).
            CREATE TABLE org_unit_parent (
                unit_id INTEGER NOT NULL REFERENCES org_unit(id),
                valid_from TEXT NOT NULL,
                parent_id INTEGER REFERENCES org_unit(id),
                PRIMARY KEY (unit_id, valid_from)
            );
            CREATE TABLE org_unit_level (level INTEGER PRIMARY KEY, name TEXT NOT NULL);

            CREATE TABLE category (
                id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL
            );
            CREATE TABLE category_option (
                id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL, name TEXT NOT NULL,
                category_id INTEGER NOT NULL REFERENCES category(id), sort_order INTEGER NOT NULL
            );
            CREATE TABLE category_combo (
                id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL
            );
            CREATE TABLE category_combo_category (
                combo_id INTEGER NOT NULL REFERENCES category_combo(id),
                category_id INTEGER NOT NULL REFERENCES category(id),
                sort_order INTEGER NOT NULL,
                PRIMARY KEY (combo_id, category_id)
            );
            -- Derived from the combos (Cartesian product); kept for the integer keys of data values.
            CREATE TABLE category_option_combo (
                id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL, name TEXT NOT NULL,
                combo_id INTEGER NOT NULL REFERENCES category_combo(id)
            );
            CREATE TABLE data_element (
                id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
                short_name TEXT, description TEXT,
                value_type TEXT NOT NULL, aggregation_type TEXT NOT NULL,
                category_combo_id INTEGER NOT NULL REFERENCES category_combo(id)
            );
            CREATE TABLE data_set (
                id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
                description TEXT, period_type TEXT NOT NULL, timely_days INTEGER NOT NULL
            );
            CREATE TABLE data_set_element (
                data_set_id INTEGER NOT NULL REFERENCES data_set(id),
                element_id INTEGER NOT NULL REFERENCES data_element(id),
                sort_order INTEGER NOT NULL,
                PRIMARY KEY (data_set_id, element_id)
            );
            CREATE TABLE data_set_unit (
                data_set_id INTEGER NOT NULL REFERENCES data_set(id),
                unit_id INTEGER NOT NULL REFERENCES org_unit(id),
                PRIMARY KEY (data_set_id, unit_id)
            );
            CREATE TABLE indicator (
                id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
                short_name TEXT, description TEXT,
                numerator TEXT NOT NULL, denominator TEXT NOT NULL, factor REAL NOT NULL, decimals INTEGER NOT NULL
            );
            CREATE TABLE constant (
                id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
                value REAL NOT NULL
            );
            CREATE TABLE report_figure (
                code TEXT PRIMARY KEY, label TEXT NOT NULL,
                indicator_id INTEGER NOT NULL REFERENCES indicator(id),
                periods TEXT NOT NULL, unit_id INTEGER NOT NULL REFERENCES org_unit(id),
                kind TEXT NOT NULL, period_type TEXT, suffix TEXT, sort_order INTEGER NOT NULL
            );

            CREATE TABLE period (
                id INTEGER PRIMARY KEY, iso TEXT NOT NULL UNIQUE, period_type TEXT NOT NULL,
                start_date TEXT NOT NULL, end_date TEXT NOT NULL
            );
            CREATE TABLE data_value (
                element_id INTEGER NOT NULL REFERENCES data_element(id),
                period_id INTEGER NOT NULL REFERENCES period(id),
                unit_id INTEGER NOT NULL REFERENCES org_unit(id),
                coc_id INTEGER NOT NULL REFERENCES category_option_combo(id),
                aoc_id INTEGER NOT NULL REFERENCES category_option_combo(id),
                value TEXT NOT NULL,
                -- The value as a number (booleans 1 and 0); NULL for text. What analytics reads.
                numeric REAL,
                stored_by TEXT NOT NULL,
                -- Who created the value and when: the first entry of its history.
                -- Times of values and their history are milliseconds since 1970-01-01 UTC.
                created_by TEXT NOT NULL,
                created INTEGER NOT NULL,
                last_updated INTEGER NOT NULL,
                comment TEXT,
                follow_up INTEGER NOT NULL DEFAULT 0,
                deleted INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (element_id, period_id, unit_id, coc_id, aoc_id)
            ) WITHOUT ROWID;
            -- Every change to a value after its creation: nothing is ever lost. The creation is
            -- the value's own row (created, created_by; its first value is the old_value of the
            -- first change, or the value itself if it never changed), so an import of new values
            -- writes one row each. Keyed by the value and a sequence number per value, so the
            -- history of a value is one range read.
            CREATE TABLE data_value_audit (
                element_id INTEGER NOT NULL, period_id INTEGER NOT NULL, unit_id INTEGER NOT NULL,
                coc_id INTEGER NOT NULL, aoc_id INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                action TEXT NOT NULL,
                old_value TEXT, new_value TEXT, old_comment TEXT, new_comment TEXT,
                changed_by TEXT NOT NULL, changed_at INTEGER NOT NULL,
                PRIMARY KEY (element_id, period_id, unit_id, coc_id, aoc_id, seq)
            ) WITHOUT ROWID;
            -- Every change to metadata, with the object as it became.
            CREATE TABLE metadata_audit (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL, uid TEXT NOT NULL, code TEXT NOT NULL, action TEXT NOT NULL,
                changed_by TEXT NOT NULL, changed_at TEXT NOT NULL, snapshot TEXT NOT NULL
            );
            CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """)
        }
        return m
    }
}
