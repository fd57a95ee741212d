"""The demo seeders' tests use the badges tests' registrations and clean rule cache."""

from tests.badges.conftest import (  # noqa: F401  (fixtures, shared as they are)
    _fresh_rules,
    create_registration,
    request_ctx,
    show,
)
