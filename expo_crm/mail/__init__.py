"""Outgoing e-mail: an outbox table, SMTP delivery by the job queue, templates, campaigns.

Every message is a row of ``mail_messages`` before anything is sent; delivery (see
``delivery``) takes due rows one at a time and records what the SMTP server answered. What
the outbox guarantees is written at the top of ``delivery``.
"""
