#!/usr/bin/env python3
"""Qorgan's pages as people meet them, in a real headless Chromium (Debian's chromium and
chromium-driver, through selenium):

- at a phone's width (390 px) and a laptop's (1366 px), in English, Russian and Kazakh, no page
  scrolls sideways (the document is no wider than the window), and at 1366 px the menu keeps to
  one row;
- in Russian and Kazakh, no English word is left on any page: the demo supplies every
  translation, of its metadata and of its records' texts (an incident's summary, a site's name,
  a prescription, an assessor's role);
- axe-core (the copy inside the axe-playwright-python wheel; its JavaScript is all we use) finds
  no violation on any page at either width, colour contrast included;
- the keyboard path through a data entry form: a skip link, one Tab stop per cell, Enter saves
  and moves on, the arrows move between rows;
- data entry's choices: periods by name, a year's periods as soon as the year is chosen, Open
  without a period says so, a number too large or in exponent notation is refused in the page's
  language, a form with a refused cell cannot be completed, a completed form is read-only.

Usage: layout_e2e.py BASE_URL SCREENSHOT_DIR
Saves a screenshot of each page at both widths (NAME-390.png, NAME-1366.png). Prints one line
per check and exits non-zero on the first failure."""
import datetime, importlib.util, json, os, re, sys, time, urllib.error, urllib.parse, urllib.request
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chromium
from chromium import browser, check, find, wait

BASE, SHOTS = sys.argv[1].rstrip("/"), sys.argv[2]
WIDTHS = [390, 1366]
os.makedirs(SHOTS, exist_ok=True)
spec = importlib.util.find_spec("axe_playwright_python")
if spec is None:
    print("FAIL: axe-core is missing: pip install --no-deps axe-playwright-python (scripts/test does)")
    raise SystemExit(1)
AXE = open(os.path.join(os.path.dirname(spec.origin), "axe.min.js"), encoding="utf-8").read()


def sign_in(d, user):
    chromium.sign_in(d, BASE, user)


def with_lang(path, lang):
    return path + ("&" if "?" in path else "?") + "lang=" + lang


def axe(d):
    """axe-core's violations on the page as it stands: rule, count, first element."""
    return d.execute_async_script(AXE + """
        ;var done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then(function (r) {
          done(r.violations.map(function (v) { return v.id + ' (' + v.nodes.length + '): ' + v.nodes[0].target.join(' ') + ' ' + (v.nodes[0].failureSummary || '').slice(0, 160); }));
        });""")


def measure(d):
    return d.execute_script("""
        var nav = document.querySelector('header nav');
        var tops = nav ? Array.from(nav.querySelectorAll('a')).map(function (a) { return Math.round(a.getBoundingClientRect().top); }) : [];
        return {page: document.documentElement.scrollWidth, window: window.innerWidth, rows: new Set(tops).size,
                wide: Array.from(document.querySelectorAll('body *')).filter(function (e) {
                  return e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-scroll, .report-body');
                }).slice(0, 3).map(function (e) { return e.tagName + '.' + e.className; })};""")


# Words that are the same in every language: the product, the language switcher, the demo's
# user names, key names, the time zone.
NOT_ENGLISH = set("Qorgan Excel LibreOffice Markdown English admin analyst viewer almaty aktobe almaty-head national-head aktobe-admin demo Tab Enter Alt UTC".split())


def english_words(d):
    """Latin-script words of three letters or more left on the page (codes in capitals aside)."""
    # Code (a header's name, a command) is the same in every language.
    text = d.execute_script("""var t = document.body.innerText;
        document.querySelectorAll('code, kbd, pre').forEach(function (c) { t = t.split(c.innerText).join(' '); });
        return t;""")
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*[a-z][A-Za-z'’-]*", text)
    # (A Kazakh ending joins a name with a hyphen: "LibreOffice-та".)
    words = [w.strip("-'’") for w in words]
    return sorted({w for w in words if len(w) >= 3 and w not in NOT_ENGLISH})


def screenshot(d, name, width):
    height = d.execute_script("return Math.max(document.documentElement.scrollHeight, 600)")
    d.set_window_size(width, min(height + 20, 4000))
    d.save_screenshot(os.path.join(SHOTS, "%s-%d.png" % (name, width)))
    d.set_window_size(width, 900)


def link(d, path, css):
    d.get(BASE + path)
    return find(d, By.CSS_SELECTOR, css).get_attribute("href").replace(BASE, "")


d = browser(1366, 900)
try:
    # Signed out: the sign-in page.
    for width in WIDTHS:
        d.set_window_size(width, 900)
        for lang in ["en", "ru", "kk"]:
            d.get(BASE + "/login?lang=" + lang)
            m = measure(d)
            check(m["page"] <= m["window"], "login in %s at %d px is no wider than the window (%s)" % (lang, width, m))
        check(axe(d) == [], "axe finds nothing on the sign-in page at %d px" % width)
        d.get(BASE + "/login?lang=en")
        screenshot(d, "login", width)

    # Signed out: the public portal, as an anonymous visitor reads it, with its table and map.
    portal = [("portal", "/public"), ("portal-table", "/public?dx=IND_DRAWN_IN&level=2&from=2013&to=2017"),
              ("portal-report", "/public/report")]
    for width in WIDTHS:
        d.set_window_size(width, 900)
        for lang in ["en", "ru", "kk"]:
            for name, path in portal:
                d.get(BASE + with_lang(path, lang))
                find(d, By.TAG_NAME, "main")
                check("/login" not in d.current_url, "%s is read without signing in" % name)
                m = measure(d)
                check(m["page"] <= m["window"], "%s in %s at %d px is no wider than the window (%s)" % (name, lang, width, m))
                if lang != "en":
                    left = english_words(d)
                    check(left == [], "%s in %s has no English word left: %s" % (name, lang, left[:12]))
                found = axe(d)
                check(found == [], "axe finds nothing on %s in %s at %d px: %s" % (name, lang, width, found))
                if lang == "en":
                    screenshot(d, name, width)
        # Every control of the table builder is at least 44 px tall: a finger finds it.
        small = d.execute_script("""return Array.from(document.querySelectorAll('.portal-builder select, .portal-builder button'))
            .filter(function (e) { return e.getBoundingClientRect().height < 44; }).length;""")
        check(small == 0, "the portal's controls are 44 px tall or more at %d px (%d are not)" % (width, small))

    sign_in(d, "admin")
    pages = [
        ("dashboard", "/dashboard"),
        ("entry-prevention", "/entry?ds=PREVENTION&ou=ALA_ALATAU&year=2017&pe=201712"),
        ("entry-security", "/entry?ds=SECURITY&ou=ALA&year=2017&pe=201712"),
        ("entry-involvement", "/entry?ds=INVOLVEMENT&ou=ALA&year=2017&pe=2017Q4"),
        ("entry-target-group", "/entry?ds=TARGET_GROUP&ou=ALA&year=2017&pe=2017"),
        ("entry-rehab", "/entry?ds=REHAB&ou=REHAB_CENTRE&year=2017&pe=2017Q4"),
        ("pivot", "/pivot?dx=IND_CONVICTIONS&ou=KZ&from=2013&to=2017&periodType=Yearly&rows=ou&columns=pe"),
        ("map", "/map?dx=IND_DRAWN_IN&year=2017"),
        ("report", "/report"),
        ("incidents", "/incidents"),
        ("incident-form", "/incidents/new"),
        ("incident", link(d, "/incidents", "#incidents-table a[href^='/incidents/']:not([href$='/new'])")),
        ("readiness", "/readiness"),
        ("readiness-form", "/readiness/assess"),
        ("sites", "/sites"),
        ("site", link(d, "/sites", "#sites-table a")),
        ("site-form", "/sites/new"),
        ("users", "/users"),
        ("metadata", "/metadata"),
        ("maintain-unit", "/metadata/units/AKT_KHROMTAU"),
        ("maintain-indicator", "/metadata/indicators/IND_DRAWN_IN"),
        ("validation", "/validation"),
        ("completeness", "/completeness"),
        ("approvals", "/approvals?ds=SECURITY&ou=KZ&pe=2017"),
        ("outliers", "/outliers"),
        ("notifications", "/notifications"),
        ("account", "/account"),
        ("framework", "/framework"),
        ("history", link(d, "/entry?ds=PREVENTION&ou=ALA_ALATAU&year=2017&pe=201712", "a.hist")),
        ("trace", link(d, "/report", "a.trace")),
    ]
    for width in WIDTHS:
        d.set_window_size(width, 900)
        for lang in ["en", "ru", "kk"]:
            for name, path in pages:
                d.get(BASE + with_lang(path, lang))
                find(d, By.TAG_NAME, "main")
                m = measure(d)
                check(m["page"] <= m["window"],
                      "%s in %s at %d px is no wider than the window (%s)" % (name, lang, width, m))
                if width == 1366:
                    check(m["rows"] == 1, "%s in %s at 1366 px: the menu keeps to one row (%s)" % (name, lang, m))
                if lang != "en" and width == 1366:
                    left = english_words(d)
                    check(left == [], "%s in %s has no English word left: %s" % (name, lang, left[:12]))
                if lang == "en" or width == 390:
                    found = axe(d)
                    check(found == [], "axe finds nothing on %s in %s at %d px: %s" % (name, lang, width, found))
                if lang == "en":
                    screenshot(d, name, width)
    # The pivot sorts by a column with its heading's button: numbers as numbers, empty cells last,
    # the totals row staying at the foot.
    d.get(BASE + "/pivot?dx=IND_ACTS_PREVENTED&ou=KZ&children=1&from=2013&to=2017&rows=ou&columns=pe&empty=1&lang=en")
    heads = d.find_elements(By.CSS_SELECTOR, "#pivot-table thead th")
    total_col = len(heads) - 1
    for direction in ["ascending", "descending"]:
        heads[total_col].find_element(By.CSS_SELECTOR, "button.sort").click()
        check(heads[total_col].get_attribute("aria-sort") == direction, "the total column sorts " + direction)
        cells = [r.find_elements(By.TAG_NAME, "td")[-1].text for r in d.find_elements(By.CSS_SELECTOR, "#pivot-table tbody tr")]
        numbers = [int(c) for c in cells if c]
        check(numbers == sorted(numbers, reverse=direction == "descending") and all(cells[: len(numbers)]),
              "rows in %s order of their totals, empty ones last (%s)" % (direction, cells))
    check(find(d, By.CSS_SELECTOR, "#pivot-table tfoot td:last-child").text == "12", "the foot still totals 12")

    # Forms saved untouched: every problem in one summary that takes the focus, each linked to its
    # field; the page still fits a phone and axe finds nothing, in every language.
    d.set_window_size(390, 900)
    for name, path, button in [
        ("incident-form", "/incidents/new", "incident-save"), ("readiness-form", "/readiness/assess", "assessment-save"),
        ("site-form", "/sites/new", "site-save"), ("site", dict(pages)["site"], "inspection-save"),
    ]:
        for lang in ["en", "ru", "kk"]:
            # The language as people choose it, with the switcher, so that it holds for the form's answer.
            d.get(BASE + "/language?set=%s&back=%s" % (lang, urllib.parse.quote(path, safe="")))
            d.execute_script("document.getElementById(arguments[0]).click()", button)
            summary = find(d, By.ID, "error-summary")
            links = summary.find_elements(By.TAG_NAME, "a")
            check(len(links) >= 2 and d.switch_to.active_element == summary,
                  "%s in %s saved untouched: a focused summary of %d problems" % (name, lang, len(links)))
            for a in links:
                check(d.find_elements(By.ID, a.get_attribute("href").split("#")[1]) != [],
                      "%s: the summary's link %s has its field" % (name, a.get_attribute("href")))
            m = measure(d)
            check(m["page"] <= m["window"], "%s with its problems in %s fits 390 px (%s)" % (name, lang, m))
            found = axe(d)
            check(found == [], "axe finds nothing on %s with its problems in %s: %s" % (name, lang, found))
            if lang != "en":
                left = english_words(d)
                check(left == [], "%s with its problems in %s has no English word left: %s" % (name, lang, left[:12]))
            if lang == "en":
                screenshot(d, name + "-problems", 390)
    d.get(BASE + "/language?set=en&back=%2Fdashboard")
    d.set_window_size(1366, 900)

    # The keyboard path through a form: the skip link first, then one stop per cell.
    # (The demo's forms of Mangystau and Kyzylorda for December 2017 are not completed.)
    d.get(BASE + "/entry?ds=SECURITY&ou=MAN&year=2017&pe=201712&lang=en")
    body = find(d, By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    active = d.switch_to.active_element
    check(active.get_attribute("class") == "skip" and active.is_displayed(), "the first Tab reaches the skip link, shown")
    active.send_keys(Keys.ENTER)
    check(d.switch_to.active_element.get_attribute("id") == "main", "the skip link moves the focus to the page's content")
    cells = d.find_elements(By.CSS_SELECTOR, "#grid input.cell")
    check(len(cells) > 4, "the form has cells (%d)" % len(cells))
    cells[0].click()
    cells[0].send_keys(Keys.TAB)
    check(d.switch_to.active_element == cells[1], "Tab goes from a cell to the next cell, not to its history link")
    first_row = cells[0].find_element(By.XPATH, "./ancestor::tr")
    per_row = len(first_row.find_elements(By.CSS_SELECTOR, "input.cell"))
    cells[0].click()
    cells[0].send_keys(Keys.ARROW_DOWN)
    check(d.switch_to.active_element == cells[per_row], "↓ goes to the cell below (%d cells a row)" % per_row)
    d.switch_to.active_element.send_keys(Keys.ARROW_UP)
    check(d.switch_to.active_element == cells[0], "↑ comes back")
    cells[0].send_keys(Keys.CONTROL, "a")
    cells[0].send_keys("7", Keys.ENTER)
    wait(d, lambda d: "saved" in cells[0].get_attribute("class"))
    check(d.switch_to.active_element == cells[1], "Enter saves the cell and moves to the next")
    d.get(d.current_url)
    check(find(d, By.CSS_SELECTOR, "#grid input.cell").get_attribute("value") == "7", "the value typed is stored")

    # A value's comment and follow-up mark, from the keyboard (Alt+C), kept when the value changes.
    cell = find(d, By.CSS_SELECTOR, "#grid input.cell")
    cell.click()
    cell.send_keys(Keys.ALT, "c")
    dialog = find(d, By.ID, "value-dialog")
    wait(d, lambda d: dialog.get_attribute("open") is not None)
    check(d.switch_to.active_element.get_attribute("id") == "value-comment", "Alt+C opens the dialog at its comment")
    d.switch_to.active_element.send_keys("Two offices merged this month.")
    find(d, By.ID, "value-followup").click()
    find(d, By.ID, "value-save").click()
    wait(d, lambda d: dialog.get_attribute("open") is None)
    td = cell.find_element(By.XPATH, "..")
    check(td.find_element(By.CSS_SELECTOR, ".mark.comment").is_displayed() and
          td.find_element(By.CSS_SELECTOR, ".mark.followup").is_displayed(), "the cell shows its comment and its mark")
    check(d.switch_to.active_element == cell, "the focus comes back to the cell")
    d.execute_script("arguments[0].select()", cell)
    cell.send_keys("8", Keys.ENTER)
    wait(d, lambda d: "saved" in cell.get_attribute("class"))
    d.get(d.current_url)
    cell = find(d, By.CSS_SELECTOR, "#grid input.cell")
    check(cell.get_attribute("value") == "8" and cell.get_attribute("data-comment") == "Two offices merged this month."
          and cell.get_attribute("data-followup") == "true", "a changed value keeps its comment and its mark")
    empty = [c for c in d.find_elements(By.CSS_SELECTOR, "#grid input.cell") if c.get_attribute("value") == ""][0]
    empty.find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, "button.note").click()
    wait(d, lambda d: dialog.get_attribute("open") is not None)
    check(find(d, By.ID, "value-dialog-empty").is_displayed() and not find(d, By.ID, "value-save").is_enabled(),
          "a cell without a value asks for the value first")
    found = axe(d)
    check(found == [], "axe finds nothing with the dialog open: %s" % found)
    find(d, By.ID, "value-cancel").click()

    # The form as a spreadsheet: downloaded, filled by openpyxl, uploaded through the page. A
    # refused cell refuses the whole sheet and is named; corrected, the sheet lands whole.
    import http.cookiejar, tempfile, openpyxl
    # (Mangystau's December 2017 is not complete in the demo: a completed form takes no spreadsheet.)
    form_path = "/entry?ds=SECURITY&ou=MAN&year=2017&pe=201712&lang=en"
    d.get(BASE + form_path)
    href = find(d, By.ID, "sheet-download").get_attribute("href")
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    session = {c["name"]: c["value"] for c in d.get_cookies()}
    request = urllib.request.Request(href, headers={"Cookie": "; ".join("%s=%s" % kv for kv in session.items())})
    workdir = tempfile.mkdtemp()
    book_path = os.path.join(workdir, "form.xlsx")
    with opener.open(request) as answer, open(book_path, "wb") as f:
        f.write(answer.read())
    book = openpyxl.load_workbook(book_path)
    sheet = book.active
    check(sheet["B1"].value == "SECURITY" and sheet["B2"].value == "MAN" and sheet["B3"].value == "201712",
          "the spreadsheet says its form, unit and period")
    rows = {sheet.cell(row=r, column=5).value: r for r in range(6, sheet.max_row + 1)}
    first, second = rows["DEPARTURES_STOPPED.default"], rows["TRAVEL_INTENT_STOPPED.default"]
    before = [c.get_attribute("value") for c in d.find_elements(By.CSS_SELECTOR, "#grid input.cell")]
    sheet.cell(row=first, column=3).value = 31
    sheet.cell(row=second, column=3).value = "many"
    bad_path = os.path.join(workdir, "bad.xlsx")
    book.save(bad_path)
    find(d, By.ID, "sheet-file").send_keys(bad_path)
    find(d, By.ID, "sheet-send").click()
    problems = find(d, By.ID, "sheet-problems")
    check("cell C%d" % second in problems.text and "many" in problems.text and d.switch_to.active_element == problems,
          "a refused cell is named by its reference: " + problems.text.replace("\n", " | ")[:200])
    # In Russian and Kazakh the same refusal names the cell and says why in the page's language.
    for lang in ["ru", "kk"]:
        d.get(BASE + form_path.replace("lang=en", "lang=" + lang))
        find(d, By.ID, "sheet-file").send_keys(bad_path)
        find(d, By.ID, "sheet-send").click()
        problems = find(d, By.ID, "sheet-problems")
        left = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*[a-z][A-Za-z'’-]*", problems.text)
                if len(w) >= 3 and w != "many" and w not in NOT_ENGLISH]
        check("C%d" % second in problems.text and left == [],
              "the refusal in %s has no English word: %s" % (lang, problems.text.replace("\n", " | ")[:200]))
    d.get(BASE + form_path)
    after = [c.get_attribute("value") for c in d.find_elements(By.CSS_SELECTOR, "#grid input.cell")]
    check(after == before, "nothing of the refused spreadsheet was stored, the good cell included")
    sheet.cell(row=second, column=3).value = 4
    good_path = os.path.join(workdir, "good.xlsx")
    book.save(good_path)
    find(d, By.ID, "sheet-file").send_keys(good_path)
    find(d, By.ID, "sheet-send").click()
    done = find(d, By.CSS_SELECTOR, "#sheet-result .notice.saved")
    check("Saved from the spreadsheet" in done.text, "the corrected spreadsheet is saved: " + done.text)
    values = {c.get_attribute("data-de"): c.get_attribute("value") for c in d.find_elements(By.CSS_SELECTOR, "#grid input.cell")}
    check(sorted(v for v in values.values() if v in ("31", "4")) == ["31", "4"], "and its values are in the form")
    d.get(find(d, By.ID, "print-blank").get_attribute("href"))
    boxes = d.find_elements(By.CSS_SELECTOR, "#blank-table td.box")
    check(len(boxes) == len(rows) and find(d, By.ID, "blank-print"), "a blank paper form has a box per value (%d)" % len(boxes))
    check(axe(d) == [], "axe finds nothing on the paper form")

    # Offline: values typed with the connection cut are kept and sent when it returns; one changed
    # by someone else meanwhile is shown as a conflict and overwritten only when the person says so.
    import base64
    admin = "Basic " + base64.b64encode(b"admin:" + chromium.PASSWORD.encode()).decode()
    def api(method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(BASE + path, data=data, method=method,
                                     headers={"Authorization": admin, "Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return {"status": e.code}
    offline_path = "/entry?ds=SECURITY&ou=MAN&year=2017&pe=201712&lang=en"
    d.get(BASE + offline_path)
    d.execute_async_script("var done = arguments[0]; navigator.serviceWorker.ready.then(function () { done(true); });")
    d.get(BASE + offline_path)  # now through the service worker, which keeps the page
    check(d.execute_script("return !!navigator.serviceWorker.controller"), "the service worker controls the entry page")
    kept = d.execute_async_script(
        "var done = arguments[0]; caches.match(location.href).then(function (r) { done(r ? r.status : 0); });")
    check(kept == 200, "the page is kept for offline use (%s)" % kept)
    cells = d.find_elements(By.CSS_SELECTOR, "#grid input.cell")
    mine, theirs = cells[2], cells[3]
    keys = [(c.get_attribute("data-de"), c.get_attribute("data-co")) for c in (mine, theirs)]
    d.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    for cell, value in ((mine, "11"), (theirs, "12")):
        d.execute_script("arguments[0].select()", cell)
        cell.send_keys(value, Keys.ENTER)
        wait(d, lambda d: "queued" in cell.get_attribute("class"))
    # Opened again without a connection: the kept page, with the values waiting in their cells.
    d.get(BASE + offline_path)
    cells = d.find_elements(By.CSS_SELECTOR, "#grid input.cell")
    check([cells[2].get_attribute("value"), cells[3].get_attribute("value")] == ["11", "12"]
          and "queued" in cells[2].get_attribute("class"), "reopened offline, the form shows the values waiting")
    banner = find(d, By.ID, "offline-status")
    check(banner.is_displayed() and "2" in banner.text, "the page says two values wait on this device: " + banner.text)
    # Meanwhile an administrator saves another value into the second cell.
    ou = d.execute_script("return document.getElementById('grid').dataset.ou")
    api("POST", "/api/dataValues", {"dataElement": keys[1][0], "categoryOptionCombo": keys[1][1], "period": "201712",
                                    "orgUnit": ou, "value": "99"})
    d.delete_network_conditions()
    conflicts = find(d, By.ID, "offline-conflicts")
    wait(d, lambda d: conflicts.is_displayed() and not banner.is_displayed(), timeout=30)
    def server(key):
        v = api("GET", "/api/dataValues?de=%s&pe=201712&ou=%s&co=%s" % (key[0], ou, key[1]))
        return v.get("value")
    check(server(keys[0]) == "11", "the value typed offline is sent when the connection returns")
    check(server(keys[1]) == "99" and "99" in conflicts.text and "12" in conflicts.text,
          "the one changed meanwhile is not overwritten, and the page shows both: " + conflicts.text.replace("\n", " | "))
    conflicts.find_element(By.TAG_NAME, "button").click()
    wait(d, lambda d: not conflicts.is_displayed(), timeout=30)
    # The box closes at the click; the send (a read of the server's value, then the save) follows.
    deadline = time.time() + 30
    while server(keys[1]) != "12" and time.time() < deadline:
        time.sleep(0.2)
    check(server(keys[1]) == "12", "kept by the person's choice, it is saved")
    # A send that reached the server although its answer was lost on a flaky connection: the
    # server holds the person's own value, which is their save, not someone else's change.
    d.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    mine = d.find_elements(By.CSS_SELECTOR, "#grid input.cell")[2]
    d.execute_script("arguments[0].select()", mine)
    mine.send_keys("21", Keys.ENTER)
    wait(d, lambda d: "queued" in mine.get_attribute("class"))
    api("POST", "/api/dataValues", {"dataElement": keys[0][0], "categoryOptionCombo": keys[0][1], "period": "201712",
                                    "orgUnit": ou, "value": "21"})
    d.delete_network_conditions()
    wait(d, lambda d: not banner.is_displayed(), timeout=30)
    status = mine.find_element(By.XPATH, "following-sibling::span[contains(@class,'status')]")
    wait(d, lambda d: "saved" in (status.get_attribute("class") or ""), timeout=30)
    check(not conflicts.is_displayed() and server(keys[0]) == "21",
          "a value the server already has after a lost answer is the person's own save, not a conflict")

    # Checks in the page's language, as the server makes them.
    d.get(BASE + "/entry?ds=SECURITY&ou=KZY&year=2017&pe=201712&lang=ru")
    cell = find(d, By.CSS_SELECTOR, "#grid input.cell[data-type='INTEGER_ZERO_OR_POSITIVE']")
    status = cell.find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, ".status")
    cell.clear()
    cell.send_keys("12345678901234567890", Keys.ENTER)
    wait(d, lambda d: "error" in cell.get_attribute("class"))
    check("слишком большое" in status.text, "a 20-digit number is too large, in Russian: " + status.text)
    cell.clear()
    cell.send_keys("1e3", Keys.ENTER)
    wait(d, lambda d: "число" in status.text)
    check("не число" in status.text or "число" in status.text, "1e3 is not a number to the page: " + status.text)
    # A form with a refused cell is not completed.
    complete = find(d, By.ID, "complete")
    complete.click()
    state = find(d, By.ID, "completion-state")
    wait(d, lambda d: "красным" in state.text)
    check("красным" in state.text, "Mark complete is refused while a cell is refused: " + state.text)
    cell.clear()
    cell.send_keys("3", Keys.ENTER)
    wait(d, lambda d: "saved" in cell.get_attribute("class"))
    complete.click()
    wait(d, lambda d: "UTC" in state.text)
    check(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", state.text), "completed, with a readable time: " + state.text)
    check(cell.get_attribute("disabled") is not None, "a completed form is read-only")
    d.get(d.current_url)
    check(find(d, By.CSS_SELECTOR, "#grid input.cell").get_attribute("disabled") is not None, "still read-only when reopened")
    check(find(d, By.ID, "completed-lock").is_displayed(), "the page says why")
    find(d, By.ID, "complete").click()
    wait(d, lambda d: d.find_element(By.CSS_SELECTOR, "#grid input.cell").get_attribute("disabled") is None)
    check(True, "marked incomplete, the form is editable again")

    # Choosing: periods by name, a year's periods at once, Open without a period says so.
    d.get(BASE + "/entry?ds=SECURITY&ou=ALA&lang=en")
    Select(find(d, By.ID, "entry-year")).select_by_visible_text("2016")
    options = [o.text for o in Select(find(d, By.ID, "entry-pe")).options]
    check("December 2016" in options and not any("2017" in o for o in options),
          "choosing 2016 offers 2016's months by name: %s" % options[:3])
    find(d, By.ID, "entry-open").click()
    summary = find(d, By.ID, "error-summary")
    check("Choose a period" in summary.text, "Open without a period says to choose one")
    check(d.switch_to.active_element == summary, "the problem gets the focus")
    d.get(BASE + "/entry?ds=SECURITY&ou=ALA&lang=en")
    offered = [o.text for o in Select(find(d, By.ID, "entry-pe")).options]
    today = datetime.date.today()
    names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]
    later = ["%s %d" % (names[m - 1], today.year) for m in range(today.month + 1, 13)]
    check("%s %d" % (names[today.month - 1], today.year) in offered and not any(o in later for o in offered),
          "this year's months up to this one are offered, no future one: %s" % offered[-2:])
    print("all layout checks passed", flush=True)
finally:
    d.quit()
