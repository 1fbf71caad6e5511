"""The explorer in a real browser: headless Chromium loads the app and finds the chart and summary.

Installs Debian's ``chromium`` and ``chromium-driver`` when ``/usr/bin/chromium`` is missing
(as root, the way CI runs), starts ``streamlit run app.py`` on a free port of 127.0.0.1, and
drives Chromium with Selenium. Every wait is bounded. The screenshots are kept under
``test-artifacts/`` for a person to look at; the test itself checks the page's DOM and the
screenshot's pixels (the chart's Okabe-Ito line colours must be there, and the page not blank).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hlssim.ui.serving.servers import free_port, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--window-size=1600,2000")
#: Okabe-Ito blue and vermillion: the first two regimes' lines in the main chart.
LINE_COLOURS = ((0x00, 0x72, 0xB2), (0xD5, 0x5E, 0x00))
#: A panel of a chart: an SVG picture made by the server (hlssim.figures.svg_panels).
CHART = '[data-testid="stImage"] img[src^="data:image/svg"]'


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium and its driver, installed with apt-get when missing."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.skip("chromium is not installed and cannot be installed here (needs root "
                        "and apt-get)")
        env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"],
                        ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                         "chromium", "chromium-driver"]):
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600,
                                  check=False)
            assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stderr[-2000:]}"
    return CHROMIUM


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``streamlit run app.py`` on a free port of 127.0.0.1, stopped at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_healthy(url, [process], timeout=90)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


@pytest.fixture(scope="module")
def browser(chromium: Path, server: str):
    """Headless Chromium driven by Selenium, with a fresh profile; warmed up on the app once."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="hlssim-chromium-")
    downloads = Path(profile) / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    try:
        # The first load of a cold server can come back blank: load once before the real checks.
        driver.get(server)
        try:
            wait_for(driver, lambda d: chart_drawn(d), 120)
        except AssertionError:
            pass
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, condition, timeout: float):
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:  # an element Streamlit replaced mid-check is looked up again at the next poll
        return WebDriverWait(driver, timeout, poll_frequency=0.25,
                             ignored_exceptions=(StaleElementReferenceException,)).until(condition)
    except TimeoutException:
        raise AssertionError(f"page not ready after {timeout} s") from None


#: The panels on the page the browser has drawn (decoded, of their own size), with their size.
DRAWN_PANELS = ("return [...document.querySelectorAll('%s')].filter(e => e.complete && "
                "e.naturalWidth > 0).map(e => [e.getBoundingClientRect().width, "
                "e.getBoundingClientRect().height])" % CHART.replace("'", "\\'"))


def chart_drawn(driver) -> bool:
    """A panel of the main chart is on the page, drawn (its picture decoded), of real size."""
    return any(w > 200 and h > 150 for w, h in driver.execute_script(DRAWN_PANELS))


def page_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def screenshot(driver, name: str):
    """Save a screenshot under test-artifacts/ and return it as an RGB image."""
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return Image.open(path).convert("RGB")


def assert_not_blank_and_charted(image) -> None:
    colours = image.getcolors(maxcolors=1 << 24)
    counts = {colour: n for n, colour in colours}
    non_white = sum(n for colour, n in counts.items() if min(colour) < 235)
    assert non_white > 0.05 * image.width * image.height, "the page is (nearly) blank"
    assert len(counts) > 200, "too few colours for a page with a chart"
    for colour in LINE_COLOURS:
        assert counts.get(colour, 0) > 200, f"no chart line in colour #{bytes(colour).hex()}"


def test_compare_page_renders_chart_and_summary(browser, server):
    browser.set_window_size(1600, 2000)
    browser.get(server)
    wait_for(browser, lambda d: "What happened" in page_text(d) and "From 5 runs" in page_text(d),
             120)
    wait_for(browser, chart_drawn, 60)
    text = page_text(browser)
    assert "Target-driven or learning-led commissioning?" in text
    # the main chart's panels are pictures, each titled with its measure
    titles = browser.execute_script(
        "return [...document.querySelectorAll('%s')].map(e => "
        "atob(e.src.split(',')[1]).match(/<title>([^<]*)<\\/title>/)[1])" % CHART)
    assert len(titles) == 12 and titles[0] == "True wellbeing (mean)"
    assert "true wellbeing (0 to 1) averaged" in text  # the generated summary
    assert "Traceback" not in text
    # the legend's line for each regime is drawn (a swatch of real size), not only its name
    swatches = browser.execute_script(
        "return [...document.querySelectorAll('.hlssim-swatch')].map(e => {"
        "const r = e.getBoundingClientRect(); return [r.width, r.height,"
        " getComputedStyle(e).backgroundImage]})")
    assert len(swatches) == 2, swatches
    assert all(w >= 40 and h >= 3 and "gradient" in bg for w, h, bg in swatches), swatches
    time.sleep(1.0)  # let the chart finish its last paint before the picture
    assert_not_blank_and_charted(screenshot(browser, "browser_compare.png"))


def test_switch_page_renders(browser, server):
    browser.set_window_size(1600, 2000)
    browser.get(f"{server}/switch")
    wait_for(browser, lambda d: "Before the switch at year" in page_text(d)
             and "From 5 runs" in page_text(d), 120)
    wait_for(browser, chart_drawn, 60)
    assert "Switch regime at year N" in page_text(browser)
    time.sleep(1.0)
    assert_not_blank_and_charted(screenshot(browser, "browser_switch.png"))


def test_downloads_give_the_data_and_the_figure(browser, server):
    from PIL import Image

    browser.set_window_size(1600, 2000)
    browser.get(server)
    wait_for(browser, lambda d: "From 5 runs" in page_text(d), 120)
    labels = ("Every run, month by month (CSV)", "Final-year summary (CSV)", "Figure (PNG)",
              "One-page brief for a meeting (PNG)")

    # Streamlit may replace a button's element while the page settles, so each click finds the
    # button afresh by its text, in the page, and is retried until one lands.
    click = ("const b = [...document.querySelectorAll('button')]"
             ".find(e => e.innerText.trim() === arguments[0]);"
             "if (!b) return false; b.scrollIntoView(); b.click(); return true;")
    for label in labels:
        wait_for(browser, lambda d, label=label: d.execute_script(click, label), 60)

    stem = "hlssim_scottish_borders"
    def finished(_):
        names = {p.name for p in browser.downloads.iterdir()}
        wanted = {f"{stem}_runs.csv", f"{stem}_summary.csv", f"{stem}.png", f"{stem}_brief.png"}
        return wanted <= names and not any(n.endswith(".crdownload") for n in names)

    wait_for(browser, finished, 60)
    runs = (browser.downloads / f"{stem}_runs.csv").read_text().splitlines()
    # plain headers beside the code names
    assert runs[0].startswith("Regime [regime],Regime in words [regime_label],Run [rep],"
                              "Month [step],True wellbeing (mean) [wellbeing_mean],")
    assert len(runs) == 1 + 2 * 5 * 120  # two regimes, five runs, 120 months
    summary = (browser.downloads / f"{stem}_summary.csv").read_text()
    assert summary.startswith("Regime [regime],Regime in words [regime_label],Measure [measure],"
                              "Measure code [metric],Mean [mean],95% interval low [ci_low],")
    figure = Image.open(browser.downloads / f"{stem}.png").convert("RGB")
    counts = {colour: n for n, colour in figure.getcolors(maxcolors=1 << 24)}
    assert all(counts.get(colour, 0) > 200 for colour in LINE_COLOURS)
    brief = Image.open(browser.downloads / f"{stem}_brief.png").convert("RGB")
    assert brief.height > brief.width  # one portrait page
    counts = {colour: n for n, colour in brief.getcolors(maxcolors=1 << 24)}
    assert all(counts.get(colour, 0) > 50 for colour in LINE_COLOURS)


# --- the page fits the screen (issue 21) ---------------------------------------------------------

#: The widths every page must fit without scrolling sideways: a small laptop, a meeting-room
#: screen, a full-HD projector or monitor, and a phone.
WIDTHS = (1024, 1400, 1920, 390)
#: Each page, and text that shows it has finished drawing.
PAGES = {"compare": ("", "From 5 runs"), "switch": ("/switch", "Does it dip first"),
         "loops": ("/loops", "Gaming"), "about": ("/about", "Glossary")}

OVERFLOW = """
const width = document.documentElement.clientWidth;
const wide = [];
const bar = document.querySelector('[data-testid=stSidebar]');
const barHidden = !bar || bar.getBoundingClientRect().right <= 0;  // collapsed on a phone
for (const e of document.querySelectorAll(
        '[data-testid=stVegaLiteChart], [data-testid=stImage], [data-testid=stMarkdownContainer], '
        + '[data-testid=stDataFrame], [data-testid=stButton], canvas, svg')) {
    if (barHidden && bar && bar.contains(e)) continue;
    const box = e.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 1 || box.left < -1)) {
        wide.push(`${e.dataset.testid || e.tagName}: ${Math.round(box.left)}-${Math.round(box.right)}`);
    }
}
return {width: width, scroll: document.documentElement.scrollWidth, wide: wide};
"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_fits_the_screen(browser, server, page, width):
    """No horizontal scrolling, and no chart, image or paragraph reaching past the right edge."""
    path, ready = PAGES[page]
    browser.set_window_size(width, 1000)
    browser.get(server + path)
    wait_for(browser, lambda d: ready in page_text(d), 120)
    if page in ("compare", "switch"):
        wait_for(browser, chart_drawn_any, 60)
    time.sleep(1.0)  # charts size themselves to their containers after the first paint
    found = browser.execute_script(OVERFLOW)
    screenshot(browser, f"browser_{page}_{width}px.png")
    assert found["scroll"] <= found["width"], f"the page scrolls sideways: {found}"
    assert not found["wide"], f"cut off at {width} px: {found['wide'][:5]}"
    if page == "compare" and width >= 1024:
        # every panel of the main chart is on the page, side by side where there is room
        charts = browser.execute_script(
            "return [...document.querySelectorAll('%s')]"
            ".map(e => e.getBoundingClientRect().top)" % CHART.replace("'", "\\'"))
        assert len(charts) == 12 and len(set(round(t) for t in charts)) < 12


def chart_drawn_any(driver) -> bool:
    """A panel is drawn, at least 150 px wide (a phone's panels are narrower than a laptop's)."""
    return any(w > 150 for w, _ in driver.execute_script(DRAWN_PANELS))


def test_no_deploy_button(browser, server):
    browser.set_window_size(1400, 1000)
    browser.get(server)
    wait_for(browser, lambda d: "From 5 runs" in page_text(d), 120)
    assert "Deploy" not in page_text(browser)
    from selenium.webdriver.common.by import By

    assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stAppDeployButton"]')
