"""/api/v1 endpoints of the followup domain."""
