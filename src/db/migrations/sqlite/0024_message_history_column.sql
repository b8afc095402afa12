-- A final message's events and receipts, folded into its own row as one
-- JSON text once it has not changed for an hour (decision 0030): five rows
-- and their index entries become one column. Events and receipts that come
-- later stay rows until the next fold; readers add both.
ALTER TABLE messages ADD COLUMN history TEXT;
