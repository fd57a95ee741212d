"""/api/v1 endpoints of the exhibitors domain."""
