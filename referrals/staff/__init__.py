"""The staff pages, by concern (the older ones are still in ``referrals.staff_views``)."""
