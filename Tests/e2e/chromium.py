"""What the browser tests share: Debian's headless Chromium through selenium (no download, works
offline), one line printed per check, and waits that ride out a page being replaced."""
import importlib.util, os

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "qorgan-demo"


def check(cond, what):
    """Prints the check; stops the script with a non-zero status on the first that fails."""
    if not cond:
        print("FAIL:", what, flush=True)
        raise SystemExit(1)
    print("ok:", what, flush=True)


def browser(width=1400, height=1000):
    opts = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=%d,%d" % (width, height),
              "--lang=en-US"]:
        opts.add_argument(a)
    opts.binary_location = "/usr/bin/chromium"
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.set_page_load_timeout(30)
    d.set_script_timeout(60)
    return d


def wait(d, cond, timeout=30):
    # A page being replaced (a form posted, a redirect) leaves stale elements, or no page to ask,
    # for a moment: ask again until the time is up.
    return WebDriverWait(d, timeout, ignored_exceptions=[StaleElementReferenceException, WebDriverException]).until(cond)


def find(d, by, what, timeout=30):
    """The element, once it is there (a page may still be arriving after a redirect)."""
    return wait(d, lambda d: d.find_element(by, what), timeout)


def sign_in(d, base, user):
    d.delete_all_cookies()
    d.get(base + "/login")
    find(d, By.ID, "username").send_keys(user)
    find(d, By.ID, "password").send_keys(PASSWORD)
    find(d, By.ID, "sign-in").click()
    wait(d, lambda d: "/dashboard" in d.current_url)


_AXE = None


def axe(d):
    """axe-core's violations on the page as it stands (rule and first element), with axe-core as
    the axe-playwright-python package ships it (installed by scripts/test)."""
    global _AXE
    if _AXE is None:
        spec = importlib.util.find_spec("axe_playwright_python")
        check(spec is not None, "axe-playwright-python is installed")
        _AXE = open(os.path.join(os.path.dirname(spec.origin), "axe.min.js"), encoding="utf-8").read()
    return d.execute_async_script(_AXE + """
        ;var done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then(function (r) {
          done(r.violations.map(function (v) { return v.id + ': ' + v.nodes[0].target.join(' '); }));
        });""")
