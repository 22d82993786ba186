"""A real browser on `talentwatch serve`: headless Debian Chromium, driven by Selenium through Debian's
chromedriver (no driver or browser download), opens the pages people use and keeps screenshots of them
under tests/output/browser/.

JSON answers (test_serve) do not show what a reader sees: whether the canned query page renders its
title, table and columns, and whether the dashboard's charts draw without any CDN.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import BIN, ROOT
from tests.test_serve import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
OUTPUT = ROOT / "tests" / "output" / "browser"

pytestmark = [
    pytest.mark.slow,
    # Skipped only where `make test` could not install them (not root): as root a missing browser is a failure.
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and os.geteuid() != 0,
        reason="Debian chromium and chromium-driver are not installed (`make test` installs them as root)",
    ),
]


@pytest.fixture()
def served_demo(demo_db, tmp_path):
    db_path = tmp_path / "demo.db"
    shutil.copy(demo_db, db_path)
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "talentwatch"), "serve", str(db_path), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline and proc.poll() is None, "talentwatch serve did not start"
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture()
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1400"):
        options.add_argument(argument)
    # An explicit driver path keeps Selenium Manager from looking for (and downloading) one.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


def screenshot(driver, name: str) -> Path:  # noqa: ANN001
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    path.unlink(missing_ok=True)
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000, path
    return path


def table(driver) -> tuple[list[str], list[list[str]]]:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    headers = [th.text.strip() for th in driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns thead th")]
    rows = [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    ]
    return headers, rows


def test_timeline_claims_and_chart_pages_in_chromium(served_demo, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 20)

    browser.get(f"{served_demo}/demo/initiative_timeline?initiative=US+Tech+Force")
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Timeline of one initiative")
    headers, rows = table(browser)
    assert {"date", "kind", "detail", "status", "outlets", "reported_by", "mentions_markdown"} <= set(headers)
    assert len(rows) >= 6
    details = [row[headers.index("detail")] for row in rows]
    # one row per fact: the salary is one disputed fact that shows both outlets' ranges
    salary = [d for d in details if "USD/year" in d]
    assert len(salary) == 1 and "130,000–195,000" in salary[0] and "150,000–200,000" in salary[0]
    assert any("1,000" in d for d in details)
    # the mentions link opens the figures behind the fact
    link = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr td a[href*='fact_id=']")[0]
    link.click()
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    assert "fact_id=" in browser.current_url and table(browser)[1]
    browser.get(f"{served_demo}/demo/initiative_timeline?initiative=US+Tech+Force")
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    screenshot(browser, "initiative_timeline")

    browser.get(f"{served_demo}/demo/disagreeing_claims")
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Claims that disagree between sources")
    headers, rows = table(browser)
    assert {"initiative", "claim", "outlets", "reported_by", "first_reported", "evidence"} <= set(headers)
    by_outlet = {(row[headers.index("claim")], row[headers.index("reported_by")]) for row in rows}
    assert ("150,000–200,000 USD/year", "Acteurs de l’État numérique") in by_outlet
    assert any(outlet == "Civic Tech Wire" and "195,000" in claim for claim, outlet in by_outlet)
    screenshot(browser, "disagreeing_claims")

    browser.get(f"{served_demo}/-/dashboards/figures-over-time")
    # vega-embed draws each chart as an SVG or canvas once its query has answered
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".vega-embed canvas, .vega-embed svg")) >= 3)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Figures over time"
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors  # e.g. a script that could not load
    screenshot(browser, "figures_over_time")

    # Compare initiatives: a row per initiative, faceted, and the profile one click from the timeline
    browser.get(f"{served_demo}/demo/comparison")
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Compare initiatives")
    headers, rows = table(browser)
    assert {"initiative", "country", "kind", "status", "hires", "term", "salary"} <= set(headers)
    force = next(row for row in rows if row[headers.index("initiative")] == "US Tech Force")
    assert "1,000" in force[headers.index("hires")] and "2 years" in force[headers.index("term")]
    assert force[headers.index("salary")].startswith("disputed")
    assert browser.find_elements(By.CSS_SELECTOR, ".facet-info"), "facets by country and kind"
    screenshot(browser, "compare_initiatives")
    browser.get(f"{served_demo}/demo/initiative_timeline?initiative=US+Tech+Force")
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr td a[href*='initiative_profile']")[
        0
    ].click()
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Profile of one initiative")
    headers, rows = table(browser)
    assert {row[headers.index("measure")] for row in rows} >= {"Cohort or hires", "Term", "Salary"}
    screenshot(browser, "initiative_profile")

    browser.get(f"{served_demo}/-/dashboards/compare-initiatives")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".vega-embed canvas, .vega-embed svg")) >= 2)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Initiatives side by side"
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    screenshot(browser, "compare_initiatives_chart")
