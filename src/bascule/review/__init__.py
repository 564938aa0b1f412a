"""What people decide about a run: users and their rights, triage of divergences, the committee's signatures.

The web app (``bascule.web``) and the command line write through these
functions; every write leaves a line in the audit log, and nothing here is
ever overwritten: a new decision supersedes an older one, both are kept.
"""
