"""A stand-in for the Teams channel (Bot Connector REST API) and a client that talks like Teams.

Used by the end-to-end tests, ``python app.py chat`` and ``python app.py converse``.
"""
