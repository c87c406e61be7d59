"""Dev identity provider: emulates Kakao Login and Naver Login for local development.

Run it with ``python -m devtools.idp``; see ``devtools/idp/server.py`` (module
docstring) and ``devtools/idp/README.md``.  ``devtools.idp.accounts`` derives
the test accounts' ids deterministically for other development code.
"""
