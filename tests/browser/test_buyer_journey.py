"""A buyer's whole journey in a real browser (headless Chromium) against the demo shop
served by uvicorn, with the worker running: register by INN, sign in, order from the
catalogue, pay through the simulator page, choose a delivery interval, see the order
shipped, download the invoice PDF. Screenshots of the main pages are saved on the way
(``B2B_SCREENSHOTS`` names the folder; by default a temporary one).

Without Chromium and its driver the test is skipped locally and fails on CI (``CI=true``).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import httpx
import pytest
import uvicorn
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from b2bcore import demo as scenario
from b2bcore.cli.demo_site import demo_site

NEW_INN = "7700222227"  # ООО "Василёк" in the demo company directory: no client yet
NEW_EMAIL = "maria@vasilek.example"
NEW_PASSWORD = "vasilek-demo-password-1"
WAIT_SECONDS = 30.0
"""The worker polls every second; a step it takes longer than this for is a failure."""


def _browser_binaries() -> tuple[str, str]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium and driver:
        return chromium, driver
    reason = "the browser test needs Debian's chromium and chromedriver (apt-get install "
    reason += "chromium chromium-driver)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: missing on CI")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    """The demo shop on a fresh SQLite file in ``tmp_path``, served on a free loopback
    port, with its worker; both stopped afterwards."""
    site = demo_site(tmp_path / "demo.db")
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(site.web, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    site.worker.start()
    thread.start()
    deadline = time.monotonic() + WAIT_SECONDS
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    assert site.worker.stop(10), "the worker did not stop"


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    chromium, driver = _browser_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--lang=ru-RU",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "ru-RU,ru"})
    # The driver is given, so Selenium Manager never looks for (or downloads) one.
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    chrome.implicitly_wait(0)
    try:
        yield chrome
    finally:
        chrome.quit()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("B2B_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@attrs.define
class Journey:
    """The browser on the demo shop, with the few moves the journey repeats."""

    driver: webdriver.Chrome
    base: str
    shots: Path

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def shot(self, name: str) -> None:
        """A full-page PNG: the page's whole height, not only the window."""
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics["cssContentSize"]
        # At least the window's width: a page taller than the window reports the width
        # left beside a scrollbar, which the full-height capture does not have.
        width = max(size["width"], self.driver.execute_script("return window.innerWidth"))
        clip = {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1}
        params = {"format": "png", "captureBeyondViewport": True, "clip": clip}
        data = self.driver.execute_cdp_cmd("Page.captureScreenshot", params)
        (self.shots / f"{name}.png").write_bytes(base64.b64decode(data["data"]))

    def fill(self, **fields: str) -> None:
        for name, value in fields.items():
            element = self.driver.find_element(By.NAME, name)
            element.clear()
            element.send_keys(value)

    def press(self, text: str, within: str = "main") -> None:
        """Click the button labelled ``text`` inside the ``within`` element."""
        buttons = self.driver.find_elements(By.CSS_SELECTOR, f"{within} button")
        matching = [b for b in buttons if b.text.strip() == text]
        assert matching, f"no button {text!r} on {self.driver.current_url}"
        self.submit(matching[0])

    def submit(self, button: WebElement) -> None:
        """Click a form's button and wait for the page the server answers with."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        button.click()
        WebDriverWait(self.driver, WAIT_SECONDS).until(lambda _: _left(old))

    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def status(self) -> str:
        return str(self.driver.find_element(By.CSS_SELECTOR, "h1 .badge").text)

    def wait_for_status(self, path: str, wanted: str) -> None:
        """Reload the order page until the worker has moved the order to ``wanted``."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            self.open(path)
            if self.status() == wanted:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"order still {self.status()!r}, not {wanted!r}, after {WAIT_SECONDS}s")
            time.sleep(0.5)

    def simulator_form(self, field: str, value: str) -> Callable[[], None]:
        """The submit of the simulator form whose hidden ``field`` is ``value``."""
        self.open("/demo")
        selector = f'input[name="{field}"][value="{value}"]'
        hidden = self.driver.find_element(By.CSS_SELECTOR, selector)
        form = hidden.find_element(By.XPATH, "./ancestor::form")
        button = form.find_element(By.TAG_NAME, "button")
        return lambda: self.submit(button)


def _left(old: WebElement) -> bool:
    """Whether the browser has left the page ``old`` belongs to. Chromium reports an
    element of a replaced page as stale or, while it swaps them, as not in the document."""
    try:
        old.is_enabled()
    except WebDriverException:  # StaleElementReferenceException is one
        return True
    return False


@pytest.fixture
def journey(browser: webdriver.Chrome, base_url: str, screenshots: Path) -> Journey:
    return Journey(driver=browser, base=base_url, shots=screenshots)


def test_a_new_buyer_orders_pays_and_gets_the_goods(journey: Journey) -> None:
    """From registration by INN to a shipped order and its invoice PDF, as a buyer clicks."""
    page = journey
    page.open("/login")
    page.shot("01-login")
    page.driver.find_element(By.LINK_TEXT, "Зарегистрироваться по ИНН").click()
    page.shot("02-registration")
    page.fill(inn=NEW_INN)
    page.press("Найти компанию")
    assert "Василёк" in page.text()
    page.fill(
        full_name="Мария Петрова", email=NEW_EMAIL, phone="+7 900 111-22-33",
        password=NEW_PASSWORD, password_repeat=NEW_PASSWORD,
    )  # fmt: skip
    page.shot("03-registration-confirm")
    page.press("Зарегистрироваться")
    assert "Мария Петрова" in page.text()

    page.press("Выйти", within="header")
    page.open("/login")
    page.fill(email=NEW_EMAIL, password=NEW_PASSWORD)
    page.press("Войти")
    assert "Мария Петрова" in page.text()
    page.shot("04-home")

    page.open("/addresses")
    page.fill(label="Склад", address="г Москва, ул Лесная, д 5", recipient="Мария Петрова")
    page.press("Добавить")
    assert "ул Лесная" in page.text()

    page.open("/catalogue")
    page.shot("05-catalogue")
    sku = page.driver.find_element(By.CSS_SELECTOR, 'input[name="sku"][value="CH-USB-C"]')
    row = sku.find_element(By.XPATH, "./ancestor::form")
    quantity = row.find_element(By.NAME, "quantity")
    quantity.clear()
    quantity.send_keys("2")
    page.submit(row.find_element(By.TAG_NAME, "button"))
    page.open("/cart")
    page.shot("06-cart")
    page.press("Оформить заказ")
    order_path = page.driver.current_url.removeprefix(page.base)
    assert re.fullmatch(r"/orders/[^/]+", order_path), order_path

    page.wait_for_status(order_path, "счёт выставлен")
    page.shot("07-order-invoiced")
    invoice = re.search(r"СЧ-\d{4}-\d{6}", page.text())
    assert invoice is not None
    page.open("/orders")
    page.shot("08-orders")

    pay = page.simulator_form("invoice", invoice.group(0))
    page.shot("09-simulator")
    pay()
    assert "проведён" in page.text()

    page.wait_for_status(order_path, "оплачен")
    page.press("Выбрать")
    page.wait_for_status(order_path, "заявка на транспорт")
    order_number = page.driver.find_element(By.TAG_NAME, "h1").text.split()[1]
    page.simulator_form("transport", _transport_of(page, order_number))()
    page.shot("10-simulator-shipped")
    page.wait_for_status(order_path, "отгружен")
    page.shot("11-order-shipped")

    link = page.driver.find_element(By.PARTIAL_LINK_TEXT, invoice.group(0).split("-", 1)[1])
    cookies = {c["name"]: c["value"] for c in page.driver.get_cookies()}
    pdf = httpx.get(str(link.get_attribute("href")), cookies=cookies, timeout=30)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")

    page.press("Выйти", within="header")
    page.open("/login")
    manager = scenario.MANAGER.email
    page.fill(email=manager, password=scenario.DEMO_PASSWORDS[manager])
    page.press("Войти")
    page.open("/manager/")
    page.shot("12-manager-queue")


def _transport_of(page: Journey, order_number: str) -> str:
    """The transport request the simulator page lists for ``order_number``."""
    page.open("/demo")
    rows = page.driver.find_elements(By.CSS_SELECTOR, "tr")
    for row in rows:
        if order_number in row.text:
            hidden = row.find_element(By.CSS_SELECTOR, 'input[name="transport"]')
            return str(hidden.get_attribute("value"))
    pytest.fail(f"{order_number} does not await shipment on the simulator page")
