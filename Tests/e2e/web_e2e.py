#!/usr/bin/env python3
"""End-to-end test of Qorgan's web application in a real headless Chromium (Debian's
chromium and chromium-driver, through selenium; no download, works offline).

Usage: web_e2e.py BASE_URL SCREENSHOT_DIR
Run by Tests/QorganEndToEndTests/E2ETests.swift against `qorgan serve --demo` on a free port.
Prints one line per check and exits non-zero on the first failure."""
import json, os, sys
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chromium
from chromium import browser, check, find, wait

BASE, SHOTS = sys.argv[1].rstrip("/"), sys.argv[2]
os.makedirs(SHOTS, exist_ok=True)

def shot(d, name):
    # The whole page, not just the window.
    height = d.execute_script("return Math.max(document.body.scrollHeight, 800)")
    d.set_window_size(1400, min(height + 40, 4000))
    d.save_screenshot(os.path.join(SHOTS, name + ".png"))
    d.set_window_size(1400, 1000)

def sign_in(d, user):
    chromium.sign_in(d, BASE, user)

def fetch(d, method, path, body=None):
    """A request from the page itself: the session cookie and the page's CSRF token."""
    return d.execute_async_script("""
        const [method, path, body, done] = arguments;
        const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
        const opts = {method, headers: {'X-CSRF-Token': csrf, 'Content-Type': 'application/json'}, credentials: 'same-origin'};
        if (body) opts.body = JSON.stringify(body);
        fetch(path, opts).then(r => r.text().then(t => done({status: r.status, body: t}))).catch(e => done({status: 0, body: String(e)}));
    """, method, path, body)

def pivot_value(d, lang_suffix=""):
    d.get(BASE + "/pivot?dx=IND_CONVICTIONS&ou=ALA&from=2017&to=2017&periodType=Yearly&rows=ou&columns=pe" + lang_suffix)
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#pivot-table, .downloads"))
    cells = d.find_elements(By.CSS_SELECTOR, "#pivot-table tbody td")
    return float(cells[0].text) if cells and cells[0].text else 0.0

def dashboard_value(d):
    d.get(BASE + "/dashboard?ou=ALA&from=2017&to=2017")
    text = wait(d, lambda d: find(d, By.CSS_SELECTOR, '[data-indicator="IND_CONVICTIONS"]')).text
    return 0.0 if text == "–" else float(text)

def open_form(d, path):
    """A form to change: one the demo completed is read-only until it is marked incomplete."""
    d.get(BASE + path)
    lock = d.find_elements(By.ID, "completed-lock")
    if lock and lock[0].is_displayed():
        find(d, By.ID, "complete").click()
        wait(d, lambda d: not d.find_element(By.ID, "completed-lock").is_displayed())

def enter(d, month, value):
    open_form(d, f"/entry?ds=SECURITY&ou=ALA&pe=2017{month:02d}")
    cell = find(d, By.XPATH, "//tr[contains(@data-code, 'CONVICTIONS')]//input[contains(@class,'cell')]")
    cell.clear()
    cell.send_keys(str(value))
    cell.send_keys(Keys.TAB)
    status = cell.find_element(By.XPATH, "following-sibling::span[contains(@class,'status')]")
    def settled(d):
        if d.find_element(By.ID, "outlier-dialog").get_attribute("open") is not None:
            return True
        return "saved" in (status.get_attribute("class") or "") or "error" in (status.get_attribute("class") or "")
    wait(d, settled)
    # A value far from the unit's history asks first: the test means it.
    if d.find_element(By.ID, "outlier-dialog").get_attribute("open") is not None:
        find(d, By.ID, "outlier-comment").send_keys("Entered by the browser test on purpose")
        find(d, By.ID, "outlier-save").click()
        wait(d, lambda d: "saved" in (status.get_attribute("class") or "") or "error" in (status.get_attribute("class") or ""))
    return cell, status

d = browser()
try:
  try:
      # Signing in: a wrong password is refused, the right one opens the dashboard.
      d.get(BASE + "/dashboard")
      check("/login" in d.current_url, "an anonymous visitor is sent to the sign-in page")
      shot(d, "login")
      find(d, By.ID, "username").send_keys("almaty")
      find(d, By.ID, "password").send_keys("wrong password")
      find(d, By.ID, "sign-in").click()
      check("wrong" in find(d, By.CSS_SELECTOR, ".error").text, "a wrong password is refused with a message")
      sign_in(d, "almaty")
      check(find(d, By.CSS_SELECTOR, "a.who").text == "almaty", "the regional data-entry user is signed in")

      # In each language: enter a value in a form and see it at once in the pivot and the dashboard.
      expected_nav = {"en": "Dashboard", "ru": "Сводка", "kk": "Жиынтық"}
      for i, lang in enumerate(["en", "ru", "kk"]):
          d.get(BASE + f"/language?set={lang}&back=/dashboard")
          nav = find(d, By.CSS_SELECTOR, "header nav a").text
          check(nav == expected_nav[lang], f"[{lang}] the interface speaks {lang}: '{nav}'")
          before_pivot, before_dash = pivot_value(d), dashboard_value(d)
          if lang == "en":
              d.get(BASE + "/dashboard")
              shot(d, "dashboard")
          d.get(BASE + "/entry?ds=SECURITY&ou=ALA&pe=201712")
          cell = find(d, By.XPATH, "//tr[contains(@data-code, 'CONVICTIONS')]//input[contains(@class,'cell')]")
          row_head = d.find_element(By.XPATH, "//tr[contains(@data-code, 'CONVICTIONS')]/th").text
          check("CONVICTIONS" not in row_head, f"[{lang}] field staff read the element's name, not its code: '{row_head}'")
          old = float(cell.get_attribute("value") or 0)
          cell, status = enter(d, 12, int(old) + 3)
          check("saved" in status.get_attribute("class"), f"[{lang}] the cell shows it was saved: '{status.text}'")
          if lang == "en":
              shot(d, "data-entry")
          after_pivot, after_dash = pivot_value(d), dashboard_value(d)
          check(after_pivot == before_pivot + 3, f"[{lang}] the pivot shows the new value at once ({before_pivot:g} → {after_pivot:g})")
          check(after_dash == before_dash + 3, f"[{lang}] the dashboard shows it at once ({before_dash:g} → {after_dash:g})")
          if lang == "en":
              pivot_value(d)
              shot(d, "pivot")
          if lang == "ru":
              d.get(BASE + "/dashboard?ou=ALA")
              shot(d, "dashboard-ru")
          if lang == "kk":
              pivot_value(d)
              shot(d, "pivot-kk")
      d.get(BASE + "/language?set=en&back=/dashboard")

      # A bad value is flagged in the cell and not saved.
      cell, status = enter(d, 11, "abc")
      check("error" in status.get_attribute("class") and "number" in status.text, f"a value of the wrong type is flagged: '{status.text}'")
      r = fetch(d, "POST", "/api/dataValues", {"dataElement": "CONVICTIONS", "period": "201711", "orgUnit": "ALA", "value": "-2"})
      check(r["status"] == 400 and "value" in json.loads(r["body"])["problems"][0]["field"], "the API refuses a negative count with 400 naming the field")

      # The history of the value: who changed it, when, old and new.
      d.get(BASE + "/entry?ds=SECURITY&ou=ALA&pe=201712")
      find(d, By.XPATH, "//tr[contains(@data-code, 'CONVICTIONS')]//a[contains(@class,'hist')]").click()
      rows = d.find_elements(By.CSS_SELECTOR, "#history-table tbody tr")
      check(len(rows) >= 4 and "almaty" in rows[0].text, f"the history lists {len(rows)} changes, the latest by almaty")
      shot(d, "history")

      # Scope: Almaty's user can neither read nor write Aktobe region, by page or by API.
      d.get(BASE + "/entry?ds=SECURITY&ou=AKT&pe=201712")
      check("outside" in find(d, By.CSS_SELECTOR, ".error").text, "the Aktobe form is refused on the page")
      d.get(BASE + "/pivot?dx=IND_CONVICTIONS&ou=AKT&from=2017&to=2017")
      check("outside" in find(d, By.CSS_SELECTOR, ".error").text, "an Aktobe pivot is refused on the page")
      d.get(BASE + "/dashboard")
      r = fetch(d, "GET", "/api/dataValues?de=CONVICTIONS&pe=201712&ou=AKT")
      check(r["status"] == 403 and json.loads(r["body"])["code"] == "out_of_scope", "reading an Aktobe value through the API: 403 out_of_scope")
      r = fetch(d, "POST", "/api/dataValues", {"dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "AKT", "value": "9"})
      check(r["status"] == 403, "writing an Aktobe value through the API: 403")
      r = fetch(d, "GET", "/api/analytics?dx=IND_CONVICTIONS&pe=2017&ou=KZ")
      check(r["status"] == 403, "national analytics for a regional user: 403")
      r = fetch(d, "GET", "/api/analytics?dx=IND_CONVICTIONS&pe=2017&ou=LEVEL-2")
      rows = json.loads(r["body"])["rows"]
      check(r["status"] == 200 and len(rows) == 1, f"LEVEL-2 for a regional user means their own region only ({len(rows)} row)")

      # Outliers: a value far from the unit's history asks for confirmation and a comment.
      open_form(d, "/entry?ds=SECURITY&ou=ALA&pe=201710")
      cell = find(d, By.XPATH, "//tr[contains(@data-code, 'CONVICTIONS')]//input[contains(@class,'cell')]")
      before = cell.get_attribute("value")
      cell.clear()
      cell.send_keys("400")
      cell.send_keys(Keys.TAB)
      wait(d, lambda d: d.find_element(By.ID, "outlier-dialog").get_attribute("open") is not None)
      check("far from" in find(d, By.ID, "outlier-dialog").text, "a value far from the unit's history asks first")
      shot(d, "outlier-dialog")
      find(d, By.ID, "outlier-cancel").click()
      wait(d, lambda d: cell.get_attribute("value") == before)
      check(True, "correcting it puts the saved value back, nothing sent")
      cell.clear()
      cell.send_keys("400")
      cell.send_keys(Keys.TAB)
      wait(d, lambda d: d.find_element(By.ID, "outlier-dialog").get_attribute("open") is not None)
      find(d, By.ID, "outlier-comment").send_keys("Mass trial in October")
      find(d, By.ID, "outlier-save").click()
      status = cell.find_element(By.XPATH, "following-sibling::span[contains(@class,'status')]")
      wait(d, lambda d: "saved" in (status.get_attribute("class") or ""))
      r = fetch(d, "GET", "/api/dataValues?de=CONVICTIONS&pe=201710&ou=ALA")
      check(json.loads(r["body"]).get("comment") == "Mass trial in October", "confirmed, it is saved with its comment")
      d.get(BASE + "/outliers?pe=2017")
      rows = d.find_elements(By.CSS_SELECTOR, "#outliers-table tbody tr")
      check(len(rows) >= 1 and "400" in rows[0].text, f"the outlier tops the region's list ({len(rows)} rows)")
      rows[0].find_element(By.CSS_SELECTOR, "button.followup-set").click()
      wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#outliers-table tbody tr button.followup-clear"))
      check(True, "it is marked for follow-up from the page")
      shot(d, "outliers")

      # Validation: a regional officer sees a broken rule as she types, cannot complete the form
      # while a high importance rule is broken, and completes it once the figure is corrected.
      d.get(BASE + "/entry?ds=INVOLVEMENT&ou=ALA&pe=2017Q4")
      cell = find(d, By.XPATH, "//tr[contains(@data-code, 'DRAWN_IN_MARGINALISED')]//input[contains(@class,'cell')]")
      original = cell.get_attribute("value")
      check("No rule is broken" in find(d, By.ID, "violations-list").text, "the form's rules hold before she types")
      cell.clear()
      cell.send_keys("999")
      cell.send_keys(Keys.TAB)
      # 999 is far from the region's history too: it asks first, and she means it.
      wait(d, lambda d: d.find_element(By.ID, "outlier-dialog").get_attribute("open") is not None)
      find(d, By.ID, "outlier-save").click()
      wait(d, lambda d: "Marginalised people drawn in" in d.find_element(By.ID, "violations-list").text)
      box = find(d, By.CSS_SELECTOR, "#violations-list .violation.HIGH")
      check("999" in box.text and "must be at most" in box.text, f"the broken rule appears beside the grid as she types: '{box.text[:80]}'")
      shot(d, "validation-entry")
      find(d, By.ID, "complete").click()
      wait(d, lambda d: "rule of high importance is broken" in d.find_element(By.ID, "completion-state").text)
      check(True, "Mark complete is refused while a high importance rule is broken")
      cell = find(d, By.XPATH, "//tr[contains(@data-code, 'DRAWN_IN_MARGINALISED')]//input[contains(@class,'cell')]")
      cell.clear()
      cell.send_keys(original or "0")
      cell.send_keys(Keys.TAB)
      wait(d, lambda d: "No rule is broken" in d.find_element(By.ID, "violations-list").text)
      find(d, By.ID, "complete").click()
      wait(d, lambda d: "Completed by" in d.find_element(By.ID, "completion-state").text)
      check(True, "with the figure corrected the rules hold and the form is completed")
      # A medium importance rule asks for a comment, which is kept with the completion.
      d.get(BASE + "/entry?ds=PREVENTION&ou=ALA_ALATAU&pe=201703")
      find(d, By.ID, "complete").click()
      wait(d, lambda d: "explain them in the comment" in d.find_element(By.ID, "completion-state").text)
      find(d, By.ID, "completion-comment").send_keys("Reach for March was typed into April")
      find(d, By.ID, "complete").click()
      wait(d, lambda d: "Completed by" in d.find_element(By.ID, "completion-state").text)
      check(True, "a medium importance rule lets the form be completed with a comment")
      d.get(BASE + "/validation?pe=2017")
      rows = d.find_elements(By.CSS_SELECTOR, "#violations-table tbody tr")
      check(len(rows) == 1 and "Alatau" in rows[0].text, f"the region's list of broken rules ({len(rows)} row)")
      rows[0].find_element(By.LINK_TEXT, "Open the form").click()
      check("pe=201703" in d.current_url and find(d, By.ID, "violations-list"), "a broken rule links to its form")
      d.get(BASE + "/validation?pe=2017")
      shot(d, "validation")

      # Approval: her region's head approves the quarter she completed; it is then locked for her.
      sign_in(d, "almaty-head")
      d.get(BASE + "/entry?ds=INVOLVEMENT&ou=ALA&pe=2017Q4")
      check("Not approved" in find(d, By.ID, "approval-state").text, "the head sees the quarter not yet approved")
      find(d, By.ID, "approval-approve").click()
      wait(d, lambda d: "Approved at level" in d.find_element(By.ID, "approval-state").text)
      check("Region" in find(d, By.ID, "approval-state").text, "the region's head approves the quarter at the region's level")
      shot(d, "approval")
      sign_in(d, "almaty")
      d.get(BASE + "/entry?ds=INVOLVEMENT&ou=ALA&pe=2017Q4")
      cell = find(d, By.XPATH, "//tr[contains(@data-code, 'DRAWN_IN_MARGINALISED')]//input[contains(@class,'cell')]")
      check(not cell.is_enabled() and "locked" in find(d, By.ID, "approval").text, "approved data are locked for the officer")
      # She completes again the months she reopened to correct.
      for month in (10, 11, 12):
          d.get(BASE + f"/entry?ds=SECURITY&ou=ALA&pe=2017{month:02d}")
          if "Completed by" not in find(d, By.ID, "completion-state").text:
              find(d, By.ID, "complete").click()
              wait(d, lambda d: "Completed by" in d.find_element(By.ID, "completion-state").text)
      check(True, "the months reopened to correct are completed again")
      # The national analyst: completeness by region, and the report from approved data only.
      sign_in(d, "analyst")
      d.get(BASE + "/completeness?ds=SECURITY&pe=2017")
      rows = d.find_elements(By.CSS_SELECTOR, "#completeness-units tbody tr")
      check(len(rows) == 16, f"completeness of the security form for each of the 16 regions ({len(rows)} rows)")
      check("190 / 192" in find(d, By.ID, "completeness-summary").text, "190 of 192 reports complete in 2017")
      shot(d, "completeness")
      d.get(BASE + "/report?approved=true")
      check("approved to the national level" in find(d, By.CSS_SELECTOR, ".report-body").text, "the report says it uses approved data only")
      check(find(d, By.ID, "report-approved").is_selected(), "and the choice is kept on the page")

      # The administrator sees the whole country, Aktobe unchanged, and manages users.
      sign_in(d, "admin")

      # Recording a foiled plot in the web UI raises the national "acts prevented" figure at once.
      def national_prevented():
          d.get(BASE + "/dashboard?from=2017&to=2017")
          text = find(d, By.CSS_SELECTOR, '[data-indicator="IND_ACTS_PREVENTED"]').text
          return 0 if text == "–" else int(text)
      before = national_prevented()
      d.get(BASE + "/incidents")
      shot(d, "incidents")
      find(d, By.ID, "new-incident").click()
      # Saved untouched, the form names every missing choice at once, in a summary that takes the focus.
      find(d, By.ID, "incident-save").click()
      summary = find(d, By.ID, "error-summary")
      links = summary.find_elements(By.TAG_NAME, "a")
      check(len(links) == 8 and d.switch_to.active_element == summary and d.title.startswith("Error: "),
            f"an untouched incident form lists its 8 problems in a focused summary ({len(links)})")
      links[0].click()
      check(d.switch_to.active_element.get_attribute("id") == "incident-date", "a summary's link moves the focus to its field")
      find(d, By.ID, "incident-date").send_keys("2017-11-20")
      Select(find(d, By.ID, "incident-unit")).select_by_visible_text("\u2003Karaganda region")
      Select(find(d, By.ID, "incident-outcome")).select_by_value("foiled")
      for name, value in [("attackType", "3"), ("targetType", "4"), ("weaponType", "6"), ("claimed", "no"), ("property", "no")]:
          Select(find(d, By.ID, "incident-" + name)).select_by_value(value)
      find(d, By.NAME, "summary").send_keys("A planned attack on a railway station, stopped at the preparation stage.")
      shot(d, "incident-form")
      find(d, By.ID, "incident-save").click()
      wait(d, lambda d: "/incidents/" in d.current_url and "new" not in d.current_url)
      check("foiled" in find(d, By.ID, "incident-outcome-value").text, "the foiled plot is recorded and shown")
      shot(d, "incident")
      after = national_prevented()
      check(after == before + 1, f"the national acts prevented rose by one at once ({before} → {after})")

      r = fetch(d, "GET", "/api/dataValues?de=CONVICTIONS&pe=201712&ou=AKT")
      check(r["status"] in (200, 404) and (r["status"] == 404 or json.loads(r["body"])["value"] != "9"), "Aktobe's value was not changed")
      d.get(BASE + "/users")
      check(len(d.find_elements(By.CSS_SELECTOR, "#users-table tbody tr")) >= 5, "the administrator sees the users")
      shot(d, "users")
      d.get(BASE + "/metadata")
      shot(d, "metadata")
      d.get(BASE + "/report")
      check("89.9 % → 91.7 %" in find(d, By.CSS_SELECTOR, '[data-figure="F10"]').text, "the report shows F10 from the data")
      shot(d, "report")
      f1 = find(d, By.CSS_SELECTOR, '[data-figure="F1"] a').text
      find(d, By.CSS_SELECTOR, '[data-figure="F1"] a').click()
      check(find(d, By.ID, "trace-value").text == f1, f"a figure leads to its query and the values behind it ({f1})")
      shot(d, "trace")
      find(d, By.CSS_SELECTOR, "#trace-values a").click()
      check(len(d.find_elements(By.CSS_SELECTOR, "#history-table tbody tr")) >= 1, "and a value to its history")
      d.get(BASE + "/report?edition=public&lang=ru")
      check(find(d, By.CSS_SELECTOR, '[data-figure="F9"]').text == "–", "the public edition hides the small count of F9")
      shot(d, "report-public-ru")
      d.get(BASE + "/framework")
      shot(d, "framework")
      d.get(BASE + "/readiness")
      check(len(d.find_elements(By.CSS_SELECTOR, "#readiness-regions tbody tr")) == 16, "readiness by region, previous and latest round")
      shot(d, "readiness")
      d.get(BASE + "/sites?on=2017-12-31")
      check("Not inspected" in find(d, By.ID, "flag-not-inspected").text, "the site registry flags what needs attention")
      shot(d, "sites")
      find(d, By.CSS_SELECTOR, "#sites-table tbody a").click()
      find(d, By.ID, "site-detail")
      shot(d, "site")
      d.get(BASE + "/account")
      shot(d, "account")
      sign_in(d, "almaty")
      d.get(BASE + "/users")
      check("administrators" in find(d, By.CSS_SELECTOR, ".error").text, "a data-entry user cannot open the users page")

      # Signing out ends the session.
      d.get(BASE + "/dashboard")
      find(d, By.CSS_SELECTOR, "header form button").click()
      d.get(BASE + "/dashboard")
      check("/login" in d.current_url, "after signing out, pages ask to sign in again")
      print("all end-to-end checks passed", flush=True)
  except SystemExit:
    raise
  except Exception as e:
    import traceback
    traceback.print_exc()
    print("FAIL: an unexpected error at", d.current_url, ":", repr(e), flush=True)
    d.save_screenshot("/tmp/qorgan-e2e-failure.png")
    raise SystemExit(1)
finally:
    d.quit()
