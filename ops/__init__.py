"""Operator tooling: the emulator, stack deployment, seeding, ticks, the local runner.

Nothing here is packaged into the Lambda bundle (Chalice packages ``app.py``
and ``chalicelib/`` only).
"""
