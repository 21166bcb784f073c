"""The cross-agency dashboards: figures of cases, referrals and the action plan, read-only."""
