"""The sandbox chat page in headless Chromium, against the real channel and a scripted bot."""

from __future__ import annotations

import pytest
from whatsapp_harness import BackgroundLoop, ChannelHarness, FakeBot, chromium_driver, migrated_database

from chassie.menu import APP_MENU_ROWS, MAIN_MENU_ROWS

WAIT_SECONDS = 15
SENDER = "6281234567890"


@pytest.fixture
def database_url(tmp_path):
    """A migrated SQLite database, created before the test body (see `migrated_database`)."""
    return migrated_database(tmp_path)


def office_bot(text: str) -> dict:
    """Return responses shaped like the assistant's: main menu list, apps list, OSS page."""
    if text == "3":
        return {
            "text": "*APLIKASI PERIZINAN*\nKetik kode *31* sampai *36*.",
            "buttons": [{"title": e.title, "payload": e.code} for e in APP_MENU_ROWS],
        }
    if text == "31":
        return {
            "text": "*OSS*\n_Perizinan Berusaha Terintegrasi Secara Elektronik_\n- akun\n- NIB\n```https://oss.go.id```"
        }
    return {
        "text": "Om Swastiastu 🙏\nSelamat datang di *Chassie*.",
        "buttons": [{"title": e.title, "payload": e.code} for e in MAIN_MENU_ROWS],
    }


@pytest.fixture
def page(tmp_path, database_url):
    driver = chromium_driver(tmp_path / "chromium-profile")
    with BackgroundLoop() as background:
        harness = ChannelHarness(database_url, bot=FakeBot(reply=office_bot))
        background.call(harness.__aenter__())
        try:
            driver.get(f"{harness.graph.url}/?wa_id={SENDER}")
            yield driver, harness, background
        finally:
            driver.quit()
            background.call(harness.__aexit__(None, None, None))


def wait_for(driver, condition):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(condition)


def test_menu_flow_in_browser(page, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver, harness, _ = page
    lists = lambda d: d.find_elements(By.CSS_SELECTOR, ".bubble.out .wa-list-open")  # noqa: E731

    driver.find_element(By.ID, "composer-input").send_keys("halo", Keys.ENTER)
    wait_for(driver, lambda d: len(lists(d)) == 1)
    greeting = driver.find_elements(By.CSS_SELECTOR, ".bubble.out")[-1]
    assert greeting.find_element(By.TAG_NAME, "strong").text == "Chassie"
    assert lists(driver)[0].text.endswith("Pilih menu")

    lists(driver)[0].click()
    rows = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#sheet .wa-row"))
    assert [row.find_element(By.CLASS_NAME, "title").text for row in rows] == [e.title for e in MAIN_MENU_ROWS]
    next(row for row in rows if "Aplikasi Perizinan" in row.text).click()
    driver.find_element(By.ID, "sheet-send").click()

    wait_for(driver, lambda d: len(lists(d)) == 2)
    apps = driver.find_elements(By.CSS_SELECTOR, ".bubble.out")[-1]
    assert "APLIKASI PERIZINAN" in apps.text
    lists(driver)[1].click()
    app_rows = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#sheet .wa-row"))
    assert app_rows[0].find_element(By.CLASS_NAME, "title").text == "OSS"
    driver.find_element(By.ID, "sheet-close").click()

    driver.find_element(By.ID, "composer-input").send_keys("31", Keys.ENTER)
    wait_for(driver, lambda d: "Perizinan Berusaha" in d.find_elements(By.CSS_SELECTOR, ".bubble.out")[-1].text)
    oss = driver.find_elements(By.CSS_SELECTOR, ".bubble.out")[-1]
    assert oss.find_element(By.TAG_NAME, "strong").text == "OSS"
    assert oss.find_element(By.TAG_NAME, "em").text.startswith("Perizinan")
    assert oss.find_element(By.TAG_NAME, "code").text == "https://oss.go.id"
    assert "• akun" in oss.text

    assert harness.bot.texts == ["halo", "3", "31"]
    mine = driver.find_elements(By.CSS_SELECTOR, ".bubble.in")
    assert [bubble.find_element(By.CLASS_NAME, "content").text for bubble in mine] == [
        "halo",
        "Aplikasi Perizinan",
        "31",
    ]
    driver.save_screenshot(str(tmp_path / "whatsapp-sandbox.png"))


def test_second_number_sees_unprompted_messages(page):
    from selenium.webdriver.common.by import By

    driver, harness, background = page
    team_member = "6289876543210"
    field = driver.find_element(By.ID, "wa-id-input")
    field.clear()
    field.send_keys(team_member)
    driver.find_element(By.ID, "number-apply").click()

    output = harness.channel.get_output_channel()
    background.call(output.send_response(team_member, {"text": "Pengaduan baru *ADU-0001*"}))
    background.call(output.send_response(SENDER, {"text": "Pesan untuk warga"}))

    wait_for(driver, lambda d: "ADU-0001" in d.find_element(By.ID, "messages").text)
    assert "Pesan untuk warga" not in driver.find_element(By.ID, "messages").text
    assert "wa_id=6289876543210" in driver.current_url
