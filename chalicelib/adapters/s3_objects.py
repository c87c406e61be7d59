"""The attachments bucket (S3): upload forms, reads for the check, short-lived links, erasure.

Uploads go from the browser straight to S3 with a presigned POST whose policy
pins the key, the Content-Type and a ``content-length-range``; the bucket
encrypts every object under the stage's KMS key by default. The emulator does
not enforce POST policies, so the check reads the real size (``size_of``) and
never more than the limit (``read`` asks for a byte range).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


class S3ObjectStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, object]:
        form = self._s3.generate_presigned_post(
            Bucket=self._bucket, Key=key, Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in)
        return {"url": form["url"], "fields": dict(form["fields"])}

    def size_of(self, key: str) -> int | None:
        try:
            return int(self._s3.head_object(Bucket=self._bucket, Key=key)["ContentLength"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def read(self, key: str, max_bytes: int) -> bytes:
        response = self._s3.get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{max_bytes - 1}")
        return bytes(response["Body"].read(max_bytes))

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)

    def delete(self, *keys: str) -> None:
        wanted = [{"Key": k} for k in keys if k]
        if wanted:
            self._s3.delete_objects(Bucket=self._bucket, Delete={"Objects": wanted, "Quiet": True})

    def delete_prefix(self, prefix: str) -> int:
        deleted = 0
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
            keys = [o["Key"] for o in page.get("Contents", [])]
            if keys:
                self.delete(*keys)
                deleted += len(keys)
        return deleted

    def download_url(self, key: str, expires_in: int, *, content_type: str, filename: str | None) -> str:
        # No file name in the link (it would be personal data in a URL): the page names the file.
        params = {"Bucket": self._bucket, "Key": key, "ResponseContentType": content_type,
                  "ResponseContentDisposition": "inline", "ResponseCacheControl": "private, no-store"}
        return str(self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in))
