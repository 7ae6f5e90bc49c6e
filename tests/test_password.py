"""A trainer changes their own password (OWASP ASVS 2.1.5-2.1.6): the current password
first, the new one twice; other devices are signed out, this one stays signed in."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from assessment import throttle
from conftest import csrf_token
from helpers import PASSWORD, login, rows

OLD = PASSWORD  # trainer-a's, whom the signed_in fixture (conftest.py) signs in
NEW = "a longer pass phrase 2"


def _hash(app) -> str:
    return rows(app, "SELECT password_hash FROM trainers WHERE username = 'trainer-a'")[0]["password_hash"]


def _change(client, current=OLD, new=NEW, confirm=None):
    token = csrf_token(client.get("/trainer/password").get_data(as_text=True))
    return client.post("/trainer/password", data={
        "csrf_token": token, "current_password": current, "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    })


def _signed_in(client) -> bool:
    return client.get("/trainer/").status_code == 200


def _field_error(html: str, field: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    return htmllib.unescape(match.group(1)) if match else None


def test_changing_the_password_swaps_which_password_signs_in(app, signed_in):
    response = _change(signed_in)
    assert response.status_code == 302 and response.headers["Location"].endswith("/trainer/")
    page = signed_in.get("/trainer/").get_data(as_text=True)
    assert "Your password is changed" in page
    assert _signed_in(signed_in), "the device that changed it stays signed in"
    assert login(app.test_client(), "trainer-a", OLD).status_code == 400
    assert login(app.test_client(), "trainer-a", NEW).status_code == 302


def test_other_devices_are_signed_out(app, signed_in):
    other = app.test_client()
    assert login(other, "trainer-a", OLD).status_code == 302
    assert _signed_in(other)
    assert _change(signed_in).status_code == 302
    assert not _signed_in(other)
    assert _signed_in(signed_in)


@pytest.mark.parametrize("current, new, confirm, field, message", [
    ("wrong-password-1", NEW, None, "current_password", "That is not your current password."),
    ("", NEW, None, "current_password", "Enter your current password."),
    (OLD, "", "", "new_password", "Choose a new password."),
    (OLD, "eleven-char", None, "new_password", "Use 12 to 128 characters."),
    (OLD, "x" * 129, None, "new_password", "Use 12 to 128 characters."),
    (OLD, NEW, NEW + "!", "confirm_password", "This does not match the new password."),
    (OLD, NEW, "", "confirm_password", "Type the new password again."),
    (OLD, OLD, None, "new_password", "Choose a password different from the current one."),
])
def test_a_bad_change_names_the_field_and_changes_nothing(app, signed_in, current, new, confirm, field, message):
    before = _hash(app)
    response = _change(signed_in, current, new, confirm)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _field_error(page, field) == message
    assert f'id="{field}"' in page and 'aria-invalid="true"' in page
    assert _hash(app) == before
    assert _signed_in(signed_in)
    assert login(app.test_client(), "trainer-a", OLD).status_code == 302


def test_the_longest_allowed_password_works_in_full(app, signed_in):
    longest = ("长城外古道边" * 11)[:64] + ("yellow-river-7" * 5)[:64]  # 128 characters, many beyond ASCII
    assert _change(signed_in, new=longest).status_code == 302
    assert login(app.test_client(), "trainer-a", longest).status_code == 302
    assert login(app.test_client(), "trainer-a", longest[:-1]).status_code == 400  # not truncated


def test_guessing_the_current_password_is_throttled_like_sign_in(app, signed_in):
    for _ in range(throttle.FREE_FAILURES):
        assert _change(signed_in, current="wrong-password-1").status_code == 400
    before = _hash(app)
    response = _change(signed_in, current=OLD)  # even the right one, while locked
    assert response.status_code == 429
    assert "Too many failed sign-ins" in _field_error(response.get_data(as_text=True), "current_password")
    assert _hash(app) == before


def test_only_a_signed_in_trainer_reaches_the_page(app, trainer):
    before = _hash(app)
    anonymous = app.test_client()
    response = anonymous.get("/trainer/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/trainer/login?next=/trainer/password")
    # A POST without the form's token never gets as far as the sign-in check: CSRFProtect
    # checks every form POST in a before_request hook, before the view and its
    # @login_required run, so the answer is the CSRF 400, not the redirect.
    response = anonymous.post("/trainer/password", data={"current_password": OLD, "new_password": NEW,
                                                         "confirm_password": NEW})
    assert response.status_code == 400
    # With a valid token (an anonymous session has one too) @login_required answers:
    # off to sign in, with no way back to a POST.
    token = csrf_token(anonymous.get("/trainer/login").get_data(as_text=True))
    response = anonymous.post("/trainer/password", data={"csrf_token": token, "current_password": OLD,
                                                         "new_password": NEW, "confirm_password": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/trainer/login"
    assert _hash(app) == before


def test_the_page_in_chinese_explains_the_rule_and_links_the_hint(app, signed_in):
    signed_in.get("/?lang=zh")
    page = signed_in.get("/trainer/password").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "修改密码" in page and "当前密码" in page
    assert re.search(r'id="new_password"[^>]*aria-describedby="new_password-hint"', page) or \
        re.search(r'aria-describedby="new_password-hint"[^>]*id="new_password"', page)
    assert 'id="new_password-hint"' in page and "12" in page and "128" in page
    response = _change(signed_in, new="short")
    assert _field_error(response.get_data(as_text=True), "new_password") == "请使用 12 到 128 个字符。"
