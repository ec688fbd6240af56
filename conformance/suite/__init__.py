"""The cross-language conformance suite: scenarios as data, drivers over a line protocol, one runner.

See conformance/README.md. Modules: scenarios (files, variables), drivers (discovery, the protocol
client), execute (one run and its assertions), matching (the expectation language), captured
(views of the harness's captures), identity (cross-language comparison).
"""
