"""GDPR tools: access-request export (JSON, PDF), erasure by anonymisation, and the retention rule.

To be implemented (see the participants issue): this module is owned by the GDPR work package.
"""
