from chalicelib.logs import scrub


def test_scrub_removes_contact_details_tokens_and_codes() -> None:
    text = ("user 홍길동 at hong@example.invalid +82 10-1234-5678 sent "
            "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl with code=abc123&state=xyz")
    cleaned = scrub(text, limit=500)
    for secret in ("hong@example.invalid", "1234-5678", "eyJhbGci", "abc123", "xyz"):
        assert secret not in cleaned
    assert "<email>" in cleaned and "<jwt>" in cleaned and "code=<redacted>" in cleaned


def test_a_log_line_goes_to_the_standard_output_of_the_moment_not_to_a_closed_one(monkeypatch) -> None:
    # The logger is made once per process; a stream it was made under may be swapped and closed since
    # (a test's captured output, a local server's redirect). Its later lines must reach the current one.
    import io
    import json
    import sys

    from chalicelib import logs

    logs.logger.cache_clear()
    first, now, errors = io.StringIO(), io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", first)
    logs.logger().info("made under the first stream")
    first.close()
    monkeypatch.setattr(sys, "stdout", now)
    monkeypatch.setattr(sys, "stderr", errors)
    try:
        logs.logger().info("logged after it closed", extra={"consultation_id": "c-1"})
    finally:
        logs.logger.cache_clear()
    assert "Logging error" not in errors.getvalue()
    [line] = now.getvalue().splitlines()
    assert json.loads(line)["message"] == "logged after it closed"
