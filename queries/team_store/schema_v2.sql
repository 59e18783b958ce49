-- Version 2: which recorder wrote a frame (its host and login), for a team with several.
ALTER TABLE hypertop.frame ADD COLUMN recorder text;
