"""The citizens' pages: ask for help (``asking``), follow the request, act on it and
exercise data rights (``following``). No account; views are thin: they read through
selectors, act through services, and turn refusals into messages in the citizen's
language."""
