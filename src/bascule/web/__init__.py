"""``bascule serve``: the run store in a browser, for the committee and the case workers.

One module per idea: ``app`` builds the application (sessions, CSRF, the
templates), ``auth`` logs people in and checks their rights, ``pages``
shows runs, sign-offs, clusters, dossiers and diffs (reading only), and
``triage`` takes the forms that write (decisions, approvals, signatures).
No asset comes from outside the package: the app works offline.
"""
