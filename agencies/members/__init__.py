"""An agency's members, kept by its administrators on the staff pages (/staff/members/):
invitations with a one-time link to set a password, role and office, suspension,
reactivation, removal, password resets, and the log of every change (``MemberChange``),
which the agency's CCEOs read too. Who may do what is ``agencies.permissions``' rule;
every change goes through ``services``."""
