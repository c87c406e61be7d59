"""DynamoDB adapters (pynamodb). Access patterns: docs/DATA.md."""
