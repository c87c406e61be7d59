from chalicelib.logs import scrub


def test_scrub_removes_contact_details_tokens_and_codes() -> None:
    text = ("user 홍길동 at hong@example.invalid +82 10-1234-5678 sent "
            "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl with code=abc123&state=xyz")
    cleaned = scrub(text, limit=500)
    for secret in ("hong@example.invalid", "1234-5678", "eyJhbGci", "abc123", "xyz"):
        assert secret not in cleaned
    assert "<email>" in cleaned and "<jwt>" in cleaned and "code=<redacted>" in cleaned
