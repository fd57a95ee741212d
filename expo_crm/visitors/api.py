"""/api/v1 endpoints of the visitors domain."""
