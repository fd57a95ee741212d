"""Expo CRM."""
