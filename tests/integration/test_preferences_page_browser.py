"""The preferences page in a real headless Chromium at a phone's size: see, untick, save, see Saved."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clocks import Clock
from tests.integration.preferences_site import ANA, preferences_site

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT_ENV = "CONSENT_DESK_PAGE_SCREENSHOT"

webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed (pip install -e .[test])"
)
By = pytest.importorskip("selenium.webdriver.common.by").By
WebDriverWait = pytest.importorskip("selenium.webdriver.support.wait").WebDriverWait

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
        reason=f"needs Debian's {CHROMIUM} and {CHROMEDRIVER} (apt install chromium chromium-driver)",
    ),
]


@pytest.fixture
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=390,844"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    # headless windows are at least 500 px wide: emulate the phone's viewport itself
    phone = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    try:
        yield driver
    finally:
        driver.quit()


def _save_screenshot(driver: Any, suffix: str = "") -> None:
    """A phone-sized picture of the page for the issue's note, only when asked for."""
    target = os.environ.get(SCREENSHOT_ENV)
    if target:
        path = Path(target)
        driver.save_screenshot(str(path.with_stem(path.stem + suffix)))


def test_a_customer_unticks_marketing_on_a_phone(tmp_path: Path, clock: Clock, browser: Any) -> None:
    with preferences_site(tmp_path, clock) as site:
        link = site.links.link_for(ANA)
        assert link is not None
        browser.get(link)
        assert "Messages from Ana's Bakery" in browser.find_element(By.TAG_NAME, "h1").text
        marketing = browser.find_element(By.CSS_SELECTOR, 'input[value="marketing"]')
        assert marketing.is_selected()
        assert browser.execute_script("return window.innerWidth") == 390
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        _save_screenshot(browser)
        marketing.click()
        browser.find_element(By.CSS_SELECTOR, 'button[value="save"]').click()
        # the click returns before the POST and its redirect have loaded: wait for the Saved page
        saved = WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".saved"))
        assert "Saved." in saved[0].text
        assert browser.current_url.endswith("/saved")
        assert not browser.find_element(By.CSS_SELECTOR, 'input[value="marketing"]').is_selected()
        _save_screenshot(browser, "-saved")
        assert [(e.category, str(e.action)) for e in site.book.history(ANA)] == [("marketing", "opt_out")]
        assert not site.book.may_send(ANA, "marketing").allowed

        browser.get(site.server.base_url + "/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        assert "This link is not valid any more" in browser.find_element(By.TAG_NAME, "body").text
