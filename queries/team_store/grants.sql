-- What each group role may do (again after every migration: new tables get the same).
GRANT USAGE ON SCHEMA hypertop TO hypertop_store_writer, hypertop_store_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA hypertop TO hypertop_store_writer, hypertop_store_reader;
GRANT INSERT, UPDATE, DELETE ON hypertop.target, hypertop.body, hypertop.frame, hypertop.sample
TO hypertop_store_writer;
