"""The whole assistant (rasa server, action server, sandboxes) on free ports, driven through WhatsApp.

Uses the session-wide `assistant` stack, which needs a trained model at
models/chassie.tar.gz (`make train`) and is skipped without it.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from whatsapp_harness import chromium_driver

WAIT_SECONDS = 30
# Numbers of their own, so no other test's conversation state is in the way.
TIMED_SENDER = "6281200000077"
BROWSER_SENDER = "6281200000078"


@pytest.fixture
def stack_config(assistant):
    """The shared running assistant's ports (the `assistant` fixture of conftest.py)."""
    if not assistant.config.whatsapp_sandbox:
        pytest.skip("the shared stack runs without the WhatsApp sandbox")
    return assistant.config


def sandbox_json(config, path: str, payload=None, method: str = "GET"):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(
        config.url("whatsapp", path), data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
        return json.loads(response.read())


def sends_to(config, wa_id: str) -> list:
    calls = sandbox_json(config, "/sandbox/control/calls")["calls"]
    return [c for c in calls if c["message_id"] and c["body"].get("to") == wa_id and c["body"].get("type") != "read"]


def test_signed_webhook_answered_once_within_a_second(stack_config):
    wa_id = TIMED_SENDER
    sandbox_json(stack_config, "/sandbox/api/send", {"wa_id": wa_id, "kind": "text", "text": "halo"}, "POST")
    # The first message also warms up the model; the timed one follows.
    deadline = time.monotonic() + WAIT_SECONDS
    while not sends_to(stack_config, wa_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sends_to(stack_config, wa_id), "the assistant did not answer the first message"

    time.sleep(1.0)
    before = len(sends_to(stack_config, wa_id))
    started = time.monotonic()
    result = sandbox_json(stack_config, "/sandbox/api/send", {"wa_id": wa_id, "kind": "text", "text": "31"}, "POST")
    while len(sends_to(stack_config, wa_id)) == before and time.monotonic() - started < WAIT_SECONDS:
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    time.sleep(1.0)

    replies = sends_to(stack_config, wa_id)[before:]
    assert result["webhook_status"] == 200
    assert elapsed < 1.0, f"first reply took {elapsed:.2f} s"
    assert len(replies) == 1
    assert "OSS" in json.dumps(replies[0]["body"])


def test_menu_flow_in_browser_with_assistant(stack_config, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium_driver(tmp_path / "chromium-profile")
    wait = WebDriverWait(driver, WAIT_SECONDS)
    lists = lambda d: d.find_elements(By.CSS_SELECTOR, ".bubble.out .wa-list-open")  # noqa: E731
    try:
        driver.get(stack_config.url("whatsapp", f"/?wa_id={BROWSER_SENDER}"))
        driver.find_element(By.ID, "composer-input").send_keys("halo", Keys.ENTER)
        wait.until(lambda d: len(lists(d)) >= 1)

        lists(driver)[-1].click()
        rows = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#sheet .wa-row"))
        next(row for row in rows if "Aplikasi Perizinan" in row.text).click()
        driver.find_element(By.ID, "sheet-send").click()

        wait.until(lambda d: len(lists(d)) >= 2)
        lists(driver)[-1].click()
        app_rows = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#sheet .wa-row"))
        assert "OSS" in [row.find_element(By.CLASS_NAME, "title").text for row in app_rows]
        driver.find_element(By.ID, "sheet-close").click()

        replies_before = len(driver.find_elements(By.CSS_SELECTOR, ".bubble.out"))
        driver.find_element(By.ID, "composer-input").send_keys("31", Keys.ENTER)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".bubble.out")) > replies_before)
        oss = driver.find_elements(By.CSS_SELECTOR, ".bubble.out")[replies_before]
        assert "OSS" in oss.text
    finally:
        driver.save_screenshot(str(tmp_path / "whatsapp-stack.png"))
        driver.quit()
