"""/api/v1 endpoints of the badges domain."""
