-- Fragment: the bytes of a free-space map that covers every page of a main fork of
-- `main.size` bytes (8 kB pages): its bottom page for the last page of the fork, and every page
-- before it in the map's order (each page of the map holds 4,069 pages' slots, three levels deep,
-- a parent before its children). No page: none.
CASE WHEN main.size < 8192 THEN 0
     ELSE ((main.size / 8192 - 1) / 4069 + 1
           + (main.size / 8192 - 1) / 4069 / 4069 + 1
           + (main.size / 8192 - 1) / 4069 / 4069 / 4069 + 1) * 8192
END
