#!/usr/bin/env python3
"""A field officer on a phone (390 px), in Russian (issue 31): a form chosen with the choice form
opens with the keyboard at its first cell; a broken rule is said beside the cells it reads; the
outlier question never opens over a cell that still says "saved"; offline, a page that was never
kept shows, in the page's language, what works offline and links the forms kept on the device.

Usage: phone_e2e.py BASE_URL SERVER_PID. The last step stops the server (its process id) to cut the
connection: the service worker's own requests are not slowed by the browser's network emulation.
Prints one line per check, exits non-zero on the first failure."""
import os, re, signal, socket, sys, time, urllib.parse
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chromium import axe, browser, check, find, sign_in, wait

BASE = sys.argv[1].rstrip("/")
SERVER = int(sys.argv[2])
NOT_ENGLISH = set("Qorgan English almaty UTC".split())


def english_words(d):
    text = d.execute_script("return document.body.innerText")
    words = [w.strip("-'’") for w in re.findall(r"[A-Za-z][A-Za-z'’-]*[a-z][A-Za-z'’-]*", text)]
    return sorted({w for w in words if len(w) >= 3 and w not in NOT_ENGLISH})


def small_targets(d):
    """Controls under 44 px on the page (links inside text and tables keep their line; a checkbox
    counts by its label), and a cell's history and comment buttons, which must be 44 px too."""
    return d.execute_script("""return Array.from(document.querySelectorAll(
          'a, button, input:not([type=hidden]), select, textarea, summary'))
        .filter(function (e) { var r = e.getBoundingClientRect();
          if (r.height === 0 || r.height >= 44) return false;
          if (e.matches('table.grid a.hist, table.grid button.note')) return true;
          return !e.closest('p, li, td, th, .table-scroll') && !(e.type === 'checkbox' && e.closest('label')); })
        .map(function (e) { var r = e.getBoundingClientRect();
          return e.tagName + '.' + e.className + ' ' + Math.round(r.width) + 'x' + Math.round(r.height); });""")


def cell(d, code):
    return find(d, By.CSS_SELECTOR, "#grid tr[data-code='%s'] input.cell" % code)


d = browser(1366, 900)
d.set_window_size(390, 900)
try:
    sign_in(d, BASE, "almaty")
    d.get(BASE + "/language?set=ru&back=%2Fentry")
    # The one form Almaty city left open in the demo: involvement, October–December 2017.
    d.get(BASE + "/entry?ds=INVOLVEMENT")
    Select(find(d, By.ID, "entry-ou")).select_by_visible_text(
        [o.text for o in Select(find(d, By.ID, "entry-ou")).options if o.get_attribute("value")][0])
    Select(find(d, By.ID, "entry-year")).select_by_visible_text("2017")
    Select(find(d, By.ID, "entry-pe")).select_by_value("2017Q4")
    find(d, By.ID, "entry-open").click()
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#grid input.cell"))
    form_choice_url = d.current_url
    first = [c for c in d.find_elements(By.CSS_SELECTOR, "#grid input.cell") if c.is_enabled()][0]
    check(d.switch_to.active_element == first, "the chosen form opens with the keyboard at its first cell")
    for path in ["", "/dashboard", "/pivot?dx=IND_DRAWN_IN&from=2013&to=2017", "/validation", "/incidents", "/sites",
                 "/account"]:
        if path:
            d.get(BASE + path)
        small = small_targets(d)
        check(small == [], "%s at 390 px: every control is 44 px or more (%s)" % (path or "the form", small[:5]))
    d.get(form_choice_url)

    # A broken rule beside its cells: marginalised people drawn in cannot outnumber all drawn in.
    drawn, marginalised = cell(d, "DRAWN_IN"), cell(d, "DRAWN_IN_MARGINALISED")

    def enter(input, value):
        """Types a value and saves it, answering the outlier question (if asked) with save."""
        d.execute_script("arguments[0].select()", input)
        input.send_keys(value, Keys.ENTER)
        wait(d, lambda d: "saved" in input.get_attribute("class") or
             d.find_element(By.ID, "outlier-dialog").get_attribute("open") is not None)
        if d.find_element(By.ID, "outlier-dialog").get_attribute("open") is not None:
            find(d, By.ID, "outlier-save").click()
            wait(d, lambda d: "saved" in input.get_attribute("class"))

    total = sum(int(c.get_attribute("value") or "0")
                for c in d.find_elements(By.CSS_SELECTOR, "#grid tr[data-code='DRAWN_IN'] input.cell"))
    enter(marginalised, str(total + 1))
    note = wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#grid .cell-rule"))[0]
    check("Нарушено правило" in note.text, "the rule's sentence is in the form, in Russian: " + note.text)
    gap = d.execute_script("""var n = arguments[0].getBoundingClientRect(), c = arguments[1].getBoundingClientRect();
        return n.top - c.bottom;""", note, marginalised)
    check(note.find_element(By.XPATH, "..") == marginalised.find_element(By.XPATH, "..") and 0 <= gap < 100,
          "the sentence is in the cell's own box, just below it (%d px), not screens away" % gap)
    check("ruled" in marginalised.get_attribute("class") and marginalised.get_attribute("aria-describedby"),
          "the cell is marked and names the sentence for screen readers")
    found = axe(d)
    check(found == [], "axe finds nothing with the rule shown: %s" % found)
    # Put right, the sentence goes.
    enter(marginalised, "0")
    wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, "#grid .cell-rule"))
    check(True, "the value put right, the sentence beside the cell goes")

    # The outlier question: the cell says it is being checked, not "saved" from before.
    d.execute_script("arguments[0].select()", drawn)
    drawn.send_keys("999999", Keys.ENTER)
    outlier = find(d, By.ID, "outlier-dialog")
    wait(d, lambda d: outlier.get_attribute("open") is not None)
    status = drawn.find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, ".status").text
    check("сохранено" not in status.lower() and "провер" in status.lower(),
          "with the outlier question open, the cell says it is being checked: " + status)
    find(d, By.ID, "outlier-cancel").click()
    wait(d, lambda d: outlier.get_attribute("open") is None)

    # Offline: the form was kept; a page never kept says what works offline and links the form.
    form_url = d.current_url
    d.execute_async_script("var done = arguments[0]; navigator.serviceWorker.ready.then(function () { done(true); });")
    d.get(form_url)
    wait(d, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"))
    d.get(form_url)  # through the service worker: kept, and the offline page fetched in Russian
    d.execute_async_script("""var done = arguments[0];
        (function poll(n) { caches.match('/offline').then(function (r) { return r ? r.text() : ''; }).then(function (t) {
          if (t.indexOf('lang="ru"') >= 0 || n > 50) done(true); else setTimeout(function () { poll(n + 1); }, 100); }); })(0);""")
    os.kill(SERVER, signal.SIGTERM)
    host = urllib.parse.urlparse(BASE)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection((host.hostname, host.port), timeout=1).close()
            time.sleep(0.2)
        except OSError:
            break
    check(time.time() < deadline, "the server is stopped: no connection")
    d.get(BASE + "/pivot")
    heading = find(d, By.TAG_NAME, "h1").text
    check(heading == "Нет соединения", "offline, the pivot shows the offline page in Russian: " + heading)
    links = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "#kept-forms a")]
    check(form_url in links, "it links the form kept on this device: %s" % links)
    left = english_words(d)
    check(left == [], "the offline page has no English word: %s" % left)
    found = axe(d)
    check(found == [], "axe finds nothing on the offline page: %s" % found)
    print("all phone checks passed", flush=True)
finally:
    d.quit()
