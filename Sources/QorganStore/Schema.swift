import GRDB
import QorganCore

/// The database schema, one migration per shipped version. A migration is never
/// edited once it has shipped: add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: metadata, data values, audit") { db in
            try db.execute(
                sql: """
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
        m.registerMigration("v2: translations, form expiry, users, sessions, tokens, completions") { db in
            try db.execute(
                sql: """
                    -- Names in other languages: a JSON object {"ru": "…", "kk": "…"}.
                    ALTER TABLE org_unit ADD COLUMN translations TEXT;
                    ALTER TABLE data_element ADD COLUMN translations TEXT;
                    ALTER TABLE data_set ADD COLUMN translations TEXT;
                    ALTER TABLE indicator ADD COLUMN translations TEXT;
                    ALTER TABLE indicator ADD COLUMN target REAL;
                    ALTER TABLE data_set ADD COLUMN expiry_days INTEGER NOT NULL DEFAULT 0;

                    -- People who use Qorgan (staff, not the people the programme deals with): a login
                    -- name, a bcrypt hash, a role and the units whose subtrees they may see.
                    CREATE TABLE user_account (
                        id INTEGER PRIMARY KEY,
                        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
                        password_hash TEXT NOT NULL,
                        role TEXT NOT NULL,
                        language TEXT,
                        created INTEGER NOT NULL,
                        created_by TEXT NOT NULL,
                        disabled INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE user_unit (
                        user_id INTEGER NOT NULL REFERENCES user_account(id),
                        unit_uid TEXT NOT NULL,
                        PRIMARY KEY (user_id, unit_uid)
                    );
                    -- Sign-in sessions and API tokens are stored as SHA-256 hashes of their secrets.
                    CREATE TABLE user_session (
                        token_hash TEXT PRIMARY KEY,
                        user_id INTEGER NOT NULL REFERENCES user_account(id),
                        csrf TEXT NOT NULL,
                        created INTEGER NOT NULL,
                        expires INTEGER NOT NULL
                    );
                    CREATE TABLE api_token (
                        id INTEGER PRIMARY KEY,
                        token_hash TEXT NOT NULL UNIQUE,
                        user_id INTEGER NOT NULL REFERENCES user_account(id),
                        name TEXT NOT NULL,
                        created INTEGER NOT NULL,
                        last_used INTEGER,
                        revoked INTEGER NOT NULL DEFAULT 0
                    );
                    -- Every change to users and tokens, and every sign-in and refused sign-in.
                    CREATE TABLE security_audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT
                    );
                    -- A form marked complete for a unit and period (soft: un-completing sets deleted).
                    CREATE TABLE completion (
                        data_set_uid TEXT NOT NULL, period TEXT NOT NULL, unit_uid TEXT NOT NULL,
                        completed_by TEXT NOT NULL, completed_at INTEGER NOT NULL,
                        deleted INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (data_set_uid, period, unit_uid)
                    );
                    CREATE TABLE completion_audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        data_set_uid TEXT NOT NULL, period TEXT NOT NULL, unit_uid TEXT NOT NULL,
                        action TEXT NOT NULL, changed_by TEXT NOT NULL, changed_at INTEGER NOT NULL
                    );
                    """)
        }
        m.registerMigration("v3: incident register") { db in
            try db.execute(
                sql: """
                    -- Attacks and foiled plots: events, not people. Deletion is soft; every change is
                    -- kept whole in incident_audit. Dates carry their precision (month and day may be NULL).
                    ALTER TABLE data_element ADD COLUMN derived_from TEXT;
                    CREATE TABLE incident (
                        uid TEXT PRIMARY KEY,
                        year INTEGER NOT NULL, month INTEGER, day INTEGER,
                        unit_uid TEXT NOT NULL,
                        place_name TEXT, latitude REAL, longitude REAL,
                        outcome TEXT NOT NULL,
                        attack_type INTEGER NOT NULL, target_type INTEGER NOT NULL, weapon_type INTEGER NOT NULL,
                        killed INTEGER, wounded INTEGER,
                        property_damage TEXT NOT NULL, property_extent INTEGER, claimed TEXT NOT NULL,
                        summary TEXT NOT NULL, sources TEXT NOT NULL,
                        illustrative INTEGER NOT NULL DEFAULT 0,
                        gtd_event_id TEXT UNIQUE,
                        deleted INTEGER NOT NULL DEFAULT 0,
                        created INTEGER NOT NULL, created_by TEXT NOT NULL,
                        last_updated INTEGER NOT NULL, last_updated_by TEXT NOT NULL
                    );
                    CREATE INDEX incident_cell ON incident(unit_uid, year, month);
                    CREATE TABLE incident_audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        incident_uid TEXT NOT NULL, action TEXT NOT NULL, snapshot TEXT NOT NULL,
                        changed_by TEXT NOT NULL, changed_at INTEGER NOT NULL
                    );
                    CREATE INDEX incident_audit_uid ON incident_audit(incident_uid, id);
                    """)
        }
        m.registerMigration("v4: readiness assessments, vulnerable sites") { db in
            try db.execute(
                sql: """
                    -- Checklists, one row per version, the whole instrument as JSON. A version that an
                    -- assessment uses is frozen (the store refuses to change it).
                    CREATE TABLE instrument (
                        code TEXT NOT NULL, version INTEGER NOT NULL, document TEXT NOT NULL,
                        created INTEGER NOT NULL, created_by TEXT NOT NULL,
                        PRIMARY KEY (code, version)
                    );
                    -- An office assessed: its answers as JSON, its readiness in percent, the assessor's role.
                    CREATE TABLE assessment (
                        uid TEXT PRIMARY KEY, unit_uid TEXT NOT NULL, date TEXT NOT NULL,
                        instrument_code TEXT NOT NULL, instrument_version INTEGER NOT NULL,
                        assessor_role TEXT NOT NULL, scores TEXT NOT NULL, readiness REAL NOT NULL,
                        deleted INTEGER NOT NULL DEFAULT 0,
                        created INTEGER NOT NULL, created_by TEXT NOT NULL, last_updated INTEGER NOT NULL, last_updated_by TEXT NOT NULL,
                        FOREIGN KEY (instrument_code, instrument_version) REFERENCES instrument(code, version)
                    );
                    CREATE INDEX assessment_cell ON assessment(unit_uid, date);
                    -- Places vulnerable to terrorism: what protects them, never how they are built.
                    CREATE TABLE site (
                        uid TEXT PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, sector TEXT,
                        unit_uid TEXT NOT NULL, peak_occupancy INTEGER NOT NULL, responsible_role TEXT NOT NULL,
                        status TEXT NOT NULL, registered TEXT NOT NULL, closed TEXT,
                        security_plan_status TEXT NOT NULL, security_plan_date TEXT,
                        deleted INTEGER NOT NULL DEFAULT 0,
                        created INTEGER NOT NULL, created_by TEXT NOT NULL, last_updated INTEGER NOT NULL, last_updated_by TEXT NOT NULL
                    );
                    CREATE INDEX site_unit ON site(unit_uid);
                    -- An inspection: findings per required measure and prescriptions, as JSON.
                    CREATE TABLE inspection (
                        uid TEXT PRIMARY KEY, site_uid TEXT NOT NULL REFERENCES site(uid), date TEXT NOT NULL, kind TEXT NOT NULL,
                        findings TEXT NOT NULL, prescriptions TEXT NOT NULL,
                        deleted INTEGER NOT NULL DEFAULT 0,
                        created INTEGER NOT NULL, created_by TEXT NOT NULL, last_updated INTEGER NOT NULL, last_updated_by TEXT NOT NULL
                    );
                    CREATE INDEX inspection_site ON inspection(site_uid, date);
                    -- Every change to assessments, sites and inspections, whole.
                    CREATE TABLE record_audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL, uid TEXT NOT NULL, action TEXT NOT NULL, snapshot TEXT NOT NULL,
                        changed_by TEXT NOT NULL, changed_at INTEGER NOT NULL
                    );
                    CREATE INDEX record_audit_uid ON record_audit(kind, uid, id);
                    """)
        }
        m.registerMigration("v5: change log") { db in
            try db.execute(
                sql: """
                    -- Every commit that changes something a reader keeps in memory (values, metadata,
                    -- registers, the framework), numbered in commit order, written in the commit's own
                    -- transaction. Readers in any process apply what they have not seen. AUTOINCREMENT:
                    -- a number is never reused, even after old entries are pruned. `kind_mask` has a bit
                    -- per ChangeKind; `changes` packs the values changed (see ChangeLog.swift): one
                    -- entry holds at most ChangeLog.chunk values, a larger commit writes several.
                    CREATE TABLE change_log (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL,
                        kind_mask INTEGER NOT NULL,
                        value_count INTEGER NOT NULL,
                        changes BLOB
                    );
                    -- The log's start: every entry up to and including change_log_floor may be pruned.
                    INSERT INTO setting(key, value) VALUES ('change_log_floor', '0')
                        ON CONFLICT(key) DO NOTHING;
                    -- Names this database: a saved engine snapshot belongs to one database only.
                    INSERT INTO setting(key, value) VALUES ('database_id', lower(hex(randomblob(16))))
                        ON CONFLICT(key) DO NOTHING;
                    """)
        }
        m.registerMigration("v6: API token expiry, DHIS2's dates of FinancialNov and bi-weeks") { db in
            // A token may end on its own: NULL never expires (as before), else Unix milliseconds.
            try db.execute(sql: "ALTER TABLE api_token ADD COLUMN expires INTEGER")
            // DHIS2 names a November financial year by the year it ends in (2017Nov starts in
            // November 2016), and bi-week 27 of a 53-week year lasts 14 days: stored dates follow.
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, iso FROM period WHERE period_type IN ('FinancialNov', 'BiWeekly')")
            for row in rows {
                let iso: String = row["iso"]
                guard let p = Period.parse(iso) else { continue }
                try db.execute(
                    sql: "UPDATE period SET start_date = ?, end_date = ? WHERE id = ?",
                    arguments: [p.start.description, p.end.description, row["id"] as Int64])
            }
        }
        m.registerMigration("v7: validation rules, completion comments") { db in
            try db.execute(
                sql: """
                    -- A validation rule, whole, as its JSON (its expressions refer to other metadata by code
                    -- or uid, so it has no foreign keys).
                    CREATE TABLE validation_rule (
                        id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL UNIQUE,
                        definition TEXT NOT NULL
                    );
                    -- Why a form was completed despite a medium or low importance violation.
                    ALTER TABLE completion ADD COLUMN comment TEXT;
                    ALTER TABLE completion_audit ADD COLUMN comment TEXT;
                    """)
        }
        m.registerMigration("v8: data approval") { db in
            try db.execute(
                sql: """
                    -- A form's data for a unit and period, signed off up to `level` (1: the nation).
                    -- Withdrawn (returned, unapproved): deleted = 1, kept.
                    CREATE TABLE approval (
                        data_set_uid TEXT NOT NULL, period TEXT NOT NULL, unit_uid TEXT NOT NULL,
                        level INTEGER NOT NULL, approved_by TEXT NOT NULL, approved_at INTEGER NOT NULL,
                        deleted INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (data_set_uid, period, unit_uid)
                    );
                    -- Every step: APPROVE, ACCEPT, RETURN (with its reason), UNAPPROVE.
                    CREATE TABLE approval_audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        data_set_uid TEXT NOT NULL, period TEXT NOT NULL, unit_uid TEXT NOT NULL,
                        action TEXT NOT NULL, level INTEGER, reason TEXT,
                        changed_by TEXT NOT NULL, changed_at INTEGER NOT NULL
                    );
                    CREATE INDEX approval_audit_key ON approval_audit(data_set_uid, period, unit_uid, id);
                    """)
        }
        m.registerMigration("v9: min-max bounds") { db in
            try db.execute(
                sql: """
                    -- The usual range of one element (and combination) in one unit, set by hand or
                    -- generated from its history; values outside it are outliers (MIN_MAX_VALUES).
                    CREATE TABLE min_max_value (
                        element_uid TEXT NOT NULL, coc_uid TEXT NOT NULL, unit_uid TEXT NOT NULL,
                        min REAL NOT NULL, max REAL NOT NULL, generated INTEGER NOT NULL,
                        updated_by TEXT NOT NULL, updated_at INTEGER NOT NULL,
                        PRIMARY KEY (element_uid, coc_uid, unit_uid)
                    );
                    """)
        }
        m.registerMigration("v10: translated categories, options and levels") { db in
            // Breakdowns (target group, sex, channel) are named in the user's language too.
            try db.execute(sql: "ALTER TABLE category ADD COLUMN translations TEXT")
            try db.execute(sql: "ALTER TABLE category_option ADD COLUMN translations TEXT")
            try db.execute(sql: "ALTER TABLE org_unit_level ADD COLUMN translations TEXT")
        }
        m.registerMigration("v11: records' texts in other languages") { db in
            // Kazakhstan keeps official records in Kazakh and Russian: an incident's, a site's and an
            // assessment's free texts may carry their translations (JSON: language → field → text).
            try db.execute(sql: "ALTER TABLE incident ADD COLUMN translations TEXT")
            try db.execute(sql: "ALTER TABLE site ADD COLUMN translations TEXT")
            try db.execute(sql: "ALTER TABLE assessment ADD COLUMN translations TEXT")
        }
        m.registerMigration("v12: sign-in failures in the database") { db in
            // Throttling holds across servers: five failures are five, whichever server received them.
            try db.execute(
                sql: """
                    CREATE TABLE sign_in_failure (key TEXT NOT NULL, at INTEGER NOT NULL);
                    CREATE INDEX sign_in_failure_key ON sign_in_failure(key, at);
                    """)
        }
        m.registerMigration("v13: units' shapes, for maps") { db in
            // GeoJSON, as DHIS2's organisation units keep it.
            try db.execute(sql: "ALTER TABLE org_unit ADD COLUMN geometry TEXT")
        }
        m.registerMigration("v14: favourites, dashboards and interpretations") { db in
            // What analysts keep (DHIS2's visualizations and dashboards), whole as JSON, and the
            // comments others read on them. Deletion is soft; every change is in record_audit.
            try db.execute(
                sql: """
                    CREATE TABLE favourite (
                        uid TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, shared INTEGER NOT NULL,
                        body TEXT NOT NULL, updated_at INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX favourite_owner ON favourite(kind, owner);
                    CREATE TABLE interpretation (
                        uid TEXT PRIMARY KEY, favourite TEXT NOT NULL, parent TEXT, author TEXT NOT NULL,
                        text TEXT NOT NULL, created_at INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX interpretation_favourite ON interpretation(favourite, created_at);
                    """)
        }
        return m
    }
}
