#!/usr/bin/env python3
"""Writes Sources/QorganServer/Resources/openapi.json, the OpenAPI 3.1 description of
Qorgan's API. Edit this file, run it, commit both; RouteTests checks that the document and
the server's routes match, and calls every operation."""
import json, os

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def translations(*fields):
    """A record's texts in other languages: language → field → text."""
    return {"type": "object", "description": "The texts in other languages: language → field → text",
            "propertyNames": {"enum": ["en", "ru", "kk"]},
            "additionalProperties": {"type": "object", "additionalProperties": False, "properties": {
                f: {"type": "string", "minLength": 1, "maxLength": 4000, "pattern": "\\S"} for f in fields}}}
def q(name, desc, required=False, schema=None):
    # An empty parameter is refused like a missing one: the document says so.
    return {"name": name, "in": "query", "required": required, "description": desc, "schema": schema or {"type": "string", "minLength": 1}}
YEAR = {"type": "integer", "minimum": 1900, "maximum": 2100}
# The forms of DHIS2's period identifiers Qorgan reads, as patterns: years 1900–2100, months
# 01–12, days that exist (29 February is read in leap years; the pattern leaves it out), weeks
# 1–52 (a 53rd week is read in the years that have one), every fixed period type of DHIS2.
Y = "(19[0-9][0-9]|20[0-9][0-9]|2100)"
MD = "((0[13578]|1[02])(0[1-9]|[12][0-9]|3[01])|(0[469]|11)(0[1-9]|[12][0-9]|30)|02(0[1-9]|1[0-9]|2[0-8]))"
MD_DASH = MD.replace(")(0", ")-(0").replace("02(0", "02-(0")
PERIOD_RE = (Y + "(" + "|".join([
    "", "(0[1-9]|1[0-2])", MD, "-(0[1-9]|1[0-2])", "-" + MD_DASH, "(W|WedW|ThuW|FriW|SatW|SunW)([1-9]|[1-4][0-9]|5[0-2])",
    "BiW([1-9]|1[0-9]|2[0-6])", "(Nov)?Q[1-4]", "(April|Nov)?S[12]", "0[1-6]B", "Feb|April|July|Aug|Sep|Oct|Nov"]) + ")")
RELATIVE_RE = ("(TODAY|YESTERDAY|MONTHS_THIS_YEAR|QUARTERS_THIS_YEAR|(THIS|LAST)_(DAY|WEEK|BIWEEK|MONTH|BIMONTH|QUARTER|SIX_MONTH|YEAR|FINANCIAL_YEAR)"
               "|LAST_([1-9][0-9]?)_(DAY|WEEK|BIWEEK|MONTH|BIMONTH|QUARTER|SIX_MONTH|YEAR|FINANCIAL_YEAR)S)")
PERIOD = {"type": "string", "pattern": "^" + PERIOD_RE + "$", "maxLength": 16,
          "description": "A DHIS2 period identifier: 2017, 201703 or 2017-03, 20170315 or 2017-03-15, 2017W5, 2017BiW3, 2017Q1, 2017S1, 2017April, …"}
# Where a range is read too (FIRST..LAST, both of one type, FIRST not after LAST): the pattern
# gives single periods, for a range's order is more than a pattern can say.
PERIOD_OR_RANGE = {**PERIOD, "description": "A period, or a range FIRST..LAST of one type (2013..2017, 2016Q2..2017Q1)"}
DATE = {"type": "string", "pattern": "^" + Y + "-" + MD_DASH + "$", "description": "YYYY-MM-DD"}
PERIOD_TYPES = ["Daily", "Weekly", "WeeklyWednesday", "WeeklyThursday", "WeeklyFriday", "WeeklySaturday", "WeeklySunday", "BiWeekly",
                "Monthly", "BiMonthly", "Quarterly", "QuarterlyNov", "SixMonthly", "SixMonthlyApril", "SixMonthlyNov", "Yearly",
                "FinancialFeb", "FinancialApril", "FinancialJuly", "FinancialAug", "FinancialSep", "FinancialOct", "FinancialNov"]
AGGREGATION_TYPES = ["SUM", "AVERAGE", "AVERAGE_SUM_ORG_UNIT", "LAST", "LAST_IN_PERIOD", "MIN", "MAX", "COUNT", "NONE"]
# Codes and uids as patterns can say them: letters, digits and '_' (a code with other characters is read too).
CODE_RE = "[A-Za-z0-9_]{1,50}"
UNIT_RE = "(" + CODE_RE + "|LEVEL-[1-9][0-9]?(:" + CODE_RE + ")?|CHILDREN:" + CODE_RE + "|USER_ORGUNIT(_CHILDREN|_GRANDCHILDREN)?)"
DATA_RE = CODE_RE + "([.]" + CODE_RE + ")?"
def listed(item): return item + "(;" + item + ")*"
PERIODS_RE = listed("(" + PERIOD_RE + "|" + RELATIVE_RE + ")")
PERIODS = {"type": "string", "maxLength": 4000, "pattern": "^" + PERIODS_RE + "$",
           "description": "Periods or relative periods, ';'-separated; a range FIRST..LAST is read too"}
FLAG = {"type": "string", "enum": ["true", "false", "1", "0"]}
def p(name, desc):
    return {"name": name, "in": "path", "required": True, "description": desc, "schema": {"type": "string"}}
def ok(schema, desc="OK", status="200", ctype="application/json"):
    return {status: {"description": desc, "content": {ctype: {"schema": schema}}}}
def errors(*codes):
    text = {"400": "Bad input: the field is named in problems", "401": "Not signed in, or the token is unknown or revoked",
            "403": "Not allowed for this role, outside the caller's units, or a missing CSRF token",
            "404": "Not found (or outside the caller's units)", "409": "Conflict: a code or uid that names nothing (unknown_reference), the form is locked or approved, the object exists, (completion) a rule is broken, or (approval) the step does not fit the state",
            "413": "The body is larger than the operation takes",
            "503": "The database is busy with another writer (try again; nothing was changed), or a PDF was asked of a server without Chromium"}
    return {c: {"description": text[c], "content": {"application/json": {"schema": ref("Error")}}} for c in codes}
def body(schema, desc):
    return {"required": True, "description": desc, "content": {"application/json": {"schema": schema}}}
def op(summary, tag, responses, params=None, request=None, secured=True, opid=None):
    if "400" in responses and "409" not in responses: responses = {**responses, **errors("409")}
    o = {"summary": summary, "tags": [tag], "operationId": opid, "responses": responses}
    if params: o["parameters"] = params
    if request: o["requestBody"] = request
    if not secured: o["security"] = []
    return o

key_params = [q("de", "Data element (code or uid)", True), q("pe", "Period (DHIS2 identifier, e.g. 201703)", True, schema=PERIOD),
              q("ou", "Organisation unit (code or uid)", True), q("co", "Option combination (code or uid); the default when absent"),
              q("cc", "Attribute category combination (only the default exists)"),
              q("cp", "Attribute category options (only the default exists: leave out)"),
              q("ao", "Attribute option combination; the default when absent")]
FIELDS = q("fields", "DHIS2 field selection: id,name,parent[id,name], * , :identifiable, !code")
FORMAT2 = q("format", "json (default) or csv; or the path's suffix .json / .csv", schema={"type": "string", "enum": ["json", "csv"]})
FILTER_OPERATORS = "(!?(eq|like|ilike|[$]like|like[$]|[$]ilike|ilike[$]|in|token)|ne|neq|gt|ge|lt|le)"
FILTER = {"type": "string", "maxLength": 2000,
          "pattern": "^[.]*[^:.]+([.]+[^:.]+){0,9}[.]*:(" + FILTER_OPERATORS + ":.*|!?(null|empty)(:.*)?)$"}
LIST_PARAMS = [FIELDS, q("filter", "property:operator:value (eq, ne, like, ilike, in, null, gt, …); repeated: all hold (rootJunction=OR: any)", schema=FILTER),
               q("rootJunction", "AND (default) or OR", schema={"type": "string", "enum": ["AND", "OR"]}),
               q("order", "property:asc, :desc, :iasc or :idesc"),
               q("page", "Page number, from 1", schema={"type": "integer", "minimum": 1, "maximum": 1000000}),
               q("pageSize", "Objects per page (default 50)", schema={"type": "integer", "minimum": 1, "maximum": 100000}),
               q("paging", "false: every object, no pager", schema=FLAG), FORMAT2]
ID_SCHEMES = [q(n, d, schema={"type": "string", "enum": ["UID", "CODE", "NAME", "uid", "code", "name"]}) for n, d in [
    ("idScheme", "How references are written (read: uids and codes are always understood)"),
    ("dataElementIdScheme", "The scheme of data elements"), ("orgUnitIdScheme", "The scheme of units")]]

doc = {
  "openapi": "3.1.0",
  "info": {"title": "Qorgan API", "version": "1",
           "description": "Aggregate data of a prevention programme: metadata, data values, forms, analytics, audit, users and tokens. "
                          "Every request is limited to the caller's organisation units. Send an API token as 'Authorization: Bearer TOKEN' "
                          "(or 'ApiToken TOKEN'), or a user and password (HTTP Basic), as DHIS2's clients do; every /api path also answers "
                          "with DHIS2's version prefix (/api/40/…) and a .json or .csv suffix; "
                          "pages of the web application use a session cookie and must send the page's CSRF token (X-CSRF-Token) with every change."},
  "servers": [{"url": "/"}],
  "security": [{"bearer": []}, {"basic": []}, {"session": []}],
  "paths": {
    "/health": {"get": op("Liveness: the database answers; the number of values the engine holds", "system",
                          ok({"type": "object", "properties": {"status": {"type": "string"}, "values": {"type": "integer", "description": "Values in the analytics engine"}}}),
                          secured=False, opid="health") | {"responses": {**ok({"type": "object", "properties": {"status": {"type": "string"}, "values": {"type": "integer", "description": "Values in the analytics engine"}}}),
                          "401": {"description": "An Authorization header was sent and is wrong (none is needed)", "content": {"application/json": {"schema": ref("Error")}}}}}},
    "/metrics": {"get": op("Prometheus metrics: for administrators, and for a scraper sending the --metrics-token secret as a bearer token", "system",
                           {**ok({"type": "string"}, ctype="text/plain"), **errors("401", "403")}, opid="metrics")},
    "/api/openapi.json": {"get": op("This document", "system", ok({"type": "object"}), secured=False, opid="openapi")},
    "/api/me": {"get": op("The caller: Qorgan's fields (username, role, units, language) and DHIS2's (id, organisationUnits, userCredentials, authorities, settings)",
                          "users", {**ok(ref("User")), **errors("400", "401")}, params=[FIELDS], opid="me")},
    "/api/system/info": {"get": op("DHIS2's system information: version (2.NN, the DHIS2 Web API whose shapes Qorgan follows), revision, calendar, server date", "system",
                                   {**ok(ref("SystemInfo")), **errors("401")}, opid="systemInfo")},
    "/api/dataValues": {
      "get": op("One data value", "data", {**ok(ref("DataValue")), **errors("400", "401", "403", "404")}, params=key_params, opid="getValue"),
      "post": op("Save one data value (checked against its element's type; audited): a JSON body, or DHIS2's parameters de, pe, ou, co, cc, cp, value, comment", "data",
                 {**ok(ref("DataValue"), desc="Saved", status="201"), **errors("400", "401", "403", "404", "409")},
                 params=[q("de", "Data element, when the value comes as parameters"), q("pe", "Period", schema=PERIOD), q("ou", "Unit"), q("co", "Option combination"),
                         q("cc", "Attribute category combination"), q("cp", "Attribute options"), q("value", "The value"), q("comment", "A comment")],
                 request={"required": False, "description": "The value and its key (or leave out and send parameters)",
                          "content": {"application/json": {"schema": ref("DataValueInput")}}}, opid="saveValue"),
      "delete": op("Delete one data value (soft: it stays in the history)", "data",
                   {**ok(ref("DataValue")), **errors("400", "401", "403", "404", "409")}, params=key_params, opid="deleteValue"),
    },
    "/api/dataValueSets": {
      "get": op("Values of forms or elements, for periods (or startDate and endDate) and units (children=true: their subtrees), as JSON, CSV or ADX; "
                "one form, period and unit also gives its completion and lock", "data",
                {"200": {"description": "The values", "content": {"application/json": {"schema": ref("Form")}, "application/csv": {"schema": {"type": "string"}},
                         "application/adx+xml": {"schema": {"type": "string"}}}}, **errors("400", "401", "403")},
                params=[q("dataSet", "Form (code or uid); repeated or ';'-separated"), q("dataElement", "Data element (code or uid)"),
                        q("period", "Period (DHIS2 identifier)", schema=PERIOD), q("startDate", "First day (yyyy-MM-dd), with endDate", schema=DATE), q("endDate", "Last day", schema=DATE),
                        q("orgUnit", "Unit (code or uid)", True), q("children", "Also the units below", schema=FLAG),
                        q("includeDeleted", "Deleted values too", schema=FLAG), q("limit", "At most this many values", schema={"type": "integer", "minimum": 1, "maximum": 10000000}),
                        q("format", "json (default), csv or adx; or the path's suffix", schema={"type": "string", "enum": ["json", "csv", "adx"]})] + ID_SCHEMES,
                opid="getValueSet"),
      "post": op("Save a DHIS2 data value set (JSON, CSV as application/csv, or ADX as application/adx+xml): all or nothing; "
                 "DHIS2's import summary, 409 with the conflicts when any value is refused", "data",
                 {**ok(ref("ImportSummary")), "409": {"description": "Nothing imported: the conflicts, or a locked form",
                  "content": {"application/json": {"schema": ref("ImportSummary")}}}, **errors("400", "401", "403"),
                  "415": {"description": "XML that is not ADX", "content": {"application/json": {"schema": ref("Error")}}}},
                 params=[q("dryRun", "Check and count, change nothing", schema=FLAG),
                         q("importStrategy", "CREATE_AND_UPDATE (default) or DELETE", schema={"type": "string", "enum": ["CREATE_AND_UPDATE", "NEW_AND_UPDATES", "DELETE", "DELETES"]})] + ID_SCHEMES,
                 request={"required": True, "description": "A DHIS2 data value set", "content": {
                     "application/json": {"schema": ref("DataValueSet")}, "application/csv": {"schema": {"type": "string"}},
                     "application/adx+xml": {"schema": {"type": "string"}}}}, opid="saveValueSet"),
    },
    "/api/completions": {"post": op("Mark a form complete (or not) for a unit and period", "data",
        {**ok(ref("Form")), **errors("400", "401", "403", "409")}, request=body(ref("Completion"), "The form, period, unit and state"), opid="complete")},
    "/api/validation": {"get": op("Check the validation rules for units (each with its subtree) and a period or range, on the data as it is now. "
        "Each rule is checked for the units that enter its data (and units at its levels), for every period of its type", "validation",
        {"200": {"description": "The violations, the most important first", "content": {"application/json": {"schema": ref("ValidationResult")}, "text/csv": {"schema": {"type": "string"}}}},
         **errors("400", "401", "403")},
        params=[q("pe", "A period or range whose periods are checked (2017, 2016..2017)", True, schema=PERIOD_OR_RANGE),
                q("ou", "Units (code or uid), each with its subtree; the caller's units when absent"),
                q("rule", "Only these rules (code or uid); repeated or ';'-separated"), q("dataSet", "Only the rules of this form"),
                q("importance", "Only violations of this importance", schema={"type": "string", "enum": ["HIGH", "MEDIUM", "LOW", "high", "medium", "low"]}),
                FORMAT2], opid="validate")},
    "/api/validation/dataSet/{ds}": {"get": op("One form's rules for one unit and period, as DHIS2's data entry asks (the entry page shows them beside the grid)", "validation",
        {**ok(ref("FormValidation")), **errors("400", "401", "403")},
        params=[p("ds", "The form (code or uid)"), q("pe", "The period", True, schema=PERIOD), q("ou", "The unit (code or uid)", True)], opid="validateForm")},
    "/api/completeness": {"get": op("A form's completeness and timeliness for units (each with its subtree) and a period or range: expected, reported, "
        "complete and complete-on-time reports by unit and by period, and the reports that never arrived", "validation",
        {"200": {"description": "The counts", "content": {"application/json": {"schema": ref("Completeness")}, "text/csv": {"schema": {"type": "string"}}}},
         **errors("400", "401", "403")},
        params=[q("dataSet", "The form (code or uid)", True), q("pe", "A period or range (2017, 2013..2017)", True, schema=PERIOD_OR_RANGE),
                q("ou", "Units (code or uid), each with its subtree; the caller's units when absent"), FORMAT2], opid="completeness")},
    "/api/notifications": {"get": op("What needs the caller's attention, computed from the data as they are: forms due or overdue in their units, "
        "rules broken in data they entered, approvals waiting for them, prescriptions past due", "validation",
        {**ok({"type": "object", "properties": {"count": {"type": "integer"}, "notifications": {"type": "array", "items": {"type": "object",
          "properties": {"kind": {"type": "string", "enum": ["overdue", "due", "approval", "violation", "prescription"]}, "text": {"type": "string"},
          "link": {"type": "string"}, "period": {"type": ["string", "null"]}, "count": {"type": "integer"}}}}}}), **errors("401")}, opid="notifications")},
    "/api/outlierDetection": {"get": op("The largest outliers for units (each with its subtree) and a period or range, each value judged against its own series "
        "(the same unit, element and combination over periods of its type); DHIS2's outlier detection", "validation",
        {**ok(ref("Outliers")), **errors("400", "401", "403")},
        params=[q("pe", "A period or range whose values are judged (or startDate and endDate)", schema=PERIOD_OR_RANGE), q("startDate", "YYYY-MM-DD", schema=DATE), q("endDate", "YYYY-MM-DD", schema=DATE),
                q("ou", "Units (code or uid), each with its subtree; the caller's units when absent"), q("ds", "Only the elements of these forms"),
                q("de", "Only these elements"), q("algorithm", "MOD_Z_SCORE (default), Z_SCORE or MIN_MAX_VALUES", schema={"type": "string", "enum": ["MOD_Z_SCORE", "Z_SCORE", "MIN_MAX_VALUES"]}),
                q("threshold", "Scores above it are outliers (default 3.5, or 3 for Z_SCORE)", schema={"type": "number", "exclusiveMinimum": 0, "maximum": 99}),
                q("maxResults", "At most this many, the largest first (default 100)", schema={"type": "integer", "minimum": 1, "maximum": 10000})], opid="outliers")},
    "/api/outlierDetection/check": {"get": op("Whether a value would be far from the unit's own history (the entry page asks before saving)", "validation",
        {**ok({"type": "object"}), **errors("400", "401", "403")},
        params=key_params + [q("value", "The value to judge", True, schema={"type": "number"})], opid="outlierCheck")},
    "/api/dataEntry/form.xlsx": {
      "get": op("A form for a unit and period as a spreadsheet (XLSX) with its stored values, to fill offline: B1–B3 say form, unit and period; column C the values, column E their keys", "data",
        {"200": {"description": "The workbook", "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}},
         **errors("400", "401", "403")},
        params=[q("ds", "The form", True), q("ou", "The unit (one that reports on the form)", True), q("pe", "The period", True, schema=PERIOD)], opid="getFormWorkbook"),
      "post": op("A filled form's spreadsheet back: stored whole or not at all; each refused cell is named (cell C7) in problems; empty cells leave values as they are", "data",
        {"200": {"description": "What was stored", "content": {"application/json": {"schema": {"type": "object", "properties": {"imported": {"type": "integer"}, "updated": {"type": "integer"}, "unchanged": {"type": "integer"}, "deleted": {"type": "integer"}, "dryRun": {"type": "boolean"}}}}}},
         **errors("400", "401", "403", "409", "413")},
        request={"required": True, "description": "The .xlsx file as downloaded and filled, at most 5 MB (sent as application/octet-stream or with the XLSX media type: the file's content decides)",
                 "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        opid="uploadFormWorkbook")},
    "/api/dataValues/followup": {"put": op("Mark a stored value for follow-up, or clear the mark (audited; allowed on approved data)", "data",
        {**ok(ref("DataValue")), **errors("400", "401", "403", "404")}, request=body(ref("FollowUp"), "The value and the mark"), opid="followUp")},
    "/api/minMaxValues": {"post": op("Min–max bounds of one element (and combination) in one unit, set by hand", "validation",
        {**ok({"type": "object"}), **errors("400", "401", "403")}, request=body(ref("MinMax"), "The element, unit and bounds"), opid="setMinMax")},
    "/api/minMaxValues/generate": {"post": op("Generate min–max bounds from each series' history, for a form's elements in a unit's subtree", "validation",
        {**ok({"type": "object"}), **errors("400", "401", "403")}, request=body(ref("GenerateMinMax"), "The form and unit"), opid="generateMinMax")},
    "/api/dataApprovals": {
      "get": op("Where the sign-off of a form's data for a unit and period stands: level, who, when, what the caller may do next, and every step", "approval",
        {**ok(ref("Approval")), **errors("400", "401", "403")},
        params=[q("ds", "The form (code or uid)", True), q("pe", "The period", True, schema=PERIOD), q("ou", "The unit (code or uid)", True)], opid="getApproval"),
      "post": op("One approval step: approve (the unit's level or the one above; form complete, no high importance violation), accept (the level above), "
        "return (a level above, with a reason), unapprove (administrators), withdraw (the level of the last sign-off takes it back while the level above has not acted). Approved data are locked for entry", "approval",
        {**ok(ref("Approval")), **errors("400", "401", "403", "409")}, request=body(ref("ApprovalStep"), "The form, period, unit and step"), opid="approve")},
    "/api/dataApprovals/approvals": {"get": op("Where the sign-off of a form stands in every unit of a subtree and every period of a span: "
        "state (OPEN, READY, APPROVED, APPROVED_NATIONALLY), level, who, when, and the steps the caller may take (permissions); at most 5000 reports (409 beyond)", "approval",
        {**ok({"type": "array", "items": ref("ApprovalOverviewRow")}), **errors("400", "401", "403", "409")},
        params=[q("ds", "The form (code or uid)", True), q("pe", "A period (2017, 2017Q1, 201701; a range FIRST..LAST is read too); this year when absent", schema=PERIOD),
                q("ou", "The unit whose subtree is listed (code or uid); the caller's first unit when absent")], opid="listApprovals")},
    "/api/audits/dataValue": {"get": op("The history of one data value: who, when, old, new", "data",
        {**ok({"type": "array", "items": ref("AuditEntry")}), **errors("400", "401", "403")}, params=key_params, opid="valueHistory")},
    "/api/analytics": {"get": op("Query the analytics engine: data × periods × units, current the moment a value is saved. "
        "Qorgan's form (dx, pe, ou) answers with named headers and object rows; DHIS2's form (dimension=dx:…, filter=ou:…) with DHIS2's shape", "analytics",
        {"200": {"description": "The result", "content": {"application/json": {"schema": {"oneOf": [ref("AnalyticsResult"), ref("DHIS2AnalyticsResult")]}}, "text/csv": {"schema": {"type": "string"}},
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}},
         **errors("400", "401", "403")},
        params=[q("dx", "Data: indicators, elements, ELEMENT.COMBO operands; ';'-separated or repeated", schema={"type": "string", "pattern": "^" + listed(DATA_RE) + "$"}),
                q("pe", "Periods, ranges (2013..2017) or relative periods (LAST_5_YEARS)", schema=PERIODS),
                q("ou", "Units, LEVEL-n, LEVEL-n:UNIT, CHILDREN:UNIT, USER_ORGUNIT; a bare LEVEL-n means that level within the caller's units", schema={"type": "string", "pattern": "^" + listed(UNIT_RE) + "$"}),
                q("dimension", "DHIS2's form: dx:A;B, pe:2017;LAST_12_MONTHS, ou:LEVEL-2;KZ (a level within units), co; repeated, each dimension once", schema={"type": "string",
                  "pattern": "^(dx:" + listed(DATA_RE) + "|pe:" + PERIODS_RE + "|ou:" + listed(UNIT_RE) + "|co)$"}),
                q("co", "Break elements down by option combination", schema=FLAG),
                q("filter", "Taken together: a dimension name (dx, pe or ou), or DHIS2's form ou:A;B (a dimension not also given as dimension=)", schema={"type": "string",
                  "pattern": "^(dx|pe|ou|dx:" + listed(DATA_RE) + "|pe:" + PERIODS_RE + "|ou:" + listed(UNIT_RE) + ")$"}),
                q("startDate", "DHIS2's form: the first day of the data, with endDate (instead of pe)", schema=DATE), q("endDate", "The last day", schema=DATE),
                q("displayProperty", "NAME (default) or SHORTNAME", schema={"type": "string", "enum": ["NAME", "SHORTNAME"]}),
                q("outputIdScheme", "UID (default), CODE or NAME", schema={"type": "string", "enum": ["UID", "CODE", "NAME"]}),
                q("skipMeta", "DHIS2's form: leave metaData out", schema=FLAG), q("skipData", "DHIS2's form: leave rows out", schema=FLAG),
                q("columns", "DHIS2's form: dimensions of the columns (accepted; rows come flat)", schema={"type": "string", "pattern": "^" + listed("(dx|pe|ou|co)") + "$"}),
                q("rows", "Dimensions of the rows", schema={"type": "string", "pattern": "^" + listed("(dx|pe|ou|co)") + "$"}),
                q("periodType", "Split periods into this type (Monthly, Quarterly, Yearly, …); every period asked for must hold at least one", schema={"type": "string", "enum": PERIOD_TYPES}),
                q("aggregationType", "Override the aggregation (SUM, AVERAGE, LAST, …)", schema={"type": "string", "enum": AGGREGATION_TYPES}),
                q("numeratorDenominator", "Add numerator, denominator and factor of indicators", schema=FLAG),
                q("includeNumDen", "DHIS2's name of numeratorDenominator", schema=FLAG),
                q("format", "json (default), csv or xlsx; or the path's suffix .json / .csv", schema={"type": "string", "enum": ["json", "csv", "xlsx"]})],
        opid="analytics")},
    "/api/incidents": {
      "get": op("Incidents in the caller's units, with filters", "incidents", {**ok({"type": "array", "items": ref("IncidentOut")}), **errors("400", "401", "403")},
                params=[q("from", "From a date (YYYY, YYYY-MM, YYYY-MM-DD) or period", schema=PERIOD), q("to", "To a date or period", schema=PERIOD),
                        q("ou", "Within this unit's subtree"), q("outcome", "completed, failed, foiled or unknown", schema={"type": "string", "enum": ["completed", "failed", "foiled", "unknown"]}),
                        q("attackType", "GTD attack type", schema={"type": "integer", "minimum": 1, "maximum": 9}),
                        q("targetType", "GTD target type", schema={"type": "integer", "minimum": 1, "maximum": 22}),
                        q("deleted", "Include deleted incidents", schema=FLAG)], opid="listIncidents"),
      "post": op("Record an incident; its counts reach the indicators at once", "incidents",
                 {"201": {"description": "Recorded", "content": {"application/json": {"schema": ref("IncidentOut")}}}, **errors("400", "401", "403")},
                 request=body(ref("Incident"), "The incident (no personal data)"), opid="createIncident"),
    },
    "/api/incidents/codes": {"get": op("The GTD code lists and the outcomes", "incidents", {**ok({"type": "object"}), **errors("401")}, opid="incidentCodes")},
    "/api/incidents/{uid}": {
      "get": op("One incident and its history", "incidents", {**ok({"type": "object", "properties": {"incident": ref("IncidentOut"),
                "history": {"type": "array", "items": {"type": "object"}}}}), **errors("401", "403", "404")}, params=[p("uid", "The incident's uid")], opid="getIncident"),
      "put": op("Replace an incident (edit, move to another unit)", "incidents", {**ok(ref("IncidentOut")), **errors("400", "401", "403", "404")},
                params=[p("uid", "The incident's uid")], request=body(ref("Incident"), "The whole incident"), opid="updateIncident"),
      "delete": op("Delete an incident (soft: its history stays; its counts leave the indicators)", "incidents",
                   {"204": {"description": "Deleted"}, **errors("401", "403", "404", "409")}, params=[p("uid", "The incident's uid")], opid="deleteIncident"),
    },
    "/api/readiness/instruments": {
      "get": op("Readiness checklists, every version, and whether it is frozen", "readiness", {**ok({"type": "array", "items": {"type": "object"}}), **errors("401")}, opid="listInstruments"),
      "post": op("Add or replace a checklist version (administrators); a version in use is frozen (409)", "readiness",
                 {"201": {"description": "Saved", "content": {"application/json": {"schema": {"type": "object"}}}}, **errors("400", "401", "403", "409")},
                 request=body(ref("Instrument"), "The checklist"), opid="saveInstrument"),
    },
    "/api/readiness/instruments/{code}/derive": {"post": op("Derive the next version of a checklist (administrators)", "readiness",
        {"201": {"description": "Derived", "content": {"application/json": {"schema": {"type": "object"}}}}, **errors("401", "403", "404", "409")},
        params=[p("code", "The checklist's code")], opid="deriveInstrument")},
    "/api/readiness/assessments": {
      "get": op("Assessments in the caller's units", "readiness", {**ok({"type": "array", "items": {"type": "object"}}), **errors("400", "401", "403")},
                params=[q("ou", "Within this unit's subtree"), q("year", "Of this year", schema=YEAR)], opid="listAssessments"),
      "post": op("Record an assessment; the office's readiness for the year follows at once", "readiness",
                 {"201": {"description": "Recorded", "content": {"application/json": {"schema": {"type": "object"}}}}, **errors("400", "401", "403")},
                 request=body(ref("Assessment"), "The office, date, checklist version, assessor's role and an answer per item"), opid="createAssessment"),
    },
    "/api/readiness/assessments/{uid}": {
      "get": op("One assessment", "readiness", {**ok({"type": "object"}), **errors("401", "403", "404")}, params=[p("uid", "The assessment's uid")], opid="getAssessment"),
      "delete": op("Delete an assessment (soft)", "readiness", {"204": {"description": "Deleted"}, **errors("401", "403", "404")}, params=[p("uid", "The assessment's uid")], opid="deleteAssessment"),
    },
    "/api/readiness/gaps": {"get": op("The weakest items of the latest round and each region's change between two rounds", "readiness",
        {**ok({"type": "object"}), **errors("400", "401", "403")},
        params=[q("before", "The earlier round (year)", schema=YEAR), q("after", "The later round (year)", schema=YEAR),
                q("ou", "Within this unit")], opid="readinessGaps")},
    "/api/sites": {
      "get": op("Vulnerable sites in the caller's units", "sites", {**ok({"type": "array", "items": {"type": "object"}}), **errors("400", "401", "403")},
                params=[q("ou", "Within this unit's subtree"), q("category", "Of this category")], opid="listSites"),
      "post": op("Register a site", "sites", {"201": {"description": "Registered", "content": {"application/json": {"schema": {"type": "object"}}}}, **errors("400", "401", "403")},
                 request=body(ref("Site"), "The site (no plans of it)"), opid="createSite"),
    },
    "/api/sites/flags": {"get": op("Sites not inspected within the interval, and prescriptions past due", "sites", {**ok({"type": "object"}), **errors("400", "401", "403")},
        params=[q("on", "The day to judge on (YYYY-MM-DD; default today)", schema=DATE), q("ou", "Within this unit")], opid="siteFlags")},
    "/api/sites/config": {
      "get": op("The registry's categories, measures, tiers and inspection interval", "sites", {**ok({"type": "object"}), **errors("401")}, opid="getSiteConfig"),
      "put": op("Replace the registry's configuration (administrators)", "sites", {**ok({"type": "object"}), **errors("400", "401", "403")},
                request=body(ref("SiteConfiguration"), "The configuration"), opid="setSiteConfig"),
    },
    "/api/sites/{uid}": {
      "get": op("One site, its inspections and history", "sites", {**ok({"type": "object"}), **errors("401", "403", "404")}, params=[p("uid", "The site's uid")], opid="getSite"),
      "put": op("Replace a site (edit, move)", "sites", {**ok({"type": "object"}), **errors("400", "401", "403", "404")}, params=[p("uid", "The site's uid")],
                request=body(ref("Site"), "The whole site"), opid="updateSite"),
      "delete": op("Delete a site (soft)", "sites", {"204": {"description": "Deleted"}, **errors("401", "403", "404")}, params=[p("uid", "The site's uid")], opid="deleteSite"),
    },
    "/api/sites/{uid}/inspections": {"post": op("Record an inspection of a site", "sites",
        {"201": {"description": "Recorded", "content": {"application/json": {"schema": {"type": "object"}}}}, **errors("400", "401", "403", "404")},
        params=[p("uid", "The site's uid")], request=body(ref("Inspection"), "Date, kind, a finding per required measure, prescriptions"), opid="createInspection")},
    "/api/report": {"get": op("The programme report as data (json), Markdown, HTML, XLSX or PDF (PDF: printed by the server's Chromium; 503 without it)", "report",
        {"200": {"description": "The report", "content": {"application/json": {"schema": {"type": "object"}}, "text/markdown": {"schema": {"type": "string"}},
          "text/html": {"schema": {"type": "string"}}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
          "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
         **errors("400", "401", "403", "503")},
        params=[q("pe", "Periods (default: those of the report's figures)", schema=PERIODS), q("ou", "The unit (default: the caller's)"), q("lang", "en, ru or kk", schema={"type": "string", "enum": ["en", "ru", "kk"]}),
                q("edition", "full or public", schema={"type": "string", "enum": ["full", "public"]}), q("threshold", "Public edition: counts below it are hidden", schema={"type": "number", "minimum": 1, "maximum": 1000000}),
                q("approved", "Only data approved to the national level (and the registers'); the report says how many values were left out", schema=FLAG),
                q("format", "json (default), md, html, xlsx or pdf", schema={"type": "string", "enum": ["json", "md", "html", "xlsx", "pdf"]})], opid="report")},
    "/api/public/analytics": {"get": op("The public portal's figures, for anyone: /api/analytics (Qorgan's or DHIS2's form) on the published indicators, levels "
        "and single years only; every count protected by the cell-key method (docs/DISCLOSURE.md), shares computed from protected counts, rows with their "
        "protected numerator and denominator. Cacheable (ETag, Cache-Control)", "public",
        {"200": {"description": "The protected result", "content": {"application/json": {"schema": {"oneOf": [ref("AnalyticsResult"), ref("DHIS2AnalyticsResult")]}}, "text/csv": {"schema": {"type": "string"}},
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}},
         "304": {"description": "The client's copy (If-None-Match) is current"},
         "401": {"description": "An Authorization header was sent and is wrong (none is needed)", "content": {"application/json": {"schema": ref("Error")}}},
         **errors("400", "403", "404")},
        params=[q("dx", "Published indicators (codes or uids)", schema={"type": "string", "pattern": "^" + listed(CODE_RE) + "$"}),
                q("pe", "Published years", schema={"type": "string", "pattern": "^" + listed(Y) + "$"}),
                q("ou", "Units of published levels, or LEVEL-n", schema={"type": "string", "pattern": "^" + listed(UNIT_RE) + "$"}),
                q("dimension", "DHIS2's form: dx:A;B, pe:2016;2017, ou:LEVEL-2", schema={"type": "string",
                  "pattern": "^(dx:" + listed(CODE_RE) + "|pe:" + listed(Y) + "|ou:" + listed(UNIT_RE) + ")$"}),
                q("filter", "One item taken as a filter: a dimension name (Qorgan's form) or dx:A, pe:2016, ou:A", schema={"type": "string",
                  "pattern": "^(dx|pe|ou|dx:" + CODE_RE + "|pe:" + Y + "|ou:" + UNIT_RE + ")$"}),
                q("displayProperty", "NAME (default) or SHORTNAME", schema={"type": "string", "enum": ["NAME", "SHORTNAME"]}),
                q("outputIdScheme", "UID (default), CODE or NAME", schema={"type": "string", "enum": ["UID", "CODE", "NAME"]}),
                q("skipMeta", "DHIS2's form: leave metaData out", schema=FLAG), q("skipData", "DHIS2's form: leave rows out", schema=FLAG),
                q("includeNumDen", "DHIS2's form: add the protected numerator, denominator and factor", schema=FLAG),
                q("lang", "Language of the names: en, ru or kk (any other: the browser's, else English)"),
                q("format", "json (default), csv or xlsx; or the path's suffix .json / .csv", schema={"type": "string", "enum": ["json", "csv", "xlsx"]})],
        secured=False, opid="publicAnalytics")},
    "/api/public/metadata": {"get": op("What the public portal publishes: indicators, levels, units, years and the protection's parameters, for anyone", "public",
        {**ok({"type": "object", "required": ["indicators", "levels", "units", "years", "protection"]}), "304": {"description": "The client's copy is current"},
         "401": {"description": "An Authorization header was sent and is wrong (none is needed)", "content": {"application/json": {"schema": ref("Error")}}},
         **errors("400")},
        params=[q("lang", "Language of the names: en, ru or kk (any other: the browser's, else English)")],
        secured=False, opid="publicMetadata")},
    "/api/publication": {
      "get": op("What the public portal publishes (signed-in users)", "public", {**ok(ref("Publication")), **errors("401")}, opid="getPublication"),
      "put": op("Set what the public portal publishes (national administrators; audited, checked against the metadata: only sums of counts can be published)", "public",
                {**ok({"type": "object", "properties": {"version": {"type": "integer"}, "publication": ref("Publication")}}), **errors("400", "401", "403", "409")},
                request=body(ref("Publication"), "The publication"), opid="setPublication"),
    },
    "/api/framework": {
      "get": op("The results framework", "report", {**ok({"type": "object"}), **errors("401", "404")}, opid="getFramework"),
      "put": op("Replace the results framework (administrators; every version is kept)", "report", {**ok({"type": "object"}), **errors("400", "401", "403")},
                request=body(ref("ResultsFramework"), "The framework"), opid="setFramework"),
    },
    "/api/users": {
      "get": op("Users whose units lie within the administrator's", "users", {**ok({"type": "array", "items": ref("User")}), **errors("401", "403")}, opid="listUsers"),
      "post": op("Create a user (administrators)", "users", {"201": {"description": "Created", "content": {"application/json": {"schema": ref("User")}}},
                 **errors("400", "401", "403", "409")}, request=body(ref("NewUser"), "The user"), opid="createUser"),
    },
    "/api/users/{username}": {"patch": op("Change a user's role, units, password, language or state (administrators)", "users",
        {**ok(ref("User")), **errors("400", "401", "403", "404", "409")}, params=[p("username", "The user name")],
        request=body(ref("UserChange"), "What to change"), opid="updateUser")},
    "/api/tokens": {
      "get": op("The caller's API tokens (all tokens, for administrators)", "users", {**ok({"type": "array", "items": ref("Token")}), **errors("401")}, opid="listTokens"),
      "post": op("Create an API token for the caller; its secret is in this answer only", "users",
                 {"201": {"description": "Created", "content": {"application/json": {"schema": ref("NewToken")}}}, **errors("400", "401")},
                 request=body({"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S"},
                     "expiresInDays": {"type": "integer", "minimum": 1, "maximum": 3650, "description": "Days until it stops working by itself; absent: until revoked. Never beyond the end of the token, or of the session (unless `password` is given), that asks for it"},
                     "password": {"type": "string", "maxLength": 1024, "description": "The caller's password, given again in a session: without it the token ends with the session"}}},
                     "What the token is for, and how long it lasts"), opid="createToken"),
    },
    "/api/tokens/{id}": {"delete": op("Revoke an API token", "users", {"204": {"description": "Revoked"}, **errors("400", "401", "403", "404")},
                                      params=[{**p("id", "The token's number"), "schema": {"type": "integer", "minimum": 1}}], opid="revokeToken")},
  },
  "components": {
    "securitySchemes": {
      "bearer": {"type": "http", "scheme": "bearer", "description": "An API token from /api/tokens or 'qorgan users token' (DHIS2's clients may send it as 'Authorization: ApiToken TOKEN')"},
      "basic": {"type": "http", "scheme": "basic", "description": "A user name and password, as DHIS2's clients send them; throttled like the sign-in page"},
      "session": {"type": "apiKey", "in": "cookie", "name": "qorgan_session", "description": "The web application's session; changes also need the X-CSRF-Token header"},
    },
    "schemas": {
      "Error": {"type": "object", "required": ["status", "code", "message", "problems"], "properties": {
        "status": {"type": "integer"}, "code": {"type": "string", "description": "Stable: bad_request, rejected, unknown_reference, unauthorized, invalid_token, throttled, forbidden, out_of_scope, csrf, not_found, conflict, form_locked"},
        "httpStatus": {"type": "string"}, "httpStatusCode": {"type": "integer"},
        "message": {"type": "string"}, "problems": {"type": "array", "items": ref("Problem")}}},
      "ApprovalOverviewRow": {"type": "object", "required": ["dataSet", "period", "orgUnit", "state", "permissions"], "properties": {
        "dataSet": {"type": "string"}, "period": {"type": "string"}, "orgUnit": {"type": "string"}, "orgUnitCode": {"type": "string"},
        "orgUnitName": {"type": "string"}, "state": {"type": "string", "enum": ["OPEN", "READY", "APPROVED", "APPROVED_NATIONALLY"]},
        "complete": {"type": "boolean"}, "approvedLevel": {"type": ["integer", "null"]}, "approvedBy": {"type": ["string", "null"]},
        "approvedAt": {"type": ["string", "null"]}, "permissions": {"type": "object", "additionalProperties": {"type": "boolean"}}}},
      "Problem": {"type": "object", "required": ["reason"], "properties": {"line": {"type": "integer"}, "object": {"type": "string"},
        "field": {"type": "string"}, "value": {"type": "string"}, "reason": {"type": "string"},
        "code": {"type": "string", "description": "The kind of problem, for a client to say in its own language: notNumber, notWhole, tooLarge, negative, over100, notBoolean, tooLong, duplicate, closed, approved, outOfScope, noCode, notInForm"}}},
      "Incident": {"type": "object", "required": ["date", "unit", "outcome"],
        "allOf": [{"if": {"required": ["latitude"], "properties": {"latitude": {"type": "number"}}}, "then": {"required": ["longitude"], "properties": {"longitude": {"type": "number"}}}},
                  {"if": {"required": ["longitude"], "properties": {"longitude": {"type": "number"}}}, "then": {"required": ["latitude"], "properties": {"latitude": {"type": "number"}}}},
                  {"if": {"required": ["propertyExtent"], "properties": {"propertyExtent": {"type": "integer"}}}, "then": {"required": ["propertyDamage"], "properties": {"propertyDamage": {"const": "yes"}}}},
                  {"if": {"required": ["outcome"], "properties": {"outcome": {"const": "foiled"}}}, "then": {"properties": {"killed": {"enum": [0, None]}, "wounded": {"enum": [0, None]}}}}],
        "properties": {
        "date": {"type": "string", "pattern": "^" + Y + "(-(0[1-9]|1[0-2])|-" + MD_DASH + ")?$", "description": "YYYY, YYYY-MM or YYYY-MM-DD: as precisely as known; not after today"},
        "unit": {"type": "string", "description": "A unit of any level (code or uid), open on the date"}, "placeName": {"type": "string", "maxLength": 200},
        "latitude": {"type": "number", "minimum": -90, "maximum": 90}, "longitude": {"type": "number", "minimum": -180, "maximum": 180},
        "outcome": {"type": "string", "enum": ["completed", "failed", "foiled", "unknown"]},
        "attackType": {"type": "integer", "minimum": 1, "maximum": 9}, "targetType": {"type": "integer", "minimum": 1, "maximum": 22},
        "weaponType": {"type": "integer", "minimum": 1, "maximum": 13},
        "killed": {"type": ["integer", "null"], "minimum": 0, "description": "null or absent: not known"}, "wounded": {"type": ["integer", "null"], "minimum": 0},
        "propertyDamage": {"type": "string", "enum": ["yes", "no", "unknown"]}, "propertyExtent": {"type": "integer", "minimum": 1, "maximum": 4},
        "claimed": {"type": "string", "enum": ["yes", "no", "unknown"]},
        "summary": {"type": "string", "maxLength": 2000, "description": "Not for personal data"},
        "sources": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "\\S", "description": "A citation"}},
        "illustrative": {"type": "boolean"}, "gtdEventId": {"type": "string"},
        "translations": translations("placeName", "summary", "sources")}},
      "IncidentOut": {"allOf": [ref("Incident"), {"type": "object", "properties": {"uid": {"type": "string"}, "unitCode": {"type": "string"},
        "unitName": {"type": "string"}, "deleted": {"type": "boolean"}, "created": {"type": "string"}, "createdBy": {"type": "string"},
        "lastUpdated": {"type": "string"}, "lastUpdatedBy": {"type": "string"}, "labels": {"type": "object"}}}]},
      "Instrument": {"type": "object", "required": ["code", "version", "name", "sections"], "properties": {"code": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,50}$"},
        "version": {"type": "integer", "minimum": 1, "maximum": 1000000}, "name": {"type": "string", "minLength": 1}, "derivedFrom": {"type": ["string", "null"]},
        "sections": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["code", "name", "items"], "properties": {"code": {"type": "string"}, "name": {"type": "string"},
          "items": {"type": "array", "minItems": 1, "description": "Item codes are unique in an instrument",
            "items": {"type": "object", "required": ["code", "text", "weight", "scale"], "properties": {"code": {"type": "string", "minLength": 1}, "text": {"type": "string", "minLength": 1},
            "weight": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000000}, "scale": {"type": "string", "enum": ["yes-no", "0-4", "PSMU"]}}}}}}}}},
      "Assessment": {"type": "object", "required": ["unit", "date", "instrument", "version", "assessorRole", "scores"], "properties": {
        "unit": {"type": "string"}, "date": DATE, "instrument": {"type": "string"}, "version": {"type": "integer", "minimum": 1},
        "assessorRole": {"type": "string", "pattern": "\\S", "description": "A role, never a name"},
        "translations": translations("assessorRole"),
        "scores": {"type": "array", "description": "Every item of the checklist once", "items": {"type": "object", "required": ["item", "answer"], "properties": {"item": {"type": "string"},
          "answer": {"type": "string", "description": "yes/no, 0–4, P/S/M/U, or NA"}, "evidence": {"type": "string"}}}}}},
      "Site": {"type": "object", "required": ["name", "category", "unit", "peakOccupancy", "responsibleRole", "registered"],
        "if": {"required": ["planStatus"], "properties": {"planStatus": {"enum": ["draft", "approved", "expired"]}}}, "then": {"required": ["planDate"], "properties": {"planDate": DATE}},
        "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"}, "category": {"type": "string", "description": "A category of the registry's configuration"},
        "sector": {"type": ["string", "null"]}, "unit": {"type": "string"},
        "peakOccupancy": {"type": "integer", "minimum": 0}, "responsibleRole": {"type": "string", "pattern": "\\S"}, "registered": DATE,
        "closed": {**DATE, "description": "Not before registered"},
        "planStatus": {"type": "string", "enum": ["none", "draft", "approved", "expired"], "description": "The anti-terrorist protection passport"},
        "planDate": DATE, "translations": translations("name", "sector", "responsibleRole")}},
      "Inspection": {"type": "object", "required": ["date", "kind", "findings"], "properties": {"date": DATE,
        "kind": {"type": "string", "enum": ["planned", "unannounced"]},
        "findings": {"type": "object", "additionalProperties": {"type": "string", "enum": ["in-place", "partial", "missing"]}},
        "prescriptions": {"type": "array", "items": {"type": "object", "required": ["text", "due"], "properties": {"text": {"type": "string", "pattern": "\\S"}, "due": DATE, "closed": DATE,
          "translations": translations("text")}}}}},
      "SiteConfiguration": {"type": "object", "required": ["measures", "categories", "tiers", "inspectionIntervalMonths"], "properties": {
        "measures": {"type": "array", "description": "Codes unique", "items": {"type": "object", "required": ["code", "name"], "properties": {
          "code": {"type": "string", "pattern": "\\S", "description": "Given, and unique in its list"}, "name": {"type": "string"}, "translations": {"type": "object", "additionalProperties": {"type": "string"}}}}},
        "categories": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["code", "name", "measures"], "properties": {
          "code": {"type": "string", "pattern": "\\S", "description": "Given, and unique in its list"}, "name": {"type": "string"}, "measures": {"type": "array", "description": "Codes of measures of this configuration", "items": {"type": "string"}},
          "translations": {"type": "object", "additionalProperties": {"type": "string"}}}}},
        "tiers": {"type": "array", "minItems": 1, "contains": {"type": "object", "required": ["from"], "properties": {"from": {"const": 0}}},
          "description": "One tier starts from 0", "items": {"type": "object", "required": ["code", "name", "from"], "properties": {
          "code": {"type": "string", "pattern": "\\S", "description": "Given, and unique in its list"}, "name": {"type": "string"}, "from": {"type": "integer", "minimum": 0}, "translations": {"type": "object", "additionalProperties": {"type": "string"}}}}},
        "inspectionIntervalMonths": {"type": "integer", "minimum": 1, "maximum": 1200}}},
      "Publication": {"type": "object", "required": ["indicators", "levels", "fromYear", "threshold"], "additionalProperties": False, "properties": {
        "indicators": {"type": "array", "maxItems": 200, "items": {"type": "string", "minLength": 1}, "description": "Indicators (codes or uids) whose numerator and denominator are sums of counts"},
        "levels": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 20}, "description": "Hierarchy levels published"},
        "fromYear": YEAR, "toYear": {**YEAR, "type": ["integer", "null"], "description": "The last year published; absent or null: the last year that has ended"},
        "threshold": {"type": "integer", "minimum": 3, "maximum": 1000, "description": "Counts 1 … threshold − 1 are never published"},
        "report": {"type": ["boolean", "null"], "description": "The report's public edition on the portal (/public/report), every count protected; needs level 1; absent or null: false"}}},
      "ResultsFramework": {"type": "object", "required": ["programme", "goals"], "properties": {
        "programme": {"type": "string", "minLength": 1},
        "goals": {"type": "array", "description": "Codes of goals, outcomes and outputs are unique in the framework", "items": {"type": "object", "required": ["code", "name", "outcomes"], "properties": {
          "code": {"type": "string"}, "name": {"type": "string"}, "outcomes": {"type": "array", "items": {"type": "object", "required": ["code", "name", "indicators", "outputs"], "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "indicators": {"type": "array", "items": ref("FrameworkIndicator")},
            "outputs": {"type": "array", "items": {"type": "object", "required": ["code", "name", "indicators"], "properties": {
              "code": {"type": "string"}, "name": {"type": "string"}, "indicators": {"type": "array", "items": ref("FrameworkIndicator")}}}}}}}}}},
        "translations": {"type": ["object", "null"], "description": "language → English text → translation", "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}}}},
      "FrameworkIndicator": {"type": "object", "required": ["indicator", "definition", "baseline", "targets", "meansOfVerification", "frequency", "responsibleUnit"], "properties": {
        "indicator": {"type": "string", "description": "An indicator (code or uid)"}, "definition": {"type": "string"},
        "baseline": {"type": "object", "required": ["value", "period"], "properties": {"value": {"type": "number"}, "period": PERIOD_OR_RANGE}},
        "targets": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["period", "value"], "properties": {"period": PERIOD_OR_RANGE, "value": {"type": "number"}, "unit": {"type": "string"}}}},
        "meansOfVerification": {"type": "string"}, "frequency": {"type": "string"}, "responsibleUnit": {"type": "string", "description": "A unit (code or uid)"},
        "higherIsBetter": {"type": "boolean"}}},
      "Role": {"type": "string", "enum": ["administrator", "analyst", "data-entry", "viewer", "approver"]},
      "User": {"type": "object", "properties": {"username": {"type": "string"}, "role": ref("Role"),
        "units": {"type": "array", "items": {"type": "string"}}, "language": {"type": ["string", "null"], "description": "The language the user chose; null: the browser's"}, "disabled": {"type": "boolean"}}},
      "NewUser": {"type": "object", "required": ["username", "password", "role", "units"], "properties": {"username": {"type": "string"},
        "password": {"type": "string", "minLength": 8}, "role": ref("Role"), "units": {"type": "array", "minItems": 1, "items": {"type": "string"}}, "language": {"type": "string", "enum": ["en", "ru", "kk"]}}},
      "UserChange": {"type": "object", "properties": {"role": ref("Role"), "units": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "password": {"type": "string", "minLength": 8}, "language": {"type": "string", "enum": ["en", "ru", "kk"]}, "disabled": {"type": "boolean"}}},
      "Token": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "username": {"type": "string"},
        "created": {"type": "string"}, "lastUsed": {"type": "string"}, "revoked": {"type": "boolean"}, "expires": {"type": "string"}}},
      "NewToken": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "token": {"type": "string"}, "expires": {"type": "string"}}},
      "SystemInfo": {"type": "object", "properties": {"version": {"type": "string"}, "revision": {"type": "string"}, "calendar": {"type": "string"},
        "dateFormat": {"type": "string"}, "serverDate": {"type": "string"}, "systemName": {"type": "string"}, "systemId": {"type": "string"}}},
      "Pager": {"type": "object", "properties": {"page": {"type": "integer"}, "pageCount": {"type": "integer"}, "total": {"type": "integer"},
        "pageSize": {"type": "integer"}, "nextPage": {"type": "string"}, "prevPage": {"type": "string"}}},
      "MetadataObject": {"type": "object", "description": "The fields asked for (fields=); references as {id}", "properties": {
        "id": {"type": "string"}, "code": {"type": "string"}, "name": {"type": "string"}, "displayName": {"type": "string"}}},

      "DataValueInput": {"type": "object", "required": ["dataElement", "period", "orgUnit", "value"], "properties": {
        "dataElement": {"type": "string", "minLength": 1}, "period": PERIOD, "orgUnit": {"type": "string", "minLength": 1}, "categoryOptionCombo": {"type": "string"},
        "attributeOptionCombo": {"type": "string"}, "value": {"type": ["string", "number", "boolean"], "minLength": 1, "pattern": "\\S", "description": "Not empty (to delete a value, use DELETE)"}, "comment": {"type": "string"}}},
      "DataValue": {"type": "object", "properties": {"dataElement": {"type": "string"}, "period": {"type": "string"}, "orgUnit": {"type": "string"},
        "categoryOptionCombo": {"type": "string"}, "attributeOptionCombo": {"type": "string"}, "value": {"type": "string"}, "storedBy": {"type": "string"},
        "created": {"type": "string"}, "lastUpdated": {"type": "string"}, "comment": {"type": "string"}, "followUp": {"type": "boolean"}, "deleted": {"type": "boolean"}}},
      "DataValueSet": {"type": "object", "properties": {"dataSet": {"type": "string"}, "completeDate": {"type": "string"}, "period": PERIOD, "orgUnit": {"type": "string"},
        "dataValues": {"type": "array", "items": {"type": "object", "properties": {"dataElement": {"type": "string"}, "period": PERIOD,
          "orgUnit": {"type": "string"}, "categoryOptionCombo": {"type": "string"}, "value": {"type": "string"}, "comment": {"type": "string"}, "deleted": {"type": "boolean"}}}}}},
      "ImportSummary": {"type": "object", "description": "DHIS2's import summary; the same fields again under response (DHIS2 2.38+'s envelope)", "properties": {
        "responseType": {"type": "string"}, "status": {"type": "string", "enum": ["SUCCESS", "ERROR"]}, "description": {"type": "string"},
        "importOptions": {"type": "object", "properties": {"dryRun": {"type": "boolean"}, "importStrategy": {"type": "string"}}},
        "importCount": {"type": "object", "properties": {"imported": {"type": "integer"}, "updated": {"type": "integer"},
          "ignored": {"type": "integer", "description": "Unchanged, or (on ERROR) refused"}, "deleted": {"type": "integer"}}},
        "conflicts": {"type": "array", "items": {"type": "object", "properties": {"object": {"type": "string"}, "property": {"type": "string"},
          "value": {"type": "string", "description": "Why"}, "line": {"type": "integer"}, "indexes": {"type": "array", "items": {"type": "integer"}}}}},
        "httpStatus": {"type": "string"}, "httpStatusCode": {"type": "integer"}, "response": {"type": "object"}}},
      "DHIS2AnalyticsResult": {"type": "object", "properties": {
        "headers": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "column": {"type": "string"},
          "valueType": {"type": "string"}, "type": {"type": "string"}, "hidden": {"type": "boolean"}, "meta": {"type": "boolean"}}}},
        "metaData": {"type": "object", "properties": {"items": {"type": "object"}, "dimensions": {"type": "object"}}},
        "rows": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
        "headerWidth": {"type": "integer"}, "height": {"type": "integer"}, "width": {"type": "integer"}}},
      "Form": {"type": "object", "properties": {"dataSet": {"type": "string"}, "period": {"type": "string"}, "orgUnit": {"type": "string"},
        "completed": {"type": "boolean"}, "completedBy": {"type": "string"}, "completedAt": {"type": "string"}, "comment": {"type": "string"}, "locked": {"type": "boolean"},
        "dataValues": {"type": "array", "items": ref("DataValue")}}},
      "Completion": {"type": "object", "required": ["dataSet", "period", "orgUnit"], "properties": {"dataSet": {"type": "string"}, "period": PERIOD,
        "orgUnit": {"type": "string"}, "completed": {"type": "boolean", "default": True},
        "comment": {"type": "string", "maxLength": 1000, "description": "Why the form is complete despite a medium or low importance violation (required then); a high importance violation refuses completion (409 validation_failed)"}}},
      "Violation": {"type": "object", "properties": {"validationRule": {"type": "string"}, "validationRuleCode": {"type": "string"}, "validationRuleName": {"type": "string"},
        "importance": {"type": "string", "enum": ["HIGH", "MEDIUM", "LOW"]}, "operator": {"type": "string"}, "leftSide": {"type": "string"}, "rightSide": {"type": "string"},
        "leftSideValue": {"type": ["number", "null"]}, "rightSideValue": {"type": ["number", "null"]}, "period": {"type": "string"},
        "organisationUnit": {"type": "string"}, "organisationUnitCode": {"type": "string"}, "organisationUnitName": {"type": "string"}, "instruction": {"type": ["string", "null"]}}},
      "ValidationResult": {"type": "object", "properties": {"validationRuleViolations": {"type": "array", "items": ref("Violation")},
        "rulesChecked": {"type": "integer"}, "considered": {"type": "integer"}, "checked": {"type": "integer"}}},
      "CompletenessCounts": {"type": "object", "properties": {"expected": {"type": "integer"}, "reported": {"type": "integer"}, "complete": {"type": "integer"},
        "completeOnTime": {"type": "integer"}, "reportingRate": {"type": ["number", "null"]}, "onTimeRate": {"type": ["number", "null"]}}},
      "Completeness": {"type": "object", "properties": {"dataSet": {"type": "string"}, "dataSetCode": {"type": "string"}, "dataSetName": {"type": "string"},
        "timelyDays": {"type": "integer"}, "total": ref("CompletenessCounts"), "byOrgUnit": {"type": "array", "items": {"type": "object"}},
        "byPeriod": {"type": "array", "items": {"type": "object"}}, "notReported": {"type": "array", "items": {"type": "object"}}}},
      "Outliers": {"type": "object", "properties": {"metadata": {"type": "object"}, "outlierValues": {"type": "array", "items": {"type": "object"}}}},
      "FollowUp": {"type": "object", "required": ["dataElement", "period", "orgUnit", "followup"], "properties": {"dataElement": {"type": "string"},
        "period": PERIOD, "orgUnit": {"type": "string"}, "categoryOptionCombo": {"type": "string"}, "followup": {"type": "boolean"}}},
      "MinMax": {"type": "object", "required": ["dataElement", "orgUnit", "minValue", "maxValue"], "properties": {"dataElement": {"type": "string"},
        "orgUnit": {"type": "string"}, "categoryOptionCombo": {"type": "string"}, "minValue": {"type": "number"}, "maxValue": {"type": "number"}}},
      "GenerateMinMax": {"type": "object", "required": ["dataSet", "orgUnit"], "properties": {"dataSet": {"type": "string"}, "orgUnit": {"type": "string"}}},
      "ApprovalStep": {"type": "object", "required": ["dataSet", "period", "orgUnit", "action"], "properties": {"dataSet": {"type": "string"}, "period": PERIOD,
        "orgUnit": {"type": "string"}, "action": {"type": "string", "enum": ["approve", "accept", "return", "unapprove", "withdraw", "APPROVE", "ACCEPT", "RETURN", "UNAPPROVE", "WITHDRAW"]},
        "reason": {"type": "string", "maxLength": 1000}}},
      "Approval": {"type": "object", "properties": {"dataSet": {"type": "string"}, "period": {"type": "string"}, "orgUnit": {"type": "string"},
        "state": {"type": "string", "enum": ["UNAPPROVED", "APPROVED", "APPROVED_NATIONALLY"]}, "approvedLevel": {"type": ["integer", "null"]},
        "approvedBy": {"type": ["string", "null"]}, "approvedAt": {"type": ["string", "null"]}, "unitLevel": {"type": "integer"}, "complete": {"type": "boolean"},
        "mayApprove": {"type": "boolean"}, "mayAccept": {"type": "boolean"}, "mayReturn": {"type": "boolean"}, "mayUnapprove": {"type": "boolean"}, "mayWithdraw": {"type": "boolean"},
        "history": {"type": "array", "items": {"type": "object"}}}},
      "FormValidation": {"type": "object", "properties": {"validationRuleViolations": {"type": "array", "items": ref("Violation")},
        "commentRequiredViolations": {"type": "array", "items": {"type": "object"}}}},
      "AuditEntry": {"type": "object", "properties": {"action": {"type": "string", "enum": ["CREATE", "UPDATE", "DELETE", "RESTORE", "APPROVE", "ACCEPT", "RETURN", "UNAPPROVE", "WITHDRAW"]}, "oldValue": {"type": "string"},
        "newValue": {"type": "string"}, "oldComment": {"type": "string"}, "newComment": {"type": "string"}, "changedBy": {"type": "string"}, "changedAt": {"type": "string"}}},
      "AnalyticsResult": {"type": "object", "properties": {"headers": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "object", "properties": {"dx": {"type": "string"}, "co": {"type": "string"}, "pe": {"type": "string"},
          "ou": {"type": "string"}, "value": {"type": "number"}, "numerator": {"type": "number"}, "denominator": {"type": "number"}, "factor": {"type": "number"}}}},
        "metaData": {"type": "object", "additionalProperties": {"type": "object", "properties": {"name": {"type": "string"}, "code": {"type": "string"}}}}}},
    },
  },
}
# DHIS2's metadata collections: a paged list and one object each, alike but for the unit's extras.
COLLECTIONS = [("organisationUnits", "Organisation units in the caller's subtrees"), ("organisationUnitLevels", "Levels of the hierarchy"),
               ("dataElements", "Data elements"), ("dataSets", "Forms (data sets)"), ("indicators", "Indicators"),
               ("categoryCombos", "Category combinations"), ("categoryOptionCombos", "Category option combinations"),
               ("validationRules", "Validation rules")]
for c, d in COLLECTIONS:
    Name = c[0].upper() + c[1:]
    units = c == "organisationUnits"
    extra = [q("level", "Only units at this level (1: the root)", schema={"type": "integer", "minimum": 1, "maximum": 64}),
             q("userOnly", "Only the units the caller is assigned to", schema=FLAG)] if units else []
    doc["paths"][f"/api/{c}"] = {"get": op(f"{d}: DHIS2's list, paged (pager), with fields, filter and order; also /api/NN/{c}.json and .csv", "metadata",
        {"200": {"description": "The list", "content": {"application/json": {"schema": ref(f"{Name}List")}, "text/csv": {"schema": {"type": "string"}}}},
         **errors("400", "401")}, params=LIST_PARAMS + extra, opid=f"list{Name}")}
    doc["paths"][f"/api/{c}/{{id}}"] = {"get": op(f"One of the {d[0].lower() + d[1:]}, by uid or code, with fields (default: every field)", "metadata",
        {"200": {"description": "OK", "content": {"application/json": {"schema": ref("MetadataObject")}, "text/csv": {"schema": {"type": "string"}}}},
         **errors(*(["400", "401", "403", "404"] if units else ["400", "401", "404"]))},
        params=[p("id", "Uid or code"), FIELDS, FORMAT2], opid=f"get{Name[:-1]}")}
    doc["components"]["schemas"][f"{Name}List"] = {"type": "object", "properties": {"pager": ref("Pager"), c: {"type": "array", "items": ref("MetadataObject")}}}

# What analysts keep, through DHIS2's read routes: favourites (visualizations), dashboards, interpretations.
KEPT = {"type": "object", "description": "DHIS2's shape (id, name, user, publicAccess, …); the caller's own and the shared ones",
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "publicAccess": {"type": "string"}}}
for c, what in [("visualizations", "favourites (pivots and charts kept by name): data items, periods, units or the viewer's own (userOrganisationUnit), rows, columns"),
                ("dashboards", "dashboards with their items (dashboardItems of type VISUALIZATION)")]:
    Name = c[0].upper() + c[1:]
    doc["paths"][f"/api/{c}"] = {"get": op(f"The caller's {what}, and the shared ones", "analytics",
        {**ok({"type": "object", "properties": {"pager": ref("Pager"), c: {"type": "array", "items": KEPT}}}), **errors("401")}, opid=f"list{Name}")}
    doc["paths"][f"/api/{c}/{{id}}"] = {"get": op(f"One of the caller's {c} or a shared one, by uid", "analytics",
        {**ok(KEPT), **errors("401", "404")}, params=[p("id", "Uid")], opid=f"get{Name[:-1]}")}
doc["paths"]["/api/interpretations"] = {"get": op("A favourite's interpretations, each with its replies (comments)", "analytics",
    {**ok({"type": "object", "properties": {"pager": ref("Pager"), "interpretations": {"type": "array", "items": {"type": "object"}}}}),
     **errors("400", "401", "404")},
    params=[q("visualization", "The favourite's uid (the caller's own or a shared one)", True)], opid="listInterpretations")}

# DHIS2's expression description, with Qorgan's operands and value for a unit and period.
doc["paths"]["/api/expressions/description"] = {"get": op(
    "Whether an expression is valid against the metadata (status OK or ERROR, with the position of the first problem), "
    "the expression with its operands named, and, with ou and pe, its value as an indicator computes it", "metadata",
    {**ok(ref("ExpressionDescription")), **errors("400", "401", "403")},
    params=[q("expression", "The expression: #{ELEMENT}, #{ELEMENT.COMBO}, N{INDICATOR}, C{CONSTANT}, R{FORM.METRIC}, numbers, + - * / ( )",
              True, schema={"type": "string", "minLength": 1, "maxLength": 4000}),
            q("ou", "A unit the caller may see (code or uid): computes the value, with pe"),
            q("pe", "A period: computes the value, with ou", schema=PERIOD),
            q("lang", "The language of the names (the caller's by default)", schema={"type": "string", "enum": ["en", "ru", "kk"]})],
    opid="describeExpression")}
doc["components"]["schemas"]["ExpressionDescription"] = {"type": "object", "required": ["status", "message"], "properties": {
    "httpStatus": {"type": "string"}, "httpStatusCode": {"type": "integer"},
    "status": {"type": "string", "enum": ["OK", "ERROR"]}, "message": {"type": "string"},
    "description": {"type": "string", "description": "The expression with each operand replaced by its name"},
    "position": {"type": "integer", "description": "1-based position of the first problem (status ERROR)"},
    "operands": {"type": "array", "items": {"type": "object", "properties": {"reference": {"type": "string"}, "name": {"type": "string"}}}},
    "value": {"type": ["number", "null"]}, "unit": {"type": "string"}, "period": {"type": "string"}}}

# DHIS2's metadata writes (administrators; a region's administrator writes the units below theirs):
# /api/metadata and one object of the written collections.
STRATEGY = {"type": "string", "enum": ["CREATE_AND_UPDATE", "CREATE", "UPDATE"]}
REPORT_409 = {"409": {"description": "Nothing changed: every problem, by object, field and value (DHIS2's import report and Qorgan's problems), "
                      "or an object id that is not the path's",
                      "content": {"application/json": {"schema": {"anyOf": [ref("MetadataImportReport"), ref("Error")]}}}}}
doc["paths"]["/api/metadata"] = {"post": op(
    "Create or update organisation units and data elements in DHIS2's metadata payload (national administrators; a region's "
    "administrator: the units below theirs): all or nothing, "
    "checked as a metadata file is, audited; a unit's new parent is a move from today; DHIS2's import report", "metadata",
    {**ok(ref("MetadataImportReport")), **errors("400", "401", "403", "413"), **REPORT_409},
    params=[q("importStrategy", "CREATE_AND_UPDATE (default), CREATE or UPDATE", schema=STRATEGY),
            q("atomicMode", "ALL (the only mode: all or nothing)", schema={"type": "string", "enum": ["ALL"]}),
            q("importMode", "COMMIT (default) or VALIDATE (change nothing)", schema={"type": "string", "enum": ["COMMIT", "VALIDATE"]}),
            q("dryRun", "true: as importMode=VALIDATE", schema=FLAG)],
    request=body(ref("MetadataPayload"), "DHIS2's metadata payload"), opid="importMetadata")}
for c, schema, klass in [("organisationUnits", "DHIS2OrganisationUnit", "unit"), ("dataElements", "DHIS2DataElement", "element")]:
    Name = c[0].upper() + c[1:-1]
    doc["paths"][f"/api/{c}"]["post"] = op(f"Create one {klass} (national administrators; units also by a region's administrator, below their units): DHIS2's object report with its uid", "metadata",
        {**ok(ref("MetadataImportReport"), desc="Created", status="201"), **errors("400", "401", "403", "413"), **REPORT_409},
        request=body(ref(schema), f"The {klass}, as DHIS2 writes it"), opid=f"create{Name}")
    doc["paths"][f"/api/{c}/{{id}}"]["put"] = op(f"Replace one {klass} (national administrators; units also by a region's administrator, below their units): DHIS2's object report", "metadata",
        {**ok(ref("MetadataImportReport")), **errors("400", "401", "403", "413"), **REPORT_409},
        params=[p("id", "Uid or code")], request=body(ref(schema), f"The {klass}, as DHIS2 writes it"), opid=f"update{Name}")
    doc["paths"][f"/api/{c}/{{id}}"]["patch"] = op(f"Change fields of one {klass} with DHIS2's JSON Patch (add, replace, remove on /field or "
        "/field/field), applied to the object as read and written as PUT writes it: the same checks and rights", "metadata",
        {**ok(ref("MetadataImportReport")), **errors("400", "401", "403", "404", "413"), **REPORT_409},
        params=[p("id", "Uid or code")],
        request={"required": True, "description": "RFC 6902 operations", "content": {
            ct: {"schema": {"type": "array", "maxItems": 100, "items": {"type": "object", "required": ["op", "path"], "properties": {
                "op": {"type": "string", "enum": ["add", "replace", "remove"]},
                "path": {"type": "string", "pattern": "^/[A-Za-z]+(/[A-Za-z]+)?$"}, "value": {}}}}}
            for ct in ["application/json-patch+json", "application/json"]}}, opid=f"patch{Name}")
REF = {"type": "object", "properties": {"id": {"type": "string"}}}
doc["components"]["schemas"].update({
  "MetadataPayload": {"type": "object", "properties": {
    "organisationUnits": {"type": "array", "maxItems": 10000, "items": ref("DHIS2OrganisationUnit")},
    "dataElements": {"type": "array", "maxItems": 10000, "items": ref("DHIS2DataElement")}},
    "description": "Other collections are refused (409): they are written with qorgan metadata import"},
  "DHIS2OrganisationUnit": {"type": "object", "required": ["name"], "properties": {
    "id": {"type": "string"}, "code": {"type": "string", "description": "Required for a new unit"}, "name": {"type": "string", "minLength": 1},
    "shortName": {"type": "string"}, "description": {"type": "string"},
    "openingDate": {"type": "string", "description": "2020-01-01 or 2020-01-01T00:00:00.000; required for a new unit"},
    "closingDate": {"type": "string"}, "parent": REF, "geometry": {"type": "object", "description": "GeoJSON: Point, Polygon or MultiPolygon"},
    "translations": {"type": "array", "items": {"type": "object"}}}},
  "DHIS2DataElement": {"type": "object", "required": ["name"], "properties": {
    "id": {"type": "string"}, "code": {"type": "string", "description": "Required for a new element"}, "name": {"type": "string", "minLength": 1},
    "shortName": {"type": "string"}, "description": {"type": "string"},
    "valueType": {"type": "string", "enum": ["NUMBER", "INTEGER", "INTEGER_POSITIVE", "INTEGER_ZERO_OR_POSITIVE", "PERCENTAGE", "BOOLEAN", "TEXT", "LONG_TEXT"]},
    "aggregationType": {"type": "string"}, "domainType": {"type": "string", "enum": ["AGGREGATE"]}, "categoryCombo": REF,
    "translations": {"type": "array", "items": {"type": "object"}}}},
  "MetadataImportReport": {"type": "object", "required": ["httpStatusCode", "status", "response"], "properties": {
    "httpStatus": {"type": "string"}, "httpStatusCode": {"type": "integer"}, "status": {"type": "string", "enum": ["OK", "ERROR"]},
    "message": {"type": "string"}, "response": {"type": "object", "properties": {
      "responseType": {"type": "string", "enum": ["ImportReport", "ObjectReport"]}, "uid": {"type": "string"},
      "stats": {"type": "object"}, "typeReports": {"type": "array"}}}}},
})

# A property a request body may leave out may also be null: Qorgan reads both as absent.
REQUEST_BODIES = ["MetadataPayload", "DHIS2OrganisationUnit", "DHIS2DataElement", "Incident", "Instrument", "Assessment", "Site", "Inspection", "NewUser", "UserChange", "DataValueInput",
                  "DataValueSet", "Completion", "FollowUp", "MinMax", "GenerateMinMax", "ApprovalStep", "SiteConfiguration",
                  "ResultsFramework", "FrameworkIndicator"]
doc = json.loads(json.dumps(doc))  # shared parts (PERIOD, DATE) become copies: each changed on its own
def nullable_optionals(schema):
    if not isinstance(schema, dict): return
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    for name, prop in list(props.items()):
        if name not in required:
            if "$ref" in prop:
                props[name] = {"anyOf": [prop, {"type": "null"}]}
            elif isinstance(prop.get("type"), str):
                prop["type"] = [prop["type"], "null"]
                if "enum" in prop: prop["enum"] = prop["enum"] + [None]
        nullable_optionals(props[name] if "$ref" not in prop else None)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict) and "propertyNames" not in schema: nullable_optionals(schema[key])
for name in REQUEST_BODIES: nullable_optionals(doc["components"]["schemas"][name])
nullable_optionals(doc["paths"]["/api/tokens"]["post"]["requestBody"]["content"]["application/json"]["schema"])

# Qorgan reads whole numbers as 64-bit integers: a number beyond them is refused (400) before
# anything else, so every integer the document takes says so.
def int64_bounds(node):
    if isinstance(node, dict):
        t = node.get("type")
        if t == "integer" or (isinstance(t, list) and "integer" in t):
            node.setdefault("minimum", -2**63)
            node.setdefault("maximum", 2**63 - 1)
        for v in node.values(): int64_bounds(v)
    elif isinstance(node, list):
        for v in node: int64_bounds(v)
for path in doc["paths"].values():
    for o in path.values():
        int64_bounds(o.get("parameters", []))
        int64_bounds(o.get("requestBody", {}))
for name in REQUEST_BODIES: int64_bounds(doc["components"]["schemas"][name])

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "Sources", "QorganServer", "Resources", "openapi.json")
with open(out, "w") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False)
    f.write("\n")
print("wrote", os.path.normpath(out))
