"""Dev identity provider: emulates Kakao Login and Naver Login for local development.

Run it with ``python -m devtools.idp``; see ``devtools/idp/README.md`` (endpoints,
configuration, the modules) and ``devtools/idp/server.py``.  ``devtools.idp.accounts`` derives
the test accounts' ids deterministically for other development code.
"""
