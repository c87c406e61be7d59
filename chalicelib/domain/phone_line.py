"""The programme's phone line: where every message sends a person who cannot go on online."""

FALLBACK_PHONE = "031-8030-4541"
