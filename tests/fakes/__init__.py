"""Local stand-ins for upstream services, replaying their real formats."""
