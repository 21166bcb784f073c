"""The link to Traffy Fondue, NECTEC's citizen-reporting platform, through its agency
exchange API: issues forwarded to an MOU agency come in by webhook and become cases; the
agencies' public steps go back as Traffy's states, messages and forwardings."""
