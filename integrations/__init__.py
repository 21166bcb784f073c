"""Links to outside systems that also receive citizens' requests: the 1111 Government
Complaint Center and Traffy Fondue. One package per system; what they have in common (the
link of an outside case to ours, the log of exchanges, the outgoing channel with its loop
guard) is here."""
