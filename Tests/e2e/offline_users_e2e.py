#!/usr/bin/env python3
"""Two people in turn on one browser profile (issue 27): nothing one saw is served to the other.

almaty opens an Almaty form (the service worker keeps it); her session ends without the sign-out
button; aktobe signs in on the same browser. His first page drops her kept pages: online and
offline, the Almaty URL never shows her page, values, name or CSRF token. His own form, kept and
reopened offline, says whose copy it is.

Usage: offline_users_e2e.py BASE_URL. Prints one line per check, exits non-zero on the first failure."""
import os, sys
from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chromium import browser, check, find, sign_in, wait

BASE = sys.argv[1].rstrip("/")
ALMATY = BASE + "/entry?ds=SECURITY&ou=ALA&year=2017&pe=201712&lang=en"
AKTOBE = BASE + "/entry?ds=SECURITY&ou=AKT&year=2017&pe=201712&lang=en"


def kept(d, url):
    """The status of the kept copy of `url` in any cache of the origin (0 when none)."""
    return d.execute_async_script(
        "var done = arguments[1]; caches.match(arguments[0]).then(function (r) { done(r ? r.status : 0); });", url)


def open_kept(d, url):
    d.get(url)
    d.execute_async_script("var done = arguments[0]; navigator.serviceWorker.ready.then(function () { done(true); });")
    d.get(url)  # now through the service worker, which keeps the page
    wait(d, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"))


d = browser()
try:
    sign_in(d, BASE, "almaty")
    open_kept(d, ALMATY)
    page = d.page_source
    csrf = d.find_element(By.CSS_SELECTOR, "meta[name='csrf-token']").get_attribute("content")
    check(kept(d, ALMATY) == 200, "almaty's form is kept for offline use")
    check("almaty" in page and len(csrf) > 10, "her page shows her name and carries her CSRF token")

    # Her session ends without the sign-out button (the cookie is gone, as when it expires), and
    # aktobe signs in on the same browser.
    d.delete_all_cookies()
    sign_in(d, BASE, "aktobe")
    check(kept(d, ALMATY) == 0, "aktobe's first page dropped almaty's kept form")
    names = d.execute_async_script("var done = arguments[0]; caches.keys().then(done);")
    check(all("qorgan-offline-v1" != n for n in names), "no cache shared by every user is left (%s)" % names)

    d.get(ALMATY)
    check("almaty" not in d.page_source and csrf not in d.page_source, "online, the Almaty URL does not show her page")

    d.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    d.get(ALMATY)
    offline = d.page_source
    check("almaty" not in offline and csrf not in offline and ("No connection" in offline or "aktobe" in offline),
          "offline, the Almaty URL shows no page of hers: at most what aktobe himself was shown (%s)"
          % d.find_element(By.TAG_NAME, "body").text[:600].replace("\n", " | "))
    d.set_network_conditions(offline=False, latency=0, download_throughput=500 * 1024, upload_throughput=500 * 1024)

    # His own form, kept, and reopened offline: it says whose copy it is.
    open_kept(d, AKTOBE)
    check(kept(d, AKTOBE) == 200, "aktobe's own form is kept")
    d.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    d.get(AKTOBE)
    note = find(d, By.CSS_SELECTOR, ".offline-owner").text
    check("aktobe" in note, "offline, his kept form says it is his copy (%s)" % note)
    d.set_network_conditions(offline=False, latency=0, download_throughput=500 * 1024, upload_throughput=500 * 1024)

    # Signed out (the next page belongs to no session): nothing is kept any more.
    d.delete_all_cookies()
    d.get(BASE + "/login")
    check(kept(d, AKTOBE) == 0, "a page of no session drops every kept form")
    print("all offline user checks passed")
finally:
    d.quit()
