-- Back to the session's own role.
SELECT pg_catalog.set_config('role', 'none', false)
