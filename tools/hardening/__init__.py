"""Harnesses of the hardening checks: a load generator over gunicorn, the crash bench, disk faults, malformed and
hostile input, the soak. tests/hardening runs their quick variants, `scripts/harden` the large ones."""
