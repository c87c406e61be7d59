"""The ``Translator`` port on Amazon Translate (``TranslateText``), region ap-northeast-2.

On the local stage the same client talks to the dev translator (``devtools/translate``), pointed at
by ``AWS_ENDPOINT_URL_TRANSLATE``; nothing else differs. Texts are never logged here.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.translation import MACHINE_CODES, TranslationUnavailableError


class AmazonTranslator:
    def __init__(self, client: Any) -> None:
        self._client = client  # boto3 "translate" client

    def translate(self, text: str, source: str, target: str) -> str:
        try:
            source_code, target_code = MACHINE_CODES[source], MACHINE_CODES[target]
        except KeyError as exc:
            raise TranslationUnavailableError(f"no machine translation for {exc.args[0]!r}") from None
        try:
            answer = self._client.translate_text(Text=text, SourceLanguageCode=source_code,
                                                 TargetLanguageCode=target_code)
        except (ClientError, BotoCoreError) as exc:
            code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else type(exc).__name__
            raise TranslationUnavailableError(f"Amazon Translate refused or failed: {code}") from None
        return str(answer["TranslatedText"])
