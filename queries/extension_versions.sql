-- TimescaleDB's versions beside the one installed here (extversion, the summary's): the one its
-- installed package would install (default_version; newer: the package was upgraded and this
-- database not, ALTER EXTENSION ... UPDATE not run), and the one its catalog records itself at
-- (2.13+; a dump restored from another version, or an update stopped half-way, leaves it apart,
-- and ALTER EXTENSION ... UPDATE then fails "catalog version mismatch": timescale/timescaledb
-- #8278, #6496). Read when the installed version changes, not at every refresh:
-- pg_available_extensions reads every extension's control file.
SELECT (SELECT default_version FROM pg_catalog.pg_available_extensions
         WHERE name = 'timescaledb')                                  AS default_version,
       (SELECT value FROM _timescaledb_catalog.metadata
         WHERE key = 'timescaledb_version')                           AS catalog_version
