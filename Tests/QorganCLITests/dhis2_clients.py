#!/usr/bin/env python3
"""Drives a running Qorgan server with DHIS2's own Python clients, as a script written for DHIS2
would: `dhis2.py` (HTTP Basic) and `dhis2-client` (a personal access token, `ApiToken …`).

    dhis2_clients.py URL USER PASSWORD TOKEN

Connects, pages through the units, posts a month of data as a JSON, CSV and ADX data value set
and reads it back, queries analytics in DHIS2's form and checks every number against Qorgan's
own answer (its own routes, in its own form). Prints one JSON object of what it measured; exits
non-zero on the first disagreement.
"""
import json
import sys

from dhis2 import Api
from dhis2_client import DHIS2Client
from dhis2_client.errors import DHIS2HTTPError

url, user, password, token = sys.argv[1:5]
facts = {}


def check(condition, what):
    if not condition:
        print(json.dumps(facts, indent=1))
        raise SystemExit("disagreement: " + what)


# --- dhis2.py, with a user and password -------------------------------------------------------
api = Api(url, user, password, api_version=40)
info = api.get_info()
facts["version"] = info["version"]
check(api.version_int == 40, f"dhis2.py reads the version 2.40, got {info['version']}")
check(info["calendar"] == "iso8601", "the calendar is ISO 8601")

# Page through the units, 10 at a time, as dhis2.py does (.json suffix, /api/40/ prefix, pager).
paged = []
for page in api.get_paged("organisationUnits", page_size=10, params={"fields": "id,code,name,level"}):
    paged += page["organisationUnits"]
everything = api.get("organisationUnits", params={"paging": "false", "fields": "id"}).json()["organisationUnits"]
facts["units"] = len(paged)
check(len(paged) == len(everything) and len(paged) > 20, f"paging gives {len(paged)} units, all at once {len(everything)}")
check(len({u["id"] for u in paged}) == len(paged), "no unit twice across pages")
regions = api.get("organisationUnits", params={"filter": ["level:eq:2", "name:ilike:region"], "paging": "false",
                                               "fields": "id,code,name,parent[id,code]"}).json()["organisationUnits"]
facts["regions"] = len(regions)
check(all(r["parent"]["code"] == "KZ" for r in regions) and len(regions) > 10, "regions under KZ")

me = api.get("me", params={"fields": "username,organisationUnits[id,code]"}).json()
check(me["username"] == user and me["organisationUnits"][0]["code"] == "KZ", "me: the admin bound to KZ")

security = api.get("dataSets/SECURITY", params={"fields": "id,periodType,dataSetElements[dataElement[id,code]]"}).json()
check(security["periodType"] == "Monthly", "SECURITY is monthly")
codes = sorted(e["dataElement"]["code"] for e in security["dataSetElements"])
facts["security_elements"] = codes
aktobe = api.get("organisationUnits/AKT", params={"fields": "id"}).json()["id"]

# A month of data as a JSON data value set (DHIS2's import summary), then read back.
month = {"dataSet": security["id"], "period": "201801", "orgUnit": aktobe,
         "dataValues": [{"dataElement": c, "value": str(i + 3)} for i, c in enumerate(codes)]}
r = api.post("dataValueSets", json=month, params={"dataElementIdScheme": "CODE"}).json()
facts["json_import"] = r["importCount"]
check(r["status"] == "SUCCESS" and r["importCount"]["imported"] + r["importCount"]["updated"] == len(codes),
      f"JSON import: {r}")
check(r["response"]["importCount"] == r["importCount"], "the 2.38+ envelope carries the same counts")
back = api.get("dataValueSets", params={"dataSet": "SECURITY", "period": "201801", "orgUnit": "AKT",
                                        "dataElementIdScheme": "CODE"}).json()["dataValues"]
check(sorted((v["dataElement"], v["value"]) for v in back) == sorted((c, str(i + 3)) for i, c in enumerate(codes)),
      "the month reads back as posted")

# The same month as CSV (application/csv) and as ADX, through the client's own session.
csv_body = "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n" + "".join(
    f"{c},201802,AKT,,,{i + 10}\n" for i, c in enumerate(codes))
r = api.session.post(f"{api.api_url}/dataValueSets", data=csv_body.encode(),
                     headers={"Content-Type": "application/csv"}).json()
facts["csv_import"] = r["importCount"]
check(r["status"] == "SUCCESS" and r["importCount"]["imported"] + r["importCount"]["updated"] == len(codes), f"CSV {r}")
adx = ('<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="AKT" period="2018-03-01/P1M" dataSet="SECURITY">'
       + "".join(f'<dataValue dataElement="{c}" value="{i + 20}"/>' for i, c in enumerate(codes))
       + "</group></adx>")
r = api.session.post(f"{api.api_url}/dataValueSets", data=adx.encode(),
                     headers={"Content-Type": "application/adx+xml"}).json()
facts["adx_import"] = r["importCount"]
check(r["status"] == "SUCCESS" and r["importCount"]["imported"] + r["importCount"]["updated"] == len(codes), f"ADX {r}")
adx_back = api.session.get(f"{api.api_url}/dataValueSets.adx",
                           params={"dataSet": "SECURITY", "period": "201803", "orgUnit": "AKT"}).text
check(all(f'dataElement="{c}"' in adx_back and f'value="{i + 20}"' in adx_back for i, c in enumerate(codes)),
      "ADX reads back")

# A set with one bad value changes nothing and names the problem.
bad = {"dataValues": [{"dataElement": codes[0], "period": "201804", "orgUnit": "AKT", "value": "3"},
                      {"dataElement": codes[1], "period": "201804", "orgUnit": "AKT", "value": "many"}]}
resp = api.session.post(f"{api.api_url}/dataValueSets", json=bad)
check(resp.status_code == 409, f"a conflict is 409, got {resp.status_code}")
summary = resp.json()
check(summary["status"] == "ERROR" and summary["importCount"]["imported"] == 0 and summary["conflicts"]
      and summary["conflicts"][0]["object"] == "many", f"conflicts name the value: {summary}")
check(api.session.get(f"{api.api_url}/dataValues", params={"de": codes[0], "pe": "201804", "ou": "AKT"}).status_code
      == 404, "nothing of the refused set was stored")

# --- dhis2-client, with a personal access token -----------------------------------------------
client = DHIS2Client(url, token=token)
check(client.get_system_info()["version"] == "2.40", "dhis2-client reads system/info")
units = client.fetch_all("/api/organisationUnits", params={"fields": "id,level"}, page_size=7)
check(len(units) == facts["units"], f"dhis2-client pages to {len(units)} units")
one = client.get_org_unit(aktobe, fields="id,code,level")
check(one["code"] == "AKT" and one["level"] == 2, "one unit by uid")
elements = list(client.get_data_elements(fields="id,code", filter=f"code:in:[{','.join(codes)}]"))
check(sorted(e["code"] for e in elements) == codes, "data elements by filter")
element = next(e for e in elements if e["code"] == codes[0])

client.set_data_value(element["id"], "201805", aktobe, 7, co="default")
value = client.get_data_value(element["id"], "201805", aktobe)
check(value["value"] == "7", f"a single value reads back: {value}")

# Analytics in DHIS2's form, against Qorgan's own answer to the same question.
answer = client.get_analytics_data(dx=[codes[0], "IND_READINESS"], pe=["2017"], ou=["LEVEL-2", "KZ"])
names = [h["name"] for h in answer["headers"]]
check(names == ["dx", "pe", "ou", "value"], f"headers {names}")
check(all(isinstance(c, str) for row in answer["rows"] for c in row), "rows are strings")
items = answer["metaData"]["items"]
check(len(answer["metaData"]["dimensions"]["ou"]) >= len(regions), "ou: every region of KZ")
dhis2_values = {(items[r[0]]["code"], items[r[2]]["code"]): float(r[3]) for r in answer["rows"]}
own = client.get("/api/analytics", params={"dx": f"{codes[0]};IND_READINESS", "pe": "2017", "ou": "LEVEL-2"})
own_values = {(own["metaData"][r["dx"]]["code"], own["metaData"][r["ou"]]["code"]): r["value"] for r in own["rows"]}
facts["analytics_cells"] = len(dhis2_values)
facts["akt_2017"] = dhis2_values.get((codes[0], "AKT"))
check(dhis2_values.keys() == own_values.keys() and len(dhis2_values) > 10, "the same cells as Qorgan's own answer")
for k, v in dhis2_values.items():
    check(abs(v - own_values[k]) < 0.051, f"{k}: DHIS2 form {v}, Qorgan's {own_values[k]}")
total = client.get_analytics_data(dx=[codes[0]], pe=["LAST_12_MONTHS"], filter="ou:AKT")
check([h["name"] for h in total["headers"]] == ["dx", "pe", "value"], "a unit filter leaves ou off the rows")
check(len(total["metaData"]["dimensions"]["pe"]) == 12, "LAST_12_MONTHS: twelve months")

client.delete_data_value(element["id"], "201805", aktobe, co="default")
try:
    client.get_data_value(element["id"], "201805", aktobe)
    check(False, "a deleted value is gone")
except DHIS2HTTPError as e:
    check(e.status_code == 404, f"a deleted value answers 404, got {e.status_code}")

# --- Metadata writes: DHIS2's /api/metadata with dhis2.py, the object routes with dhis2-client -------
kz = api.get("organisationUnits/KZ", params={"fields": "id"}).json()["id"]
akt = aktobe
payload = {
    "organisationUnits": [{"code": "AKT_NEW_OFFICE", "name": "Aktobe new field office", "shortName": "New office",
                           "openingDate": "2025-01-01T00:00:00.000", "parent": {"id": akt},
                           "geometry": {"type": "Point", "coordinates": [57.2, 50.3]}}],
    "dataElements": [{"code": "NEW_VISITS", "name": "Preventive home visits", "shortName": "Home visits",
                      "valueType": "INTEGER_ZERO_OR_POSITIVE", "aggregationType": "SUM", "domainType": "AGGREGATE"}],
}
dry = api.post("metadata", params={"importMode": "VALIDATE"}, json=payload).json()
check(dry["status"] == "OK" and dry["response"]["stats"]["created"] == 2, f"VALIDATE would create two: {dry}")
check(api.get("organisationUnits", params={"filter": "code:eq:AKT_NEW_OFFICE"}).json()["organisationUnits"] == [],
      "VALIDATE changes nothing")
done = api.post("metadata", params={"importStrategy": "CREATE_AND_UPDATE", "atomicMode": "ALL"}, json=payload).json()
check(done["response"]["stats"] == {"created": 2, "updated": 0, "deleted": 0, "ignored": 0, "total": 2},
      f"metadata created: {done}")
office = api.get("organisationUnits", params={"filter": "code:eq:AKT_NEW_OFFICE",
                                              "fields": "id,level,parent[code],geometry"}).json()["organisationUnits"]
check(len(office) == 1 and office[0]["level"] == 3 and office[0]["parent"]["code"] == "AKT"
      and office[0]["geometry"]["coordinates"] == [57.2, 50.3], f"the new office under Aktobe: {office}")
again = api.post("metadata", json=payload).json()
check(again["response"]["stats"]["ignored"] == 2, f"the same payload again changes nothing: {again}")
try:
    api.post("metadata", json={"organisationUnits": [{"code": "BAD", "name": "Bad", "openingDate": "2025-01-01",
                                                      "parent": {"id": "NoSuchUnit1"}}]})
    check(False, "an unknown parent is refused")
except Exception as e:  # dhis2.py raises RequestException with the response's code
    check(getattr(e, "code", None) == 409, f"an unknown parent is 409: {e}")

# dhis2-client: create an element, update it; move the office to Almaty from today, as an update.
created = client.create_data_element({"code": "NEW_REFERRALS", "name": "Referrals to support services",
                                      "shortName": "Referrals", "valueType": "INTEGER", "aggregationType": "SUM",
                                      "domainType": "AGGREGATE"})
uid = created["response"]["uid"]
check(created["httpStatusCode"] == 201 and len(uid) == 11, f"created with its uid: {created}")
client.update_data_element(uid, {"code": "NEW_REFERRALS", "name": "Referrals to support services (all)",
                                 "valueType": "INTEGER", "aggregationType": "SUM", "domainType": "AGGREGATE"})
check(client.get_data_element(uid, fields="name")["name"] == "Referrals to support services (all)", "renamed")
# DHIS2's JSON Patch (an array, which dhis2.py's patch() does not send: through its signed-in
# session) changes one field, the rest as it was.
r = api.session.patch(api.api_url + "/dataElements/" + uid,
                      json=[{"op": "replace", "path": "/shortName", "value": "Referrals (all)"}],
                      headers={"Content-Type": "application/json-patch+json"})
check(r.status_code == 200, f"the patch is applied: {r.status_code} {r.text[:200]}")
patched = api.get("dataElements/" + uid, params={"fields": "name,shortName,valueType"}).json()
check(patched == {"name": "Referrals to support services (all)", "shortName": "Referrals (all)", "valueType": "INTEGER"},
      f"patched: {patched}")
ala = client.get_org_unit("ALA", fields="id")["id"]
client.update_org_unit(office[0]["id"], {"code": "AKT_NEW_OFFICE", "name": "Almaty new field office",
                                         "openingDate": "2025-01-01", "parent": {"id": ala}})
moved = client.get_org_unit(office[0]["id"], fields="name,parent[id]")
check(moved["parent"]["id"] == ala and moved["name"] == "Almaty new field office", f"moved: {moved}")
facts["metadata_created"] = 3

print(json.dumps(facts))
