"""Dev translator: the Amazon Translate ``TranslateText`` API, marking text instead of translating it."""
