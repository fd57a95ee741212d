"""Fixtures for edition tests: the follow-up factories."""

from tests.followup.conftest import (  # noqa: F401  (fixtures shared with follow-up tests)
    make_contract,
    make_registration,
)
