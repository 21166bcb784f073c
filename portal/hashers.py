"""Password hashing at OWASP's recommended Argon2id cost, not Django's heavier default.

Django's Argon2 default (100 MiB, 2 passes, 8 lanes) took about 100 ms of the 2 cores for
each sign-in, and 100 MiB for each sign-in at once. OWASP's Password Storage Cheat Sheet
lists equivalent Argon2id settings; the first, 46 MiB with one pass and one lane, takes
about a third of the time here (see bench/sign_in.py). Hashes made with other settings
still verify, and Django rewrites them with these at their owner's next sign-in
(``must_update``), so the algorithm's name stays ``argon2``.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher

# OWASP's floor, as (memory in KiB, passes) pairs of equal strength for one lane.
OWASP_ARGON2ID_MINIMUMS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    memory_cost = 47104
    time_cost = 1
    parallelism = 1
