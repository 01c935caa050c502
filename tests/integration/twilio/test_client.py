"""The REST client against the fake: auth, the GMT day filter, next_page_uri paging, error mapping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from desktop_app.providers.twilio.client import TwilioClient, TwilioCredentials
from desktop_app.providers.twilio.errors import TwilioError, TwilioErrorKind
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, BUSINESS, FakeTwilio

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_credentials_prefer_api_key_and_name_what_is_missing() -> None:
    chosen = TwilioCredentials.choose("AC1", "SK1", "secret", "token")
    assert (chosen.username, chosen.secret) == ("SK1", "secret")
    assert "secret" not in repr(chosen)
    assert TwilioCredentials.choose("AC1", auth_token="token").username == "AC1"
    with pytest.raises(ValueError, match="Account SID"):
        TwilioCredentials.choose(None, "SK1", "secret")
    with pytest.raises(ValueError, match="API Key SID and Secret"):
        TwilioCredentials.choose("AC1", "SK1", None)


def test_pages_follow_next_page_uri_newest_first(
    fake_twilio: FakeTwilio, twilio_client: TwilioClient
) -> None:
    sids = [
        fake_twilio.add_message(f"whatsapp:+1555010{i:04d}", f"m{i}", date_sent=T0 + timedelta(seconds=i))
        for i in range(25)
    ]
    fake_twilio.add_message("whatsapp:+15550109999", "to another number", date_sent=T0, to="whatsapp:+1999")
    page = twilio_client.list_messages(to=BUSINESS, date_sent_after=date(2026, 11, 25), page_size=10)
    seen = [m["sid"] for m in page.messages]
    pages = 1
    while page.next_page_uri:
        page = twilio_client.next_page(page.next_page_uri)
        seen += [m["sid"] for m in page.messages]
        pages += 1
    assert pages == 3
    assert seen == list(reversed(sids))
    first = fake_twilio.list_requests()[0]
    assert first.query["DateSent>"] == ["2026-11-25"]
    assert first.query["To"] == [BUSINESS]


def test_day_filter_is_inclusive_whole_days(fake_twilio: FakeTwilio, twilio_client: TwilioClient) -> None:
    fake_twilio.add_message("whatsapp:+15550100001", "yesterday late", date_sent=T0.replace(day=24, hour=23))
    fake_twilio.add_message("whatsapp:+15550100002", "today", date_sent=T0)
    page = twilio_client.list_messages(to=BUSINESS, date_sent_after=date(2026, 11, 25))
    assert [m["body"] for m in page.messages] == ["today"]
    page = twilio_client.list_messages(to=BUSINESS, date_sent_after=date(2026, 11, 24))
    assert [m["body"] for m in page.messages] == ["today", "yesterday late"]


def test_account_sid_with_auth_token_also_works(fake_twilio: FakeTwilio) -> None:
    creds = TwilioCredentials.choose(ACCOUNT_SID, auth_token=AUTH_TOKEN)
    with TwilioClient(creds, fake_twilio.base_url) as client:
        assert client.fetch_account()["sid"] == ACCOUNT_SID


def test_wrong_secret_is_auth_error(fake_twilio: FakeTwilio) -> None:
    creds = TwilioCredentials(ACCOUNT_SID, "SK" + "0" * 32, "wrong")
    with TwilioClient(creds, fake_twilio.base_url) as client, pytest.raises(TwilioError) as caught:
        client.list_messages(to=BUSINESS)
    assert caught.value.kind is TwilioErrorKind.AUTH
    assert caught.value.code == 20003
    assert "wrong" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "code", "kind", "json_body"),
    [
        (429, 20429, TwilioErrorKind.RATE_LIMITED, True),
        (503, None, TwilioErrorKind.SERVER, False),
        (500, 20500, TwilioErrorKind.SERVER, True),
    ],
)
def test_retryable_errors(
    fake_twilio: FakeTwilio,
    twilio_client: TwilioClient,
    status: int,
    code: int | None,
    kind: TwilioErrorKind,
    json_body: bool,
) -> None:
    fake_twilio.fail_next(status, code, retry_after="7", json_body=json_body)
    with pytest.raises(TwilioError) as caught:
        twilio_client.list_messages(to=BUSINESS)
    assert caught.value.kind is kind
    assert caught.value.retryable
    assert caught.value.retry_after == 7.0
    assert twilio_client.list_messages(to=BUSINESS).messages == []  # the next call goes through


def test_unreachable_server_is_network_error(fake_twilio: FakeTwilio) -> None:
    url = fake_twilio.base_url
    fake_twilio.close()
    creds = TwilioCredentials.choose(ACCOUNT_SID, auth_token=AUTH_TOKEN)
    with TwilioClient(creds, url, timeout=(1.0, 1.0)) as client, pytest.raises(TwilioError) as caught:
        client.fetch_account()
    assert caught.value.kind is TwilioErrorKind.NETWORK
    assert caught.value.retryable


def test_next_page_link_to_another_host_keeps_credentials_home(
    fake_twilio: FakeTwilio, twilio_client: TwilioClient
) -> None:
    fake_twilio.add_message("whatsapp:+15550100001", "hello", date_sent=T0)
    uri = f"https://evil.example/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json?To=x&PageSize=5"
    page = twilio_client.next_page(uri)  # answered by the fake at the base URL, not by evil.example
    assert fake_twilio.list_requests()[-1].authorized
    assert page.messages == []
    with pytest.raises(TwilioError) as caught:
        twilio_client.next_page("/2010-04-01/Accounts/ACother/Messages.json")
    assert caught.value.kind is TwilioErrorKind.BAD_RESPONSE


def test_create_message_body_or_template(fake_twilio: FakeTwilio, twilio_client: TwilioClient) -> None:
    answer = twilio_client.create_message(
        to="whatsapp:+15550101234", from_=BUSINESS, body="You are unsubscribed."
    )
    assert answer["sid"].startswith("SM")
    template = twilio_client.create_message(
        to="whatsapp:+15550101234",
        from_=BUSINESS,
        content_sid="HX" + "1" * 32,
        content_variables='{"1":"Ana"}',
    )
    assert template["status"] == "queued"
    posts = [r.form for r in fake_twilio.state.requests if r.method == "POST"]
    assert posts[0]["Body"] == ["You are unsubscribed."]
    assert posts[1]["ContentSid"] == ["HX" + "1" * 32]
    assert posts[1]["ContentVariables"] == ['{"1":"Ana"}']
    with pytest.raises(ValueError, match="exactly one"):
        twilio_client.create_message(to="whatsapp:+1", from_=BUSINESS)
