"""Chat translation against the dev translator (a real process on a free port, Amazon Translate's
TranslateText over its JSON protocol) through the app's own boto3 adapter: the call goes out as
Amazon would get it, Nepali is refused as Amazon refuses it, a 500 becomes "unavailable", the
role's policy allows the call (the session's IAM audit records it), and the dev translator's log
holds no text."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import requests

from chalicelib.adapters.amazon_translate import AmazonTranslator
from chalicelib.domain.translation import TranslationUnavailableError
from ops import processes
from ops.iam import RolePolicy, requests_of
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.emulator

SECRET = "사장님이 두 달째 월급을 안 줘요"


@pytest.fixture(scope="module")
def translator_url() -> Iterator[str]:
    port = processes.free_port()
    log = ARTIFACTS / f"translate-{port}.log"
    service = processes.translator(port, log).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        service.stop()
    assert SECRET not in log.read_text(encoding="utf-8")  # method, path, status: never a text


@pytest.fixture
def translator(translator_url: str) -> Iterator[AmazonTranslator]:
    requests.delete(f"{translator_url}/__dev/faults", timeout=5)
    client = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                   region_name="ap-northeast-2").client("translate", endpoint_url=translator_url)
    yield AmazonTranslator(client)
    requests.delete(f"{translator_url}/__dev/faults", timeout=5)


def test_translate_text_both_ways_marked_and_counted(translator: AmazonTranslator, translator_url: str) -> None:
    before = requests.get(f"{translator_url}/__dev/calls", timeout=5).json()
    assert translator.translate(SECRET, "ko", "vi") == f"[dev translator ko→vi: not translated] {SECRET}"
    assert translator.translate("Chưa trả lương", "vi", "ko").startswith("[dev translator vi→ko")
    assert translator.translate("Hindi pa bayad", "fil", "ko").startswith("[dev translator tl→ko")  # Amazon's code
    after = requests.get(f"{translator_url}/__dev/calls", timeout=5).json()
    assert after["calls"] - before["calls"] == 3
    assert after["characters"] - before["characters"] == len(SECRET) + len("Chưa trả lương") + len("Hindi pa bayad")


def test_languages_amazon_does_not_have_and_failures_are_unavailable(translator: AmazonTranslator,
                                                                     translator_url: str) -> None:
    with pytest.raises(TranslationUnavailableError):
        translator.translate("मलाई तलब दिइएन", "ne", "ko")  # not even sent: no Amazon code for Nepali
    client = translator._client
    with pytest.raises(client.exceptions.UnsupportedLanguagePairException):
        client.translate_text(Text="ខ្ញុំ", SourceLanguageCode="km", TargetLanguageCode="ko")  # as Amazon answers
    requests.post(f"{translator_url}/__dev/faults", json={"translate": "error500"}, timeout=5).raise_for_status()
    with pytest.raises(TranslationUnavailableError):
        translator.translate("Chưa trả lương", "vi", "ko")


def test_the_app_role_may_call_translate_text() -> None:
    call = requests_of("translate", "TranslateText", {"Text": "x", "SourceLanguageCode": "vi",
                                                      "TargetLanguageCode": "ko"}, "ap-northeast-2", "123456789012")
    assert RolePolicy.from_template().denied(call) == []
    assert RolePolicy.from_template().denied(requests_of("translate", "DeleteTerminology", {}, "ap-northeast-2",
                                                         "123456789012"))
