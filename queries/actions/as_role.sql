-- Act as role $1 for the statements that follow on this session (a removed policy re-added by
-- its owner: the new job is that role's, and runs with its rights, not the session's). Only
-- where the session may act as it; else, and for NULL, as the session's own role.
SELECT pg_catalog.set_config('role', CASE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_roles r
                                                            WHERE r.rolname = $1::text)
                                          THEN 'none'
                                          WHEN pg_catalog.pg_has_role($1::text, 'MEMBER')
                                          THEN $1::text ELSE 'none' END, false)
