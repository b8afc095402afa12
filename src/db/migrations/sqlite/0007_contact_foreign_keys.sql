-- PostgreSQL drops two foreign keys of the contact tables in its 0007 (bulk
-- import speed); SQLite checks them cheaply and keeps them.
SELECT 1;
