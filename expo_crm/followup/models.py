"""Tables of the followup domain."""
