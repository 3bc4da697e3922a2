#!/usr/bin/env python3
"""A new administrator maintains the programme in the browser only (issue 31), in Russian on a
phone (390 px) and in Kazakh on a laptop (1366 px): adds a data element to a form, a field office
that reports it, moves the office to another region from a date after reading which figures move,
and writes an indicator over the element with the expression checked as it is typed and its value
shown for a region and year. Each page: no English word, axe-core finds nothing, every control a
44 px touch target, the focus where the reader goes next (a preview, a summary of problems).

Usage: maintenance_e2e.py BASE_URL. Prints one line per check, exits non-zero on the first failure."""
import base64, json, os, re, sys, urllib.parse, urllib.request
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chromium
from chromium import axe, browser, check, find, sign_in, wait

BASE = sys.argv[1].rstrip("/")
NOT_ENGLISH = set("Qorgan English admin demo UTC".split())
AUTH = "Basic " + base64.b64encode(b"admin:" + chromium.PASSWORD.encode()).decode()


def api(path, body=None):
    req = urllib.request.Request(BASE + path, data=json.dumps(body).encode() if body is not None else None,
                                 method="POST" if body is not None else "GET",
                                 headers={"Authorization": AUTH, "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def english_words(d):
    """Latin-script words left on the page, apart from code and what the administrator typed
    (the English name of an object, shown in a preview's cells)."""
    text = d.execute_script("""var t = document.body.innerText;
        document.querySelectorAll('code, kbd, pre, td.typed').forEach(function (c) { t = t.split(c.innerText).join(' '); });
        return t;""")
    words = [w.strip("-'’") for w in re.findall(r"[A-Za-z][A-Za-z'’-]*[a-z][A-Za-z'’-]*", text)]
    return sorted({w for w in words if len(w) >= 3 and w not in NOT_ENGLISH})


def small_targets(d):
    """The page's controls shorter than 44 px (a checkbox counts by its label, which takes the tap)."""
    return d.execute_script("""return Array.from(document.querySelectorAll(
          'main input:not([type=hidden]):not([type=checkbox]), main select, main textarea, main button, main label.check, main a.button'))
        .filter(function (e) { var r = e.getBoundingClientRect(); return r.height > 0 && r.height < 44; })
        .map(function (e) { return e.tagName + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().height); });""")


def page_checks(d, name, lang, width):
    m = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    check(m[0] <= m[1], "%s in %s at %d px is no wider than the window (%s)" % (name, lang, width, m))
    left = english_words(d)
    check(left == [], "%s in %s has no English word: %s" % (name, lang, left[:10]))
    small = small_targets(d)
    check(small == [], "%s in %s at %d px: every control is 44 px tall (%s)" % (name, lang, width, small[:5]))
    found = axe(d)
    check(found == [], "axe finds nothing on %s in %s at %d px: %s" % (name, lang, width, found))


def set_value(d, element_id, value):
    d.execute_script("var e = document.getElementById(arguments[0]); e.value = arguments[1];", element_id, value)


def type_into(d, element_id, text):
    box = find(d, By.ID, element_id)
    box.clear()
    box.send_keys(text)


def submit(d, button_id):
    d.execute_script("document.getElementById(arguments[0]).click()", button_id)


uid = {code: api("/api/organisationUnits/%s.json?fields=id" % code)["id"] for code in ["KZ", "AKT", "ALA"]}
check(all(uid.values()), "the regions' uids: %s" % uid)
d = browser(1366, 900)
d.set_window_size(390, 900)
try:
    sign_in(d, BASE, "admin")
    lang, width = "ru", 390
    d.get(BASE + "/language?set=ru&back=%2Fmetadata")
    find(d, By.ID, "add-element")
    page_checks(d, "metadata", lang, width)

    # A data element on the preventive work form.
    find(d, By.ID, "add-element").click()
    submit(d, "maintain-save")
    summary = find(d, By.ID, "error-summary")
    check(d.switch_to.active_element == summary and "код" in summary.text.lower(),
          "saved empty: a focused summary names the code: " + summary.text.replace("\n", " | "))
    page_checks(d, "element form with problems", lang, width)
    type_into(d, "maintain-code", "HOME_VISITS")
    type_into(d, "maintain-name", "Preventive home visits")
    type_into(d, "maintain-name_ru", "Профилактические визиты на дом")
    type_into(d, "maintain-name_kk", "Үйге профилактикалық бару")
    d.execute_script("document.querySelector(\"input[name=forms][value=PREVENTION]\").click()")
    submit(d, "maintain-preview-button")
    preview = find(d, By.ID, "maintain-preview")
    check(d.switch_to.active_element == preview, "the preview takes the focus")
    check("Профилактические визиты на дом" in preview.text, "the preview shows the form gaining the element: "
          + preview.text.replace("\n", " | ")[:160])
    page_checks(d, "element preview", lang, width)
    submit(d, "maintain-save")
    wait(d, lambda d: "/metadata/elements/HOME_VISITS?saved=1" in d.current_url)
    check(find(d, By.CSS_SELECTOR, "p.notice[role=status]").is_displayed(), "saved, the page says so")

    # A field office that reports the form, previewed, then saved.
    d.get(BASE + "/metadata/units/new")
    type_into(d, "maintain-code", "AKT_SHALKAR")
    type_into(d, "maintain-name", "Shalkar field office")
    type_into(d, "maintain-name_ru", "Шалкарский отдел")
    type_into(d, "maintain-name_kk", "Шалқар бөлімшесі")
    Select(find(d, By.ID, "maintain-parent")).select_by_value(uid["AKT"])
    set_value(d, "maintain-openingDate", "2016-01-01")
    d.execute_script("document.querySelector(\"input[name=forms][value=PREVENTION]\").click()")
    submit(d, "maintain-preview-button")
    preview = find(d, By.ID, "maintain-preview")
    check("AKT_SHALKAR" in preview.text and d.switch_to.active_element == preview, "the new office's preview, focused")
    page_checks(d, "unit preview", lang, width)
    submit(d, "maintain-save")
    wait(d, lambda d: "/metadata/units/AKT_SHALKAR?saved=1" in d.current_url)
    api("/api/dataValues", {"dataElement": "HOME_VISITS", "period": "201703", "orgUnit": "AKT_SHALKAR", "value": "14"})

    # Moved to Almaty city from 2017: the preview lists the figures that move.
    Select(find(d, By.ID, "maintain-parent")).select_by_value(uid["ALA"])
    set_value(d, "maintain-moveFrom", "2017-01-01")
    submit(d, "maintain-preview-button")
    moves = find(d, By.ID, "maintain-moves")
    rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#maintain-preview table:last-of-type tbody tr")]
    check("2017-01-01" in moves.text and any("Профилактические визиты на дом 2017 1 14" == r for r in rows),
          "the move's preview lists the value that moves: %s | %s" % (moves.text, rows[:3]))
    page_checks(d, "move preview", lang, width)
    submit(d, "maintain-save")
    wait(d, lambda d: "saved=1" in d.current_url)
    history = d.find_elements(By.CSS_SELECTOR, "form[action^='/metadata/history/'] button")
    check(len(history) == 1, "the history offers the version before the move")

    # An indicator over the element: the expression checked as it is typed, the value shown.
    d.get(BASE + "/metadata/indicators/new")
    type_into(d, "maintain-code", "IND_HOME_VISITS")
    type_into(d, "maintain-name", "Home visits, per cent of two")
    type_into(d, "maintain-name_ru", "Визиты на дом, процент от двух")
    type_into(d, "maintain-name_kk", "Үйге бару, екіден пайыз")
    type_into(d, "maintain-numerator", "#{HOME_VISITS}")
    numerator = find(d, By.ID, "maintain-numerator-check")
    wait(d, lambda d: "Профилактические визиты на дом" in numerator.text)
    check("ok" in numerator.get_attribute("class"), "the numerator is checked as typed and its operand named: " + numerator.text)
    type_into(d, "maintain-denominator", "#{NOPE}")
    denominator = find(d, By.ID, "maintain-denominator-check")
    wait(d, lambda d: "bad" in (denominator.get_attribute("class") or ""))
    check(find(d, By.ID, "maintain-denominator").get_attribute("aria-invalid") == "true",
          "a wrong operand is marked as it is typed: " + denominator.text)
    type_into(d, "maintain-denominator", "2")
    type_into(d, "maintain-factor", "100")
    Select(find(d, By.ID, "maintain-checkUnit")).select_by_value(uid["ALA"])
    Select(find(d, By.ID, "maintain-checkYear")).select_by_value("2017")
    value = find(d, By.ID, "maintain-value-check")
    wait(d, lambda d: "700.0" in value.text)
    check(True, "the indicator's value for Almaty city in 2017 is shown before saving: " + value.text)
    wait(d, lambda d: "ok" in (denominator.get_attribute("class") or ""))
    page_checks(d, "indicator form", lang, width)
    submit(d, "maintain-save")
    wait(d, lambda d: "/metadata/indicators/IND_HOME_VISITS?saved=1" in d.current_url)
    answer = api("/api/analytics.json?dimension=dx:IND_HOME_VISITS&dimension=pe:2017&dimension=ou:ALA")
    check([float(r[-1]) for r in answer.get("rows", [])] == [700.0], "the analytics answer at once: %s" % answer.get("rows"))

    # The indicator on a dashboard of one's own: kept from the pivot as a favourite (for each viewer's
    # own unit, its regions), put on a new shared dashboard, read there.
    d.get(BASE + "/pivot?dx=IND_HOME_VISITS&ou=%s&from=2016&to=2017&children=1" % uid["KZ"])
    find(d, By.CSS_SELECTOR, "#save-favourite summary").click()
    type_into(d, "favourite-name", "Визиты на дом по областям")
    find(d, By.ID, "favourite-relative").click()
    find(d, By.ID, "favourite-shared").click()
    submit(d, "favourite-save")
    wait(d, lambda d: "/favourites/" in d.current_url and "saved=1" in d.current_url)
    favourite = d.current_url.split("/favourites/")[1].split("?")[0]
    page_checks(d, "favourite", lang, width)
    d.get(BASE + "/dashboards")
    find(d, By.CSS_SELECTOR, "#new-dashboard summary").click()
    type_into(d, "dashboard-name", "Моя панель")
    find(d, By.ID, "dashboard-shared").click()
    submit(d, "dashboard-create")
    wait(d, lambda d: re.search(r"/dashboards/[A-Za-z0-9]{11}$", d.current_url))
    Select(find(d, By.ID, "dashboard-favourite")).select_by_value(favourite)
    submit(d, "dashboard-add-button")
    wait(d, lambda d: d.find_elements(By.ID, "item-1"))
    cells = [c.text for c in d.find_elements(By.CSS_SELECTOR, "#item-1 td")]
    check("700.0" in cells, "the dashboard shows the indicator for Almaty city in 2017: %s" % cells)
    dashboard_path = d.current_url.replace(BASE, "")
    page_checks(d, "dashboard", lang, width)
    d.get(BASE + "/dashboard")
    check(find(d, By.CSS_SELECTOR, ".kept-dashboards").text.find("Моя панель") >= 0, "the programme's dashboard links it")

    # The same pages in Kazakh on a laptop.
    d.set_window_size(1366, 900)
    for path in ["/metadata", "/metadata/units/AKT_SHALKAR", "/metadata/elements/HOME_VISITS",
                 "/metadata/forms/PREVENTION", "/metadata/indicators/IND_HOME_VISITS", "/metadata/import",
                 "/metadata/rules/MARGINALISED_WITHIN_DRAWN_IN", "/metadata/rules/new", "/metadata/publication",
                 "/dashboards", dashboard_path, "/favourites/" + favourite]:
        d.get(BASE + "/language?set=kk&back=" + urllib.parse.quote(path, safe=""))
        find(d, By.TAG_NAME, "main")
        page_checks(d, path, "kk", 1366)
    print("all maintenance checks passed", flush=True)
finally:
    d.quit()
