"""Tables of the visitors domain."""
