"""Ready-made replies: the pages where an agency's administrators keep them
(``pages``), and the pickers that offer them beside the case page's text boxes
(``case_page``). They change through ``referrals.services``; who may keep or insert them
is ``agencies.permissions``' rule."""
