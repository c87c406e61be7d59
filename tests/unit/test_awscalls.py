"""The call recorder the bench replays as an operation's floor (``ops/awscalls.py``): it records the
requests a client sends, not the URLs it only presigns."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from ops import awscalls


def test_a_presigned_url_is_not_recorded_as_a_call_and_a_request_sent_is() -> None:
    awscalls.install()
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="ap-northeast-2")
    s3 = session.client("s3")
    with Stubber(s3) as stub, awscalls.count_calls() as counted, awscalls.record_calls() as recorded:
        s3.generate_presigned_url("get_object", Params={"Bucket": "maeul-docs", "Key": "consultations/c-1/a"})
        stub.add_response("head_object", {"ContentLength": 3}, {"Bucket": "maeul-docs", "Key": "consultations/c-1/a"})
        s3.head_object(Bucket="maeul-docs", Key="consultations/c-1/a")
        s3.generate_presigned_post("maeul-docs", "consultations/c-1/b")
    # replaying a presign as GetObject would download the document: the floor would be slower than the view
    assert recorded == [("s3", "HeadObject", {"Bucket": "maeul-docs", "Key": "consultations/c-1/a"})]
    assert dict(counted.by_operation) == {"s3.HeadObject": 1}
